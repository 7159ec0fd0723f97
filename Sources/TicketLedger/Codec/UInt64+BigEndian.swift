extension UInt64 {
    /// The eight big-endian bytes, so that byte order sorts like the number (LMDB keys).
    var bigEndianBytes: [UInt8] {
        withUnsafeBytes(of: bigEndian) { Array($0) }
    }

    /// Reads eight big-endian bytes, or `nil` when there are not exactly eight.
    init?(bigEndianBytes b: UnsafeRawBufferPointer) {
        guard b.count == 8 else { return nil }
        var v: UInt64 = 0
        for byte in b { v = v << 8 | UInt64(byte) }
        self = v
    }
}
