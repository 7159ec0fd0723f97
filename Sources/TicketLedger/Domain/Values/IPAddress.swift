/// The end user's IP address, normalized as the product shows it: IPv4 in the IPv4-mapped
/// IPv6 form (`::ffff:192.168.0.106`), IPv6 as given.
///
/// Parsed in Swift, accepting exactly what `inet_pton` accepts (a test compares the two on
/// random text): dotted-decimal IPv4 with four parts, no leading zeros and none over 255;
/// IPv6 as eight groups of one to four hexadecimal digits, one `::` standing for one or more
/// zero groups, and optionally a dotted IPv4 address in the last 32 bits. No zone (`%eth0`).
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The normalized text.
    public let text: String

    /// Parses `text` as an IPv4 or IPv6 address; throws ``LedgerError/invalidArgument(_:_:)`` otherwise.
    public init(_ text: String) throws(LedgerError) {
        guard !text.isEmpty, text.utf8.count <= 45 else {
            throw .invalidArgument("ip", "'\(text.prefix(64))' is not an IPv4 or IPv6 address")
        }
        let bytes = Array(text.utf8)
        if Self.isIPv4(bytes[...]) {
            self.text = "::ffff:" + text
        } else if Self.isIPv6(bytes) {
            self.text = text
        } else {
            throw .invalidArgument("ip", "'\(text.prefix(64))' is not an IPv4 or IPv6 address")
        }
    }

    init(normalized: String) { self.text = normalized }

    public var description: String { text }

    /// Four decimal parts of 0…255 separated by dots, without leading zeros.
    static func isIPv4(_ s: ArraySlice<UInt8>) -> Bool {
        var parts = 0
        var value = 0
        var digits = 0
        for c in s {
            if c == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return false }
                parts += 1
                value = 0
                digits = 0
            } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                if digits > 0 && value == 0 { return false }  // a leading zero
                value = value * 10 + Int(c - UInt8(ascii: "0"))
                digits += 1
                guard value <= 255 else { return false }
            } else {
                return false
            }
        }
        return parts == 3 && digits > 0
    }

    /// Eight 16-bit groups, `::` once for one or more zero groups, an IPv4 tail for the last two.
    static func isIPv6(_ s: [UInt8]) -> Bool {
        var i = 0
        var groups = 0
        var sawDoubleColon = false
        if s.starts(with: [UInt8(ascii: ":"), UInt8(ascii: ":")]) {
            sawDoubleColon = true
            i = 2
            if i == s.count { return true }  // "::"
        } else if s.first == UInt8(ascii: ":") {
            return false
        }
        while i < s.count {
            // One group: hex digits up to ':' or the end; or an IPv4 tail.
            let start = i
            while i < s.count, Hex.value(s[i]) != nil { i += 1 }
            if i < s.count, s[i] == UInt8(ascii: ".") {
                // The rest is an IPv4 address in place of the last two groups.
                guard groups + 2 <= 8, isIPv4(s[start...]) else { return false }
                groups += 2
                i = s.count
                break
            }
            let length = i - start
            guard (1...4).contains(length) else { return false }
            groups += 1
            guard groups <= 8 else { return false }
            if i == s.count { break }
            guard s[i] == UInt8(ascii: ":") else { return false }
            i += 1
            if i < s.count, s[i] == UInt8(ascii: ":") {
                guard !sawDoubleColon else { return false }
                sawDoubleColon = true
                i += 1
                if i == s.count { break }  // ends with "::"
            } else if i == s.count {
                return false  // ends with a single ':'
            }
        }
        return sawDoubleColon ? groups < 8 : groups == 8
    }
}
