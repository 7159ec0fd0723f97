/// A user pool's id: 1 to 64 ASCII letters, digits, `-` or `_` (the product's pool ids are
/// 24 hexadecimal digits).
public struct PoolID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The id's text.
    public let rawValue: String

    /// The most bytes a pool id may have.
    public static let maxLength = 64

    /// Validates `rawValue`; throws ``LedgerError/invalidArgument(_:_:)`` when it is not a pool id.
    public init(_ rawValue: String) throws(LedgerError) {
        let utf8 = rawValue.utf8
        guard !utf8.isEmpty, utf8.count <= Self.maxLength,
              utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        else {
            throw .invalidArgument("pool", "must be 1 to \(Self.maxLength) ASCII letters, digits, '-' or '_'")
        }
        self.rawValue = rawValue
    }

    init(unchecked rawValue: String) { self.rawValue = rawValue }

    public static func < (a: PoolID, b: PoolID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue }
}

/// A user's id within a pool: 1 to 128 bytes of UTF-8 without control characters.
///
/// An id is its bytes: two ids are the same user only when their UTF-8 is identical, as
/// the store's keys are. `String`'s own equality would hold canonically equivalent
/// spellings equal (U+212A KELVIN SIGN and "K", "é" precomposed and decomposed), which
/// the identity providers behind the ids do not.
public struct UserID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The id's text.
    public let rawValue: String

    /// The most bytes a user id may have.
    public static let maxLength = 128

    /// Validates `rawValue`; throws ``LedgerError/invalidArgument(_:_:)`` when it is not a user id.
    public init(_ rawValue: String) throws(LedgerError) {
        // Printable ASCII needs no look-up of Unicode properties (replay decodes millions).
        let printableASCII = rawValue.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7f }
        guard !rawValue.isEmpty, rawValue.utf8.count <= Self.maxLength,
              printableASCII || !rawValue.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
              !rawValue.unicodeScalars.contains("\u{FFFD}")
        else {
            throw .invalidArgument("user", "must be 1 to \(Self.maxLength) bytes of UTF-8 text without control characters")
        }
        self.rawValue = rawValue
    }

    init(unchecked rawValue: String) { self.rawValue = rawValue }

    /// The same UTF-8 bytes.
    public static func == (a: UserID, b: UserID) -> Bool {
        var (a, b) = (a.rawValue, b.rawValue)
        return a.withUTF8 { x in b.withUTF8 { y in x.elementsEqual(y) } }
    }

    /// Hashes the UTF-8 bytes.
    public func hash(into hasher: inout Hasher) {
        var text = rawValue
        text.withUTF8 { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
    }

    /// The order of the UTF-8 bytes (the store's key order).
    public static func < (a: UserID, b: UserID) -> Bool {
        var (a, b) = (a.rawValue, b.rawValue)
        return a.withUTF8 { x in b.withUTF8 { y in x.lexicographicallyPrecedes(y) } }
    }

    public var description: String { rawValue }
}

/// Where a ticket's state lives: the sequence number of its `TicketIssued` event.
///
/// Locators rise with time, so live tickets share a few hot B-tree pages. A locator alone
/// redeems nothing: the ticket's verifier is needed too.
public struct TicketLocator: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The sequence number of the ticket's `TicketIssued` event.
    public let sequence: UInt64

    /// The locator of the ticket issued at `sequence`.
    public init(sequence: UInt64) { self.sequence = sequence }

    /// Parses the 16 hexadecimal digits that ``description`` prints.
    public init?(_ text: String) {
        guard text.utf8.count == 16, let v = UInt64(text, radix: 16) else { return nil }
        self.sequence = v
    }

    public static func < (a: TicketLocator, b: TicketLocator) -> Bool { a.sequence < b.sequence }

    /// 16 lowercase hexadecimal digits, as shown by `export` and `inspect`.
    public var description: String {
        let hex = String(sequence, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
