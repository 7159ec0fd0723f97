/// A salted SHA-256 digest of a pool secret.
public struct SecretDigest: Sendable, Hashable {
    /// 16 random bytes, as two words.
    var salt: (UInt64, UInt64)
    /// SHA-256(salt ‖ secret).
    var digest: SHA256Digest

    /// Digests `secret` with `salt` (16 random bytes, drawn by the caller).
    init(secret: String, salt: (UInt64, UInt64)) {
        self.init(salt: salt, digest: Self.digestOf(secret, salt: salt))
    }


    init(salt: (UInt64, UInt64), digest: SHA256Digest) {
        self.salt = salt
        self.digest = digest
    }

    /// Whether `secret` is the one digested, compared in constant time.
    func matches(_ secret: String) -> Bool {
        Self.digestOf(secret, salt: salt).constantTimeEquals(digest)
    }

    /// A secret this digest was found to match, kept to check the next presentation without
    /// hashing: the writer keeps one for the length of a batch (an app server sends the
    /// same secret with every redemption).
    struct Accepted {
        let digest: SecretDigest
        /// The secret as presented (kept, not copied).
        let secret: String

        /// Whether `secret` is the accepted one for `digest`; the bytes are compared in
        /// constant time.
        func matches(_ secret: String, for digest: SecretDigest) -> Bool {
            guard digest == self.digest else { return false }
            var (presented, accepted) = (secret, self.secret)
            return presented.withUTF8 { presented in
                accepted.withUTF8 { accepted in
                    guard presented.count == accepted.count else { return false }
                    var difference: UInt8 = 0
                    for i in 0..<presented.count { difference |= presented[i] ^ accepted[i] }
                    return difference == 0
                }
            }
        }
    }

    private static func digestOf(_ secret: String, salt: (UInt64, UInt64)) -> SHA256Digest {
        var secret = secret
        return secret.withUTF8 { SHA256Digest.of(salt.0, salt.1, then: UnsafeRawBufferPointer($0)) }
    }

    public static func == (a: SecretDigest, b: SecretDigest) -> Bool {
        a.salt == b.salt && a.digest == b.digest
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(salt.0)
        hasher.combine(salt.1)
        hasher.combine(digest)
    }
}
