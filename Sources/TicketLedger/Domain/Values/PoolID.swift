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
