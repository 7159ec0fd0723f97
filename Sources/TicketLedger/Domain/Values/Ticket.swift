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
    /// SHA-256 of the verifier: what the ledger stores and compares. Computed when the
    /// ticket is made or parsed, on the caller's thread rather than the writer's.
    let verifierDigest: SHA256Digest

    static let prefix = "tl1."
    /// The length of every ticket's text form.
    public static let textLength = 43

    init(locator: TicketLocator, verifier: (UInt64, UInt64)) {
        self.locator = locator
        self.verifier = verifier
        self.verifierDigest = SHA256Digest.of(verifier.0, verifier.1)
    }


    /// Parses the text form; `nil` when `text` is not exactly a well-formed ticket.
    public init?(_ text: String) {
        guard text.utf8.count == Self.textLength else { return nil }
        var text = text
        guard let ticket = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = ticket
    }

    /// Parses exactly 43 bytes, without allocating.
    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> Ticket? {
        guard utf8.count == textLength, utf8[0] == UInt8(ascii: "t"), utf8[1] == UInt8(ascii: "l"),
              utf8[2] == UInt8(ascii: "1"), utf8[3] == UInt8(ascii: "."), utf8[20] == UInt8(ascii: ".")
        else { return nil }
        var locator: UInt64 = 0
        for c in utf8[4..<20] {
            guard let v = Hex.value(c, letters: .lowercase) else { return nil }
            locator = locator << 4 | UInt64(v)
        }
        // 22 base64url characters carry 132 bits: the 128 of the verifier, then 4 zero bits.
        var bits: UInt128 = 0
        for c in utf8[21..<42] {
            guard let v = base64URLValue(c) else { return nil }
            bits = bits << 6 | UInt128(v)
        }
        guard let last = base64URLValue(utf8[42]), last & 0xf == 0 else { return nil }
        bits = bits << 2 | UInt128(last >> 4)
        return Ticket(
            locator: TicketLocator(sequence: locator),
            verifier: (UInt64(truncatingIfNeeded: bits >> 64), UInt64(truncatingIfNeeded: bits)))
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

    public static func == (a: Ticket, b: Ticket) -> Bool {
        a.locator == b.locator && a.verifier == b.verifier
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(locator)
        hasher.combine(verifier.0)
        hasher.combine(verifier.1)
    }
}

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
