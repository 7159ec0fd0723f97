public import Logging

extension Ledger {
    /// Copies the ledger at `source` into `destination`, between any two stores (LMDB →
    /// PostgreSQL to move to a fleet, and back): the same records and chain, so a digest taken
    /// from the source checks against the copy (`audit DEST --expect-digest`), and projections
    /// built from the same replay. The source is read in one read transaction (it may stay in
    /// use; the copy holds the log up to its head when the copy began) and checked on the way.
    ///
    /// - Parameters:
    ///   - source: the ledger to copy (read only).
    ///   - destination: an empty or missing directory, or a PostgreSQL database holding no
    ///     events (its schema is created when missing).
    /// - Throws: ``LedgerError/invalidArgument(_:_:)`` when the destination holds anything,
    ///   ``LedgerError/corrupted(path:detail:)`` when the source's log has a gap, a broken chain
    ///   or an event that cannot follow the ones before it (nothing is left in the destination
    ///   then), or the stores' own errors.
    @discardableResult
    public static func copy(
        from source: StoreLocation, to destination: StoreLocation, logger: Logger = Logger(label: "TicketLedger")
    ) throws(LedgerError) -> CopyReport {
        guard source != destination else {
            throw .invalidArgument("copy destination", "'\(destination)' is the source itself")
        }
        let reader = try LedgerReader.open(source, logger: logger)
        defer { reader.close() }
        return try StoreCopier.copy(try reader.readAccess, to: destination, logger: logger)
    }
}
