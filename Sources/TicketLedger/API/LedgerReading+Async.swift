/// The `async` forms of the reads: each runs its read transactions on a Dispatch thread
/// while the calling task suspends, so an async server never blocks a thread of the
/// cooperative pool on the store.
extension LedgerReading {
    /// The chain head, read off the cooperative pool; see `head()`.
    public func head() async throws(LedgerError) -> ChainHead {
        try await offloaded { () throws(LedgerError) in try self.head() }
    }

    /// Replays and checks the whole log off the cooperative pool; see `audit(_:)`.
    public func audit(_ options: AuditOptions = AuditOptions()) async throws(LedgerError) -> AuditReport {
        try await offloaded { () throws(LedgerError) in try self.audit(options) }
    }

    /// A ticket's state and event history, read off the cooperative pool; see `ticketReport(_:)`.
    public func ticketReport(_ locator: TicketLocator) async throws(LedgerError) -> TicketReport {
        try await offloaded { () throws(LedgerError) in try self.ticketReport(locator) }
    }

    /// A user's document and event history, read off the cooperative pool; see
    /// `userReport(pool:user:)`.
    public func userReport(pool: PoolID, user: UserID) async throws(LedgerError) -> UserReport {
        try await offloaded { () throws(LedgerError) in try self.userReport(pool: pool, user: user) }
    }

    /// Counts by state, events, log size and map use, read off the cooperative pool; see
    /// `statistics()`.
    public func statistics() async throws(LedgerError) -> StoreStatistics {
        try await offloaded { () throws(LedgerError) in try self.statistics() }
    }

    /// Writes a consistent copy of the store off the cooperative pool; see `backup(to:)`.
    public func backup(to destination: String) async throws(LedgerError) -> BackupReport {
        try await offloaded { () throws(LedgerError) in try self.backup(to: destination) }
    }
}
