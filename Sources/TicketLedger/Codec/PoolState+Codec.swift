/// How a `PoolState` is stored: its binary record (see `BinaryWriter`, `BinaryReader`).
extension PoolState {
    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 80)
        w.u8(1)
        w.i64(policy.ticketLifetime.wholeMilliseconds)
        w.bool(policy.secretRequired)
        w.i64(configuredAt.millisecondsSince1970)
        SecretDigest.write(secret, into: &w)
        return w.bytes
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws(DecodingFailure) {
        var r = BinaryReader(bytes, what: "pool record")
        guard try r.u8() == 1 else { throw r.failure("unknown record version") }
        let lifetime = Duration.milliseconds(try r.i64())
        let required = try r.bool()
        self.policy = PoolPolicy(ticketLifetime: lifetime, secretRequired: required)
        self.configuredAt = Timestamp(millisecondsSince1970: try r.i64())
        self.secret = try SecretDigest.read(from: &r)
        try r.expectEnd()
    }
}
