/// How a `SecretDigest` is stored: its binary record (see `BinaryWriter`, `BinaryReader`).
extension SecretDigest {
    /// Writes `0`, or `1 ‖ salt ‖ digest`: how events and pool records store an optional secret.
    static func write(_ secret: SecretDigest?, into w: inout BinaryWriter) {
        guard let secret else {
            w.u8(0)
            return
        }
        w.u8(1)
        w.u64(secret.salt.0)
        w.u64(secret.salt.1)
        w.digest(secret.digest)
    }

    /// Reads what ``write(_:into:)`` wrote.
    static func read(from r: inout BinaryReader) throws(DecodingFailure) -> SecretDigest? {
        guard try r.bool() else { return nil }
        let salt = (try r.u64(), try r.u64())
        return SecretDigest(salt: salt, digest: try r.digest())
    }
}
