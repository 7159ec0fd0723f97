/// One stored event as `copy` moves it: its sequence, the event, and the whole record (the
/// chain hash included), which a copy writes unchanged.
struct LoggedRecord: Sendable {
    var sequence: UInt64
    var event: LedgerEvent
    var record: [UInt8]
    /// The record's chain hash.
    var hash: SHA256Digest
}
