import LMDB

enum Exporter {
    /// Calls `body` with every event from `first` through `last` (clamped to the head), in
    /// order, in one read transaction. A record that does not decode stops the export with
    /// ``LedgerError/corrupted(path:detail:)`` naming its sequence (run `audit` for the rest).
    static func run(
        _ store: StoreHandle, from first: UInt64, through last: UInt64, _ body: (LoggedEvent) throws -> Void
    ) throws {
        try store.read { txn in
            let head = try store.meta(txn).head.sequence
            let end = min(last, head)
            guard first <= end else { return }
            var trimmer = ResidentPageTrimmer(environment: store.environment)
            try txn.withCursor(store.layout.events) { cursor in
                var entry = try cursor.seek(atLeast: max(first, 1).bigEndianBytes)
                while let e = entry {
                    guard let sequence = UInt64(bigEndianBytes: e.key) else {
                        throw LedgerError.corrupted(path: store.path, detail: "an events key of \(e.key.count) bytes is not a sequence number")
                    }
                    if sequence > end { break }
                    trimmer.saw(e.value)
                    let event: LedgerEvent
                    do {
                        let (payload, _) = try EventCodec.split(e.value)
                        event = try EventCodec.decode(payload: payload)
                    } catch {
                        throw LedgerError.corrupted(path: store.path, detail: "event \(sequence): \(error)")
                    }
                    try body(LoggedEvent(sequence: sequence, event: event))
                    entry = try cursor.next()
                }
            }
            trimmer.trim()
        }
    }
}
