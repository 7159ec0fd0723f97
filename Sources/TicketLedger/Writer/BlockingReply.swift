import Dispatch

/// A reply a blocked thread waits for.
final class BlockingReply: @unchecked Sendable {
    // @unchecked Sendable: `result` is written once by the writer thread before `signal()`
    // and read by the waiting thread only after `wait()` returns; the semaphore orders them.
    private let semaphore = DispatchSemaphore(value: 0)
    private var result: Result<Reply, LedgerError> = .failure(.closed)

    func fill(_ result: Result<Reply, LedgerError>) {
        self.result = result
        semaphore.signal()
    }

    func wait() -> Result<Reply, LedgerError> {
        semaphore.wait()
        return result
    }
}
