/// The ticket at `locator` was redeemed.
public struct TicketConsumed: Sendable, Hashable {
    public var pool: PoolID
    public var at: Timestamp
    public var locator: TicketLocator
}
