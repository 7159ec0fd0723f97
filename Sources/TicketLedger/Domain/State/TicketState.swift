/// The tickets projection's record of one ticket.
public struct TicketState: Sendable, Hashable {
    /// Where it is in its life.
    public var status: TicketStatus
    public var pool: PoolID
    public var user: UserID
    public var issuedAt: Timestamp
    public var expiresAt: Timestamp
    /// When it was redeemed, if it was.
    public var consumedAt: Timestamp?
    /// When the sweeper expired it, if it did.
    public var expiredAt: Timestamp?
    /// The end user's IP captured at issue.
    public var ip: IPAddress?
    var verifierDigest: SHA256Digest

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

    init(
        status: TicketStatus, pool: PoolID, user: UserID, issuedAt: Timestamp, expiresAt: Timestamp,
        consumedAt: Timestamp?, expiredAt: Timestamp?, ip: IPAddress?, verifierDigest: SHA256Digest
    ) {
        self.status = status
        self.pool = pool
        self.user = user
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.consumedAt = consumedAt
        self.expiredAt = expiredAt
        self.ip = ip
        self.verifierDigest = verifierDigest
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
