/// Where the ledger reads the time. Inject a ``ManualClock`` in tests and replays.
public protocol LedgerClock: Sendable {
    /// The current moment.
    func now() -> Timestamp
}
