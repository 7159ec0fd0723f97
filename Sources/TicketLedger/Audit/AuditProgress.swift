/// How far a running audit has come.
public struct AuditProgress: Sendable {
    /// Events replayed so far.
    public var events: UInt64
    /// Events in the log (the head's sequence).
    public var total: UInt64
    /// Seconds since the replay started.
    public var elapsedSeconds: Double

    /// Events replayed per second so far.
    public var eventsPerSecond: Double { elapsedSeconds > 0 ? Double(events) / elapsedSeconds : 0 }
    /// Seconds left at the rate so far.
    public var secondsLeft: Double {
        let rate = eventsPerSecond
        return rate > 0 ? Double(total > events ? total - events : 0) / rate : 0
    }
}
