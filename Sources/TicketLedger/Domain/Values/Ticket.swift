/// A ticket as a caller holds it: a locator (where its state lives) and a 128-bit verifier
/// (the secret part; the ledger keeps only its SHA-256 digest).
///
/// Its text form is URL-safe and 43 characters long: `tl2.` + 16 hexadecimal digits + `.` +
/// the verifier in 22 base64url characters, e.g. `tl2.9c0e5b7d31a2f468.q83vEjRWeJCrze8SNFZ4kA`.
/// The 16 digits are the locator under the store's keyed permutation (``LocatorCipher``), so
/// the text says nothing of when the ticket was issued. Tickets issued before that show the
/// locator itself (`tl1.000000000000002a.…`) and still redeem.
public struct Ticket: Sendable, Hashable, CustomStringConvertible {
    /// Where the ticket's state lives.
    public let locator: TicketLocator
    let verifier: (UInt64, UInt64)
    /// SHA-256 of the verifier: what the ledger stores and compares. Computed when the
    /// ticket is made or parsed, on the caller's thread rather than the writer's.
    let verifierDigest: SHA256Digest
    /// The text's form: 1 shows the locator, 2 the locator sealed by the store's cipher.
    let form: UInt8
    /// The 16 digits the text shows.
    let shown: UInt64

    /// The length of every ticket's text form.
    public static let textLength = 43

    /// A ticket in the old `tl1.` form, whose text shows its locator.
    init(locator: TicketLocator, verifier: (UInt64, UInt64)) {
        self.init(locator: locator, verifier: verifier, form: 1, shown: locator.sequence)
    }

    /// A ticket in the `tl2.` form, its locator sealed by `cipher`.
    init(locator: TicketLocator, verifier: (UInt64, UInt64), cipher: LocatorCipher) {
        self.init(locator: locator, verifier: verifier, form: 2, shown: cipher.seal(locator.sequence))
    }

    private init(locator: TicketLocator, verifier: (UInt64, UInt64), form: UInt8, shown: UInt64) {
        self.locator = locator
        self.verifier = verifier
        self.verifierDigest = SHA256Digest.of(verifier.0, verifier.1)
        self.form = form
        self.shown = shown
    }

    /// Parses a text of the `tl1.` form (whose digits are the locator); `nil` for anything
    /// else. A `tl2.` ticket needs its store's key: ``LedgerReading/locator(ofTicket:)``.
    public init?(_ text: String) {
        self.init(text, cipher: nil)
    }

    /// Parses the text form with the store's `cipher` (for the `tl2.` form); `nil` when
    /// `text` is not exactly a well-formed ticket.
    init?(_ text: String, cipher: LocatorCipher?) {
        guard text.utf8.count == Self.textLength else { return nil }
        var text = text
        guard let ticket = text.withUTF8({ Self.parse($0, cipher: cipher) }) else { return nil }
        self = ticket
    }

    /// Whether `text` has a ticket's shape, in either form (it may still be made up).
    public static func isWellFormed(_ text: String) -> Bool {
        guard text.utf8.count == textLength else { return false }
        var text = text
        return text.withUTF8 { Self.parse($0, cipher: nil, anyForm: true) } != nil
    }

    /// Parses exactly 43 bytes, without allocating. `anyForm` takes a `tl2.` text without a
    /// cipher (its locator is then the digits themselves: for checking the shape only).
    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>, cipher: LocatorCipher?, anyForm: Bool = false) -> Ticket? {
        guard utf8.count == textLength, utf8[0] == UInt8(ascii: "t"), utf8[1] == UInt8(ascii: "l"),
              utf8[3] == UInt8(ascii: "."), utf8[20] == UInt8(ascii: ".")
        else { return nil }
        let form: UInt8
        switch utf8[2] {
        case UInt8(ascii: "1"): form = 1
        case UInt8(ascii: "2") where cipher != nil || anyForm: form = 2
        default: return nil
        }
        var shown: UInt64 = 0
        for c in utf8[4..<20] {
            guard let v = Hex.value(c, letters: .lowercase) else { return nil }
            shown = shown << 4 | UInt64(v)
        }
        // 22 base64url characters carry 132 bits: the 128 of the verifier, then 4 zero bits.
        var bits: UInt128 = 0
        for c in utf8[21..<42] {
            guard let v = base64URLValue(c) else { return nil }
            bits = bits << 6 | UInt128(v)
        }
        guard let last = base64URLValue(utf8[42]), last & 0xf == 0 else { return nil }
        bits = bits << 2 | UInt128(last >> 4)
        let locator = form == 2 ? cipher.map { $0.open(shown) } ?? shown : shown
        return Ticket(
            locator: TicketLocator(sequence: locator),
            verifier: (UInt64(truncatingIfNeeded: bits >> 64), UInt64(truncatingIfNeeded: bits)), form: form, shown: shown)
    }

    /// The ticket's text form.
    public var text: String {
        var out = Array((form == 2 ? "tl2." : "tl1.").utf8)
        out.append(contentsOf: TicketLocator(sequence: shown).description.utf8)
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
