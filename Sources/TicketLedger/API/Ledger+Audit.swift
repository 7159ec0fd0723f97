import Synchronization
/// Rebuilding the projections of an open ledger. (Its reads — audit, export, inspection,
/// backup — are ``LedgerReading``'s.)
extension Ledger {

    /// Rebuilds the tickets, pools, expiry-index and users projections from the log, in one
    /// write transaction (a crash before it commits leaves the old ones), after an upgrade or a
    /// bug fix. Refuses a log that breaks its chain or its rules: audit it first.
    @discardableResult
    public func rebuildProjections() throws(LedgerError) -> RebuildReport {
        _ = try head()
        let report: RebuildReport
        switch try readAccess.kind {
        case .lmdb(let store): report = try Rebuilder.run(store)
        case .postgres(let store): report = try Rebuilder.run(store)
        }
        // The users overlay may hold states derived from the old projection: start it over
        // from the new checkpoint (later batches catch it up from the log).
        writer.restartUsers(at: report.sequence)
        return report
    }
}
