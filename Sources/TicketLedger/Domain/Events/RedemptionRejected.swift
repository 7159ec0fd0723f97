/// A redemption of the ticket at `locator` was refused. `pool` is the pool the caller named.
public struct RedemptionRejected: Sendable, Hashable {
    public var pool: PoolID
    public var at: Timestamp
    public var locator: TicketLocator
    public var reason: RejectionReason
}
