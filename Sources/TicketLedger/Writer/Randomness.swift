/// Where the writer draws randomness for the domain, which takes it as input: a new
/// ticket's verifier and a pool secret's salt, from the system's generator.
extension Ticket {
    /// A ticket at `locator` with a fresh verifier from the system's CSPRNG, its text in the
    /// `tl2.` form under `cipher`.
    static func random(at locator: TicketLocator, cipher: LocatorCipher) -> Ticket {
        var rng = SystemRandomNumberGenerator()
        return Ticket(locator: locator, verifier: (rng.next(), rng.next()), cipher: cipher)
    }
}

extension SecretDigest {
    /// A fresh random salt (from the system's generator).
    static func randomSalt() -> (UInt64, UInt64) {
        var rng = SystemRandomNumberGenerator()
        return (rng.next(), rng.next())
    }

    /// Digests `secret` with a fresh random salt.
    static func make(for secret: String) -> SecretDigest {
        SecretDigest(secret: secret, salt: randomSalt())
    }
}

extension LocatorCipher {
    /// A cipher with a fresh key from the system's CSPRNG.
    static func random() -> LocatorCipher {
        var rng = SystemRandomNumberGenerator()
        return LocatorCipher(words: (rng.next(), rng.next(), rng.next(), rng.next()))
    }
}
