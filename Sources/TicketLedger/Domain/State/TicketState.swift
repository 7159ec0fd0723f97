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

    /// The ticket `event` issues: live, nothing settled yet.
    init(issuedBy event: TicketIssued) {
        self.init(
            status: .issued, pool: event.pool, user: event.user, issuedAt: event.at, expiresAt: event.expiresAt,
            consumedAt: nil, expiredAt: nil, ip: event.ip, verifierDigest: event.verifierDigest)
    }
}
