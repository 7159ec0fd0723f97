internal import Crypto

/// A SHA-256 digest held inline (no heap allocation), compared in constant time.
public struct SHA256Digest: Sendable, Hashable, CustomStringConvertible {
    var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// All zero bits: the hash before the first event of a chain.
    public static let zero = SHA256Digest(w0: 0, w1: 0, w2: 0, w3: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// Reads 32 bytes (the caller checks the count).
    init(_ b: UnsafeRawBufferPointer) {
        func word(_ i: Int) -> UInt64 {
            var v: UInt64 = 0
            for byte in b[i..<i + 8] { v = v << 8 | UInt64(byte) }
            return v
        }
        self.init(w0: word(0), w1: word(8), w2: word(16), w3: word(24))
    }

    /// Parses 64 hexadecimal digits.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex, count: 32) else { return nil }
        self = bytes.withUnsafeBytes { SHA256Digest($0) }
    }

    /// SHA-256 of `data`.
    static func of(_ data: UnsafeRawBufferPointer) -> SHA256Digest {
        SHA256.hash(data: data).withUnsafeBytes { SHA256Digest($0) }
    }

    /// SHA-256 of `data`.
    static func of(_ data: [UInt8]) -> SHA256Digest {
        data.withUnsafeBytes { of($0) }
    }

    /// SHA-256 of two big-endian words followed by `tail`, without building a buffer.
    static func of(_ w0: UInt64, _ w1: UInt64, then tail: UnsafeRawBufferPointer? = nil) -> SHA256Digest {
        var hasher = SHA256()
        withUnsafeBytes(of: (w0.bigEndian, w1.bigEndian)) { hasher.update(bufferPointer: $0) }
        if let tail { hasher.update(bufferPointer: tail) }
        return hasher.finalize().withUnsafeBytes { SHA256Digest($0) }
    }

    /// SHA-256(`self` ‖ `record`): the next link of a hash chain.
    func chained(with record: UnsafeRawBufferPointer) -> SHA256Digest {
        var hasher = SHA256()
        withUnsafeBytes(of: (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: record)
        return hasher.finalize().withUnsafeBytes { SHA256Digest($0) }
    }

    /// Compares in time that does not depend on where the digests differ.
    func constantTimeEquals(_ other: SHA256Digest) -> Bool {
        ((w0 ^ other.w0) | (w1 ^ other.w1) | (w2 ^ other.w2) | (w3 ^ other.w3)) == 0
    }

    /// The 32 bytes.
    public var bytes: [UInt8] {
        [w0, w1, w2, w3].flatMap { $0.bigEndianBytes }
    }

    /// 64 lowercase hexadecimal digits.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }
}
