/// The ticket at `locator` expired unredeemed.
public struct TicketExpired: Sendable, Hashable {
    public var pool: PoolID
    public var at: Timestamp
    public var locator: TicketLocator
}
