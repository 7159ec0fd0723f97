/// The sweeper dropped these consumed or expired tickets of `pool` from the tickets
/// projection, their `expiresAt` plus the grace period having passed. The log keeps their
/// history; replay drops exactly these, so it rebuilds the same projection.
public struct TicketsPurged: Sendable, Hashable {
    /// The pool the dropped tickets belong to.
    public var pool: PoolID
    /// When the sweeper dropped them.
    public var at: Timestamp
    /// The dropped tickets, strictly rising.
    public var locators: [TicketLocator]

    /// A purge of `locators` (sorted here) at `at`.
    public init(pool: PoolID, at: Timestamp, locators: [TicketLocator]) {
        self.pool = pool
        self.at = at
        self.locators = locators.sorted()
    }
}
