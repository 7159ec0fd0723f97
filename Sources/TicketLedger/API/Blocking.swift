import Dispatch

/// Runs `body` — a call that blocks on I/O (opening a store, a read transaction, closing) —
/// on a Dispatch thread, and suspends the calling task until it returns, so the cooperative
/// pool never blocks on the store. Commands need no such hop: they queue for the writer
/// thread and suspend on their reply (`Ledger.submit(_:) async`).
func offloaded<R: Sendable>(_ body: @escaping @Sendable () throws(LedgerError) -> R) async throws(LedgerError) -> R {
    let result: Result<R, LedgerError> = await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(returning: Result { () throws(LedgerError) in try body() })
        }
    }
    return try result.get()
}
