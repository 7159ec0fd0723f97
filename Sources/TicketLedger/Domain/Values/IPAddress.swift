#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The end user's IP address, normalized as the product shows it: IPv4 in the IPv4-mapped
/// IPv6 form (`::ffff:192.168.0.106`), IPv6 as given.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The normalized text.
    public let text: String

    /// Parses `text` as an IPv4 or IPv6 address; throws ``LedgerError/invalidArgument(_:_:)`` otherwise.
    public init(_ text: String) throws(LedgerError) {
        guard !text.isEmpty, text.utf8.count <= 45, !text.contains("\u{0}") else {
            throw .invalidArgument("ip", "'\(text.prefix(64))' is not an IPv4 or IPv6 address")
        }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.text = "::ffff:" + text
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            self.text = text
        } else {
            throw .invalidArgument("ip", "'\(text.prefix(64))' is not an IPv4 or IPv6 address")
        }
    }

    init(normalized: String) { self.text = normalized }

    public var description: String { text }
}
