/// A pool's rules for its tickets.
public struct PoolPolicy: Sendable, Hashable {
    /// How long a ticket may be redeemed after it is issued (default 120 s).
    public var ticketLifetime: Duration
    /// Whether redeeming needs the pool's secret (default `true`).
    public var secretRequired: Bool

    /// The shortest and longest lifetimes a pool may set: 1 s to 1 day.
    public static let lifetimeBounds: ClosedRange<Duration> = .seconds(1) ... .seconds(86_400)

    /// A policy; the defaults are the product's (120 s, secret required).
    public init(ticketLifetime: Duration = .seconds(120), secretRequired: Bool = true) {
        self.ticketLifetime = ticketLifetime
        self.secretRequired = secretRequired
    }
}
