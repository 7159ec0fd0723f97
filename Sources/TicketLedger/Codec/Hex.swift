/// Hexadecimal digits: the one codec for digests (`SHA256Digest.hex`), ticket locators
/// (`Ticket`) and percent-encoding (`AppSide/PercentEncoding.swift`).
enum Hex {
    /// Which letters a decoder accepts.
    enum Letters {
        /// `a`–`f` only: a ticket's locator has one spelling, so a ticket has one text.
        case lowercase
        /// `a`–`f` and `A`–`F`.
        case either
    }

    static let lowercaseDigits: [UInt8] = Array("0123456789abcdef".utf8)
    static let uppercaseDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// The value of one hexadecimal digit, or `nil` when `c` is not one.
    @inline(__always)
    static func value(_ c: UInt8, letters: Letters = .either) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F") where letters == .either: return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }

    /// Appends the two digits of `byte` to `out`.
    @inline(__always)
    static func append(_ byte: UInt8, to out: inout [UInt8], uppercase: Bool = false) {
        let digits = uppercase ? uppercaseDigits : lowercaseDigits
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0xf)])
    }

    /// `bytes` as lowercase hexadecimal text.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes { append(b, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes exactly `count` bytes from `2 × count` digits; `nil` on any other text.
    static func decode(_ text: String, count: Int) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 2 * count else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            guard let hi = value(utf8[2 * i]), let lo = value(utf8[2 * i + 1]) else { return nil }
            bytes[i] = hi << 4 | lo
        }
        return bytes
    }
}
