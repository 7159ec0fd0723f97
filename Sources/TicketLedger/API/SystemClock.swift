/// The system's real-time clock.
public struct SystemClock: LedgerClock {
    /// The real-time clock.
    public init() {}
    /// The current moment, to the millisecond.
    public func now() -> Timestamp {
        Timestamp(millisecondsSince1970: POSIX.realTimeMilliseconds())
    }
}
