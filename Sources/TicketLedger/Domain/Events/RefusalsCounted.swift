/// `count` refusals of the ticket at `locator` that were counted in its record instead of
/// being logged one by one (see ``Rules/refusalRecord(count:)``): the log's summary of them.
/// `pool` is the ticket's pool. Written when the count reaches ``Rules/refusalsPerSummary``
/// and, for the rest, just before the sweeper drops the ticket.
public struct RefusalsCounted: Sendable, Hashable {
    /// The ticket's pool.
    public var pool: PoolID
    /// When the last refusal it counts happened (or the sweep that dropped the ticket).
    public var at: Timestamp
    /// The ticket.
    public var locator: TicketLocator
    /// How many refusals it stands for: 1 to ``Rules/refusalsPerSummary``.
    public var count: UInt64

    /// A summary of `count` refusals of `locator`.
    public init(pool: PoolID, at: Timestamp, locator: TicketLocator, count: UInt64) {
        self.pool = pool
        self.at = at
        self.locator = locator
        self.count = count
    }
}
