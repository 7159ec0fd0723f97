/// A ticket as a caller holds it: a locator (where its state lives) and a 128-bit verifier
/// (the secret part; the ledger keeps only its SHA-256 digest).
///
/// Its text form is URL-safe and 43 characters long: `tl1.` + the locator in 16 hexadecimal
/// digits + `.` + the verifier in 22 base64url characters, e.g.
/// `tl1.000000000000002a.q83vEjRWeJCrze8SNFZ4kA`.
public struct Ticket: Sendable, Hashable, CustomStringConvertible {
    /// Where the ticket's state lives.
    public let locator: TicketLocator
    let verifier: (UInt64, UInt64)

    static let prefix = "tl1."
    /// The length of every ticket's text form.
    public static let textLength = 43

    init(locator: TicketLocator, verifier: (UInt64, UInt64)) {
        self.locator = locator
        self.verifier = verifier
    }

    /// A ticket at `locator` with a fresh verifier from the system's CSPRNG.
    static func random(at locator: TicketLocator) -> Ticket {
        var rng = SystemRandomNumberGenerator()
        return Ticket(locator: locator, verifier: (rng.next(), rng.next()))
    }

    /// Parses the text form; `nil` when `text` is not exactly a well-formed ticket.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8.prefix(Self.textLength + 1))
        guard utf8.count == Self.textLength, utf8[0..<4].elementsEqual(Self.prefix.utf8), utf8[20] == UInt8(ascii: ".")
        else { return nil }
        var locator: UInt64 = 0
        for c in utf8[4..<20] {
            guard let v = lowerHexValue(c) else { return nil }
            locator = locator << 4 | UInt64(v)
        }
        // 22 base64url characters carry 132 bits: the 128 of the verifier, then 4 zero bits.
        guard let v = decodeBase64URL(utf8[21...]), v.count == 16 else { return nil }
        let (hi, lo) = v.withUnsafeBytes { b in
            (UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: b[0..<8])) ?? 0,
             UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: b[8..<16])) ?? 0)
        }
        self.init(locator: TicketLocator(sequence: locator), verifier: (hi, lo))
    }

    /// The ticket's text form.
    public var text: String {
        var out = Array(Self.prefix.utf8)
        out.append(contentsOf: locator.description.utf8)
        out.append(UInt8(ascii: "."))
        out.append(contentsOf: base64URL(verifierBytes))
        return String(decoding: out, as: UTF8.self)
    }

    /// Never the ticket itself: tickets must not reach logs.
    public var description: String { "Ticket(locator: \(locator), verifier: <redacted>)" }

    var verifierBytes: [UInt8] { verifier.0.bigEndianBytes + verifier.1.bigEndianBytes }

    /// SHA-256 of the verifier: what the ledger stores and compares.
    var verifierDigest: SHA256Digest { SHA256Digest.of(verifier.0, verifier.1) }

    public static func == (a: Ticket, b: Ticket) -> Bool {
        a.locator == b.locator && a.verifier == b.verifier
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(locator)
        hasher.combine(verifier.0)
        hasher.combine(verifier.1)
    }
}

private let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

private func base64URLValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - UInt8(ascii: "A")
    case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 26
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0") + 52
    case UInt8(ascii: "-"): return 62
    case UInt8(ascii: "_"): return 63
    default: return nil
    }
}

private func lowerHexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    default: return nil
    }
}

/// Unpadded base64url.
func base64URL(_ bytes: [UInt8]) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity((bytes.count * 4 + 2) / 3)
    var i = 0
    while i + 3 <= bytes.count {
        let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
        for shift in [18, 12, 6, 0] { out.append(base64URLAlphabet[Int(n >> UInt32(shift) & 63)]) }
        i += 3
    }
    let rest = bytes.count - i
    if rest == 1 {
        let n = UInt32(bytes[i]) << 16
        out.append(base64URLAlphabet[Int(n >> 18 & 63)])
        out.append(base64URLAlphabet[Int(n >> 12 & 63)])
    } else if rest == 2 {
        let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
        out.append(base64URLAlphabet[Int(n >> 18 & 63)])
        out.append(base64URLAlphabet[Int(n >> 12 & 63)])
        out.append(base64URLAlphabet[Int(n >> 6 & 63)])
    }
    return out
}

/// Decodes unpadded base64url; `nil` on a bad character or non-zero padding bits.
func decodeBase64URL(_ chars: some Collection<UInt8>) -> [UInt8]? {
    var out = [UInt8]()
    var acc: UInt32 = 0, nbits = 0
    for c in chars {
        guard let v = base64URLValue(c) else { return nil }
        acc = acc << 6 | UInt32(v)
        nbits += 6
        if nbits >= 8 {
            nbits -= 8
            out.append(UInt8(truncatingIfNeeded: acc >> UInt32(nbits)))
            acc &= (1 << UInt32(nbits)) - 1
        }
    }
    guard nbits < 6, acc == 0 else { return nil }
    return out
}
