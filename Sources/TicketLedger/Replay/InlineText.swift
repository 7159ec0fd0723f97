/// Up to 45 bytes of text held inline (an IP address as the log stores it), or none: no
/// `String`, no heap allocation per ticket or user.
struct InlineText: Sendable, Hashable {
    /// The byte count, or `none`.
    private var count: UInt8
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0, w4: UInt64 = 0, w5: UInt64 = 0

    private static let none: UInt8 = 0xFF
    /// The longest text held.
    static let capacity = 45
    static let absent = InlineText(count: none)

    private init(count: UInt8) { self.count = count }

    /// `bytes` inline (the caller keeps them at or under ``capacity``).
    init(_ bytes: UnsafeRawBufferPointer) {
        count = UInt8(truncatingIfNeeded: min(bytes.count, Self.capacity))
        let n = Int(count)
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { dst in
            if n > 0, let base = bytes.baseAddress, let to = dst.baseAddress { to.copyMemory(from: base, byteCount: n) }
        }
        (w0, w1, w2, w3, w4, w5) = words
    }

    /// `text`'s UTF-8 bytes inline, or ``absent`` for `nil`.
    init(_ text: String?) {
        guard var text else { self = .absent; return }
        self = text.withUTF8 { InlineText(UnsafeRawBufferPointer($0)) }
    }

    var isAbsent: Bool { count == Self.none }

    /// Writes what `BinaryWriter.optionalString` writes for this text.
    func write(into w: inout BinaryWriter) {
        guard count != Self.none else { return w.u8(0) }
        w.u8(1)
        w.varint(UInt64(count))
        let words = (w0, w1, w2, w3, w4, w5)
        withUnsafeBytes(of: words) { w.raw(UnsafeRawBufferPointer(rebasing: $0[0..<Int(count)])) }
    }

    /// Whether `r` reads next what ``write(into:)`` writes (and moves past it).
    func matches(_ r: inout BinaryReader) throws(DecodingFailure) -> Bool {
        guard try r.u8() == (count == Self.none ? 0 : 1) else { return false }
        guard count != Self.none else { return true }
        guard try r.varint() == UInt64(count) else { return false }
        let stored = try r.bytes(Int(count))
        let words = (w0, w1, w2, w3, w4, w5)
        return withUnsafeBytes(of: words) { sameBytes(UnsafeRawBufferPointer(rebasing: $0[0..<Int(count)]), stored) }
    }

    /// The text as decoding it from the log gives it (the log's text is valid UTF-8).
    var string: String? {
        guard count != Self.none else { return nil }
        let words = (w0, w1, w2, w3, w4, w5)
        return withUnsafeBytes(of: words) { String(decoding: UnsafeRawBufferPointer(rebasing: $0[0..<Int(count)]), as: UTF8.self) }
    }
}
