/// The outcome a redemption decision reaches.
enum RedeemDecision: Sendable, Equatable {
    /// Consume the ticket: append this event.
    case consume(TicketConsumed)
    /// Refuse with `reason` (what the caller is told); append `record` when the ledger
    /// knows the ticket, so a flood of made-up tickets cannot grow the log.
    case reject(RejectionReason, record: RedemptionRejected?)
}
