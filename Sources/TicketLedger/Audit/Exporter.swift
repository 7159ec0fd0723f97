enum Exporter {
    /// Calls `body` with every event from `first` through `last` (clamped to the head), in
    /// order, in one read transaction. A record that does not decode stops the export with
    /// ``LedgerError/corrupted(path:detail:)`` naming its sequence (run `audit` for the rest).
    static func run(
        _ scan: some StoreScan, from first: UInt64, through last: UInt64, _ body: (LoggedEvent) throws -> Void
    ) throws {
        let end = min(last, try scan.meta().head.sequence)
        var opener = EventOpener(scan)
        try scan.scanEvents(from: first, through: end, strict: true) { logged in
            try body(try opener.opened(logged))
            return true
        }
    }
}
