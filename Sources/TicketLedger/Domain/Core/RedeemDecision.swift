/// The outcome a redemption decision reaches.
enum RedeemDecision: Sendable, Equatable {
    /// Consume the ticket: append this event.
    case consume(TicketConsumed)
    /// A retry of the consume of this ticket with its retry key: answer as the consume did,
    /// append nothing, count nothing.
    case retried(TicketState)
    /// Refuse with `reason` (what the caller is told). For a ticket the ledger knows,
    /// `counted` is its record with this refusal counted (to store) and `record` the event to
    /// append for it, if any (see ``Rules/refusalRecord(count:)``): a flood of made-up tickets
    /// cannot grow the log, nor can the holder of a real one.
    /// `revoke` is the revocation a reuse of a consumed ticket appends, the first time.
    case reject(RejectionReason, record: LedgerEvent?, counted: TicketState?, revoke: TokensRevoked? = nil)

    /// The event a refusal appends, if any.
    var recorded: LedgerEvent? {
        if case .reject(_, let record, _, _) = self { return record }
        return nil
    }
}
