/// The refused redemptions of known tickets an audit found, by where they are kept: the first
/// few of each ticket logged one by one, the rest summarised in the log (`RefusalsCounted`)
/// or, since a ticket's last summary, counted in its stored record (see `Rules.refusalRecord`).
public struct RefusalTally: Sendable, Hashable, Encodable {
    /// `RedemptionRejected` events in the log.
    public var logged: UInt64
    /// Refusals the log's `RefusalsCounted` events stand for.
    public var summarised: UInt64
    /// Refusals the stored tickets count and the log has not summarised yet.
    public var unsummarised: UInt64

    /// Every refusal accounted for.
    public var total: UInt64 { logged + summarised + unsummarised }

    /// A tally of `logged`, `summarised` and `unsummarised` refusals.
    public init(logged: UInt64, summarised: UInt64, unsummarised: UInt64) {
        self.logged = logged
        self.summarised = summarised
        self.unsummarised = unsummarised
    }
}
