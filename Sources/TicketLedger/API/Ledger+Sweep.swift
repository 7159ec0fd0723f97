extension Ledger {
    /// How long a consumed or expired ticket stays in the tickets projection after its
    /// `expiresAt`, so that a replayed ticket is told `alreadyConsumed` (and the attempt is
    /// recorded) rather than `unknown`, unless `expireDue(limit:grace:)` is given another.
    /// After it the sweeper drops the ticket with a `TicketsPurged` event; the log keeps its
    /// history (replay drops what the event names, whatever the grace period was).
    public static let ticketGracePeriod: Duration = .seconds(300)

    /// The longest grace period `expireDue(limit:grace:)` takes.
    public static let maxGracePeriod: Duration = .seconds(30 * 86_400)
}
