/// The ticket at `locator` was redeemed.
public struct TicketConsumed: Sendable, Hashable {
    public var pool: PoolID
    public var at: Timestamp
    public var locator: TicketLocator
    /// The digest of the retry key the redeemer gave (``RetryKey``), if any: a retry with the
    /// same key gets this consume's answer again (event format 3).
    public var retryKey: SHA256Digest?

    /// The consume of `locator` in `pool` at `at`, with the digest of the caller's retry key.
    public init(pool: PoolID, at: Timestamp, locator: TicketLocator, retryKey: SHA256Digest? = nil) {
        self.pool = pool
        self.at = at
        self.locator = locator
        self.retryKey = retryKey
    }
}
