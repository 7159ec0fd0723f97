import NIOPosix
import TicketLedger

/// Runs a blocking call of the synchronous ledger API (a read, such as `head()`) on NIO's
/// blocking thread pool, so it never blocks an event loop, and suspends until it returns.
/// Redemptions and issues use the ledger's `async` API instead, which suspends on the group
/// commit without holding a thread.
func offloaded<R: Sendable>(_ body: @escaping @Sendable () throws(LedgerError) -> R) async throws(LedgerError) -> R {
    do {
        return try await NIOThreadPool.singleton.runIfActive { try body() }
    } catch let error as LedgerError {
        throw error
    } catch {
        // The pool is shutting down: the process is stopping.
        throw .closed
    }
}
