/// What one sweep (`Ledger/sweep(limit:grace:)`) did: the tickets it expired and the settled
/// ones it dropped.
public struct SweepReport: Sendable, Hashable, Codable {
    /// Issued tickets past their expiry that it marked expired (`TicketExpired`).
    public var expired: Int
    /// Consumed or expired tickets past their grace period that it dropped from the tickets
    /// projection (`TicketsPurged`; the log keeps their history).
    public var purged: Int

    /// A report of `expired` expired and `purged` dropped tickets.
    public init(expired: Int, purged: Int) {
        self.expired = expired
        self.purged = purged
    }
}
