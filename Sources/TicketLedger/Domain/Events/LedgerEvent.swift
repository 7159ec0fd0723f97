/// The only source of truth: every change to the ledger is one of these, appended to the log.
public enum LedgerEvent: Sendable, Hashable {
    /// A pool's policy was set.
    case poolConfigured(PoolConfigured)
    /// A ticket was issued; its locator is this event's sequence number.
    case ticketIssued(TicketIssued)
    /// A ticket was redeemed: the user logged in.
    case ticketConsumed(TicketConsumed)
    /// A ticket passed its lifetime unredeemed.
    case ticketExpired(TicketExpired)
    /// A redemption of a ticket the ledger knows was refused.
    case redemptionRejected(RedemptionRejected)
    /// Consumed and expired tickets past their grace period left the tickets projection.
    case ticketsPurged(TicketsPurged)
    /// Refusals of a ticket counted in its record, summarised (format version 3).
    case refusalsCounted(RefusalsCounted)
    /// A consumed ticket was presented again: its tokens are revoked (format version 3).
    case tokensRevoked(TokensRevoked)
    /// A user was forgotten: their key destroyed (format version 4).
    case userForgotten(UserForgotten)

    /// When it happened.
    public var at: Timestamp {
        switch self {
        case .poolConfigured(let e): e.at
        case .ticketIssued(let e): e.at
        case .ticketConsumed(let e): e.at
        case .ticketExpired(let e): e.at
        case .redemptionRejected(let e): e.at
        case .ticketsPurged(let e): e.at
        case .refusalsCounted(let e): e.at
        case .tokensRevoked(let e): e.at
        case .userForgotten(let e): e.at
        }
    }

    /// The pool it concerns.
    public var pool: PoolID {
        switch self {
        case .poolConfigured(let e): e.pool
        case .ticketIssued(let e): e.pool
        case .ticketConsumed(let e): e.pool
        case .ticketExpired(let e): e.pool
        case .redemptionRejected(let e): e.pool
        case .ticketsPurged(let e): e.pool
        case .refusalsCounted(let e): e.pool
        case .tokensRevoked(let e): e.pool
        case .userForgotten(let e): e.pool
        }
    }

    /// Its type's name, as `export` prints it.
    public var typeName: String {
        switch self {
        case .poolConfigured: "PoolConfigured"
        case .ticketIssued: "TicketIssued"
        case .ticketConsumed: "TicketConsumed"
        case .ticketExpired: "TicketExpired"
        case .redemptionRejected: "RedemptionRejected"
        case .ticketsPurged: "TicketsPurged"
        case .refusalsCounted: "RefusalsCounted"
        case .tokensRevoked: "TokensRevoked"
        case .userForgotten: "UserForgotten"
        }
    }
}
