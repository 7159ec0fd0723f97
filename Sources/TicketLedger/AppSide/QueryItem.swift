/// One `name=value` pair of a URL query string, decoded.
public struct QueryItem: Sendable, Hashable {
    /// The decoded name.
    public var name: String
    /// The decoded value; empty for a pair without `=`.
    public var value: String

    /// A pair.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// Splits `query` into its pairs, in order, leniently (as browsers do):
    ///
    /// - everything up to a `?` that comes before the first `=` is skipped, so a leading `?`
    ///   or a whole `page?query` may be passed (a `?` inside a value stays in it);
    /// - pairs are separated by `&`; empty pairs are skipped;
    /// - only the first `=` of a pair separates name and value: `a=b=c` is `a` → `b=c`;
    /// - a pair without `=` is a name with an empty value;
    /// - `+` is a space, `%XX` a byte; a `%` not followed by two hex digits stays as it is,
    ///   and bytes that are not UTF-8 become U+FFFD.
    ///
    /// Duplicate names are all kept here; ``first(_:in:)`` picks the first.
    public static func parse(_ query: some StringProtocol) -> [QueryItem] {
        var bytes = Substring(query).utf8[...]
        if let q = bytes.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "=") }),
           bytes[q] == UInt8(ascii: "?") {
            bytes = bytes[bytes.index(after: q)...]
        }
        return bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { pair in
            if let eq = pair.firstIndex(of: UInt8(ascii: "=")) {
                return QueryItem(name: percentDecoded(pair[..<eq]), value: percentDecoded(pair[pair.index(after: eq)...]))
            }
            return QueryItem(name: percentDecoded(pair), value: "")
        }
    }

    /// The value of the first pair named `name` in `items` (the first wins over later duplicates).
    public static func first(_ name: String, in items: [QueryItem]) -> String? {
        items.first { $0.name == name }?.value
    }

    /// `name=value&…`, each name and value percent-encoded (everything but `A–Z a–z 0–9 - . _ ~`).
    public static func format(_ items: [QueryItem]) -> String {
        items.map { percentEncoded($0.name) + "=" + percentEncoded($0.value) }.joined(separator: "&")
    }
}
