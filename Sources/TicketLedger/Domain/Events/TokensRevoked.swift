/// The ticket at `locator`, already consumed, was presented again (RFC 6749 §4.1.2: a code
/// used twice): the tokens issued for its consume are revoked until `until`, when they expire
/// (the consume's time plus the token lifetime). `pool` is the ticket's pool.
public struct TokensRevoked: Sendable, Hashable {
    /// The ticket's pool.
    public var pool: PoolID
    /// When the reuse happened.
    public var at: Timestamp
    /// The consumed ticket.
    public var locator: TicketLocator
    /// When the revoked tokens expire: the ticket stays in the projection (so the revocation
    /// can be checked) until then.
    public var until: Timestamp

    /// The revocation of the tokens of `locator`'s consume, until `until`.
    public init(pool: PoolID, at: Timestamp, locator: TicketLocator, until: Timestamp) {
        self.pool = pool
        self.at = at
        self.locator = locator
        self.until = until
    }
}
