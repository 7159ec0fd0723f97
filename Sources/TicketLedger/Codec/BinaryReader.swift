/// Reads what `BinaryWriter` wrote, refusing truncated or malformed input with a `DecodingFailure`.
struct BinaryReader {
    let buffer: UnsafeRawBufferPointer
    private(set) var offset = 0
    let what: String

    init(_ buffer: UnsafeRawBufferPointer, what: String) {
        self.buffer = buffer
        self.what = what
    }

    var remaining: Int { buffer.count - offset }
    var isAtEnd: Bool { offset == buffer.count }

    func failure(_ reason: String) -> DecodingFailure { DecodingFailure(what, reason) }

    private mutating func take(_ n: Int) throws(DecodingFailure) -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else {
            throw failure("truncated at byte \(offset): needs \(n) more, has \(remaining)")
        }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + n])
    }

    mutating func u8() throws(DecodingFailure) -> UInt8 { try take(1)[0] }

    mutating func bool() throws(DecodingFailure) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let b: throw failure("byte \(offset - 1) is \(b), not a boolean")
        }
    }

    mutating func u64() throws(DecodingFailure) -> UInt64 {
        let b = try take(8)
        var v: UInt64 = 0
        for byte in b { v = v << 8 | UInt64(byte) }
        return v
    }

    mutating func i64() throws(DecodingFailure) -> Int64 { Int64(bitPattern: try u64()) }

    mutating func varint() throws(DecodingFailure) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8()
            guard shift < 64, !(shift == 63 && byte > 1) else { throw failure("varint overflows 64 bits") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func bytes(_ n: Int) throws(DecodingFailure) -> UnsafeRawBufferPointer { try take(n) }

    mutating func string(maxBytes: Int = 1 << 20) throws(DecodingFailure) -> String {
        let n = try varint()
        guard n <= UInt64(maxBytes) else { throw failure("text of \(n) bytes exceeds \(maxBytes)") }
        let b = try take(Int(n))
        let utf8 = b.bindMemory(to: UInt8.self)
        // ASCII (the common case) is valid UTF-8: skip the generic validating initializer.
        if utf8.allSatisfy({ $0 < 0x80 }) { return String(decoding: utf8, as: UTF8.self) }
        guard let s = String(validating: utf8, as: UTF8.self) else {
            throw failure("text at byte \(offset - Int(n)) is not valid UTF-8")
        }
        return s
    }

    mutating func optionalString(maxBytes: Int = 1 << 20) throws(DecodingFailure) -> String? {
        try bool() ? try string(maxBytes: maxBytes) : nil
    }

    mutating func digest() throws(DecodingFailure) -> SHA256Digest { SHA256Digest(try take(32)) }

    func expectEnd() throws(DecodingFailure) {
        guard isAtEnd else { throw failure("\(remaining) unexpected trailing bytes") }
    }
}
