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
