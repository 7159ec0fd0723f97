import Synchronization
/// Audit, export, inspection and rebuild on an open ledger; the same as ``LedgerReader``'s,
/// through the ledger's own environment (read transactions, except ``rebuildProjections()``).
extension Ledger {
    var storeHandle: StoreHandle { StoreHandle(environment: engine.environment, layout: engine.layout, path: path) }

    /// Replays the whole log into fresh in-memory projections and checks it; see ``AuditReport``.
    /// Reads only: writers go on meanwhile, and the audit covers the log as it stood at its start.
    public func audit(_ options: AuditOptions = AuditOptions()) throws(LedgerError) -> AuditReport {
        _ = try head()  // throws when closed
        return try Auditor.run(storeHandle, options: options)
    }

    /// Calls `body` with each event from `first` through `last` (clamped to the head), in order.
    public func exportEvents(from first: UInt64 = 1, through last: UInt64 = .max, _ body: (LoggedEvent) throws -> Void) throws {
        _ = try head()
        try Exporter.run(storeHandle, from: first, through: last, body)
    }

    /// A ticket's state and event history.
    public func ticketReport(_ locator: TicketLocator) throws(LedgerError) -> TicketReport {
        _ = try head()
        return try Inspector.ticket(storeHandle, locator)
    }

    /// A user's document and event history.
    public func userReport(pool: PoolID, user: UserID) throws(LedgerError) -> UserReport {
        _ = try head()
        return try Inspector.user(storeHandle, pool: pool, user: user)
    }

    /// Counts by state, events, log size and map use.
    public func statistics() throws(LedgerError) -> StoreStatistics {
        _ = try head()
        return try Inspector.statistics(storeHandle)
    }

    /// Rebuilds the tickets, pools, expiry-index and users projections from the log, in one
    /// write transaction (a crash before it commits leaves the old ones), after an upgrade or a
    /// bug fix. Refuses a log that breaks its chain or its rules: audit it first.
    @discardableResult
    public func rebuildProjections() throws(LedgerError) -> RebuildReport {
        _ = try head()
        let report = try Rebuilder.run(storeHandle)
        // The users overlay may hold states derived from the old projection: start it over
        // from the new checkpoint (later batches catch it up from the log).
        engine.users.state.withLock { $0 = UsersView.Overlay(base: report.sequence, applied: report.sequence, users: [:]) }
        return report
    }
}
