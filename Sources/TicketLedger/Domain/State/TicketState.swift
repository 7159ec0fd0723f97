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
    /// How many redemptions of it were refused since the ledger began counting them (event
    /// format 3): the first ``Rules/loggedRefusalsPerTicket`` are in the log one by one
    /// (`RedemptionRejected`), later ones in `RefusalsCounted` summaries, and those since the
    /// last summary only here (see ``Rules/refusalRecord(count:)``). Kept by the live path, not
    /// derived from the log: a replay has 0, and the audit checks it against the summaries.
    public var refusals: UInt64 = 0
    /// The digest of the retry key its consume recorded (derived from the log).
    public var retryKey: SHA256Digest?
    /// Until when the tokens of its consume are revoked (a reuse was seen; derived from the log).
    public var revokedUntil: Timestamp?
    var verifierDigest: SHA256Digest
    /// The end user's IP sealed under the user's key (a ticket issued in event format 4, with
    /// an IP): moved as bytes to the user's record when the ticket is redeemed.
    var sealedIP: [UInt8]?

    init(
        status: TicketStatus, pool: PoolID, user: UserID, issuedAt: Timestamp, expiresAt: Timestamp,
        consumedAt: Timestamp?, expiredAt: Timestamp?, ip: IPAddress?, verifierDigest: SHA256Digest, refusals: UInt64 = 0,
        retryKey: SHA256Digest? = nil, revokedUntil: Timestamp? = nil, sealedIP: [UInt8]? = nil
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
        self.refusals = refusals
        self.retryKey = retryKey
        self.revokedUntil = revokedUntil
        self.sealedIP = sealedIP
    }

    /// The ticket `event` issues: live, nothing settled yet.
    init(issuedBy event: TicketIssued) {
        self.init(
            status: .issued, pool: event.pool, user: event.user, issuedAt: event.at, expiresAt: event.expiresAt,
            consumedAt: nil, expiredAt: nil, ip: event.ip, verifierDigest: event.verifierDigest, sealedIP: event.sealed?.ip)
    }
}
