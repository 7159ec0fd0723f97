/// How a `TicketState` is stored: its binary record (see `BinaryWriter`, `BinaryReader`).
extension TicketState {
    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 160)  // one allocation for typical ids and IPs (measured: 96 grew once)
        w.u8(1)
        w.u8(status.code)
        w.string(pool.rawValue)
        w.string(user.rawValue)
        w.i64(issuedAt.millisecondsSince1970)
        w.i64(expiresAt.millisecondsSince1970)
        w.i64(consumedAt?.millisecondsSince1970 ?? .min)
        w.i64(expiredAt?.millisecondsSince1970 ?? .min)
        w.optionalString(ip?.text)
        w.digest(verifierDigest)
        return w.bytes
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws(DecodingFailure) {
        var r = BinaryReader(bytes, what: "ticket record")
        guard try r.u8() == 1 else { throw r.failure("unknown record version") }
        let code = try r.u8()
        guard let status = TicketStatus(code: code) else { throw r.failure("unknown ticket status \(code)") }
        self.status = status
        self.pool = PoolID(unchecked: try r.string(maxBytes: PoolID.maxLength))
        self.user = UserID(unchecked: try r.string(maxBytes: UserID.maxLength))
        self.issuedAt = Timestamp(millisecondsSince1970: try r.i64())
        self.expiresAt = Timestamp(millisecondsSince1970: try r.i64())
        let consumed = try r.i64()
        self.consumedAt = consumed == .min ? nil : Timestamp(millisecondsSince1970: consumed)
        let expired = try r.i64()
        self.expiredAt = expired == .min ? nil : Timestamp(millisecondsSince1970: expired)
        self.ip = try r.optionalString(maxBytes: 45).map { IPAddress(normalized: $0) }
        self.verifierDigest = try r.digest()
        try r.expectEnd()
    }
}
