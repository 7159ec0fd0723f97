import Synchronization

/// A clock that moves only when told to: for tests, demos and replays.
public final class ManualClock: LedgerClock {
    private let current: Mutex<Timestamp>

    /// A clock standing at `start`.
    public init(_ start: Timestamp) { current = Mutex(start) }

    public func now() -> Timestamp { current.withLock { $0 } }

    /// Moves the clock by `duration`.
    public func advance(by duration: Duration) { current.withLock { $0 = $0.advanced(by: duration) } }

    /// Sets the clock to `moment`.
    public func set(_ moment: Timestamp) { current.withLock { $0 = moment } }
}
