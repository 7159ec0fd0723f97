/// How a `TicketState` is stored: its binary record (see `BinaryWriter`, `BinaryReader`).
/// Version 1 is a ticket without counted refusals or retry key (every record before event
/// format 3); version 2 adds ``TicketState/refusals`` (LEB128), ``TicketState/retryKey``
/// (optional digest) and ``TicketState/revokedUntil`` (optional time) at the end. A ticket
/// with none of them is still written as version 1, byte for
/// byte as before. Version 3 (a ticket issued in event format 4 with an IP) is version 2 with
/// ``TicketState/sealedIP`` (a box) at the end.
extension TicketState {
    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 160)  // one allocation for typical ids and IPs (measured: 96 grew once)
        let extended = refusals != 0 || retryKey != nil || revokedUntil != nil || sealedIP != nil
        w.u8(sealedIP != nil ? 3 : extended ? 2 : 1)
        w.u8(status.code)
        w.string(pool.rawValue)
        w.string(user.rawValue)
        w.i64(issuedAt.millisecondsSince1970)
        w.i64(expiresAt.millisecondsSince1970)
        w.i64(consumedAt?.millisecondsSince1970 ?? .min)
        w.i64(expiredAt?.millisecondsSince1970 ?? .min)
        w.optionalString(ip?.text)
        w.digest(verifierDigest)
        if extended {
            w.varint(refusals)
            w.bool(retryKey != nil)
            if let retryKey { w.digest(retryKey) }
            w.bool(revokedUntil != nil)
            if let revokedUntil { w.i64(revokedUntil.millisecondsSince1970) }
            if let sealedIP { w.box(sealedIP) }
        }
        return w.bytes
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws(DecodingFailure) {
        var r = BinaryReader(bytes, what: "ticket record")
        let version = try r.u8()
        guard (1...3).contains(version) else { throw r.failure("unknown record version \(version)") }
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
        if version >= 2 {
            self.refusals = try r.varint()
            self.retryKey = try r.bool() ? try r.digest() : nil
            self.revokedUntil = try r.bool() ? Timestamp(millisecondsSince1970: try r.i64()) : nil
            if version == 3 { self.sealedIP = try r.box() }
            guard version == 3 || refusals > 0 || retryKey != nil || revokedUntil != nil else {
                throw r.failure("a version 2 record with no refusals, retry key or revocation")
            }
        }
        try r.expectEnd()
    }
}
