import NIOPosix
import TicketLedger

/// Runs a blocking call of the synchronous ledger API on NIO's blocking thread pool, so it
/// never blocks an event loop, and suspends until it returns.
///
/// The one bridge between the handlers and the synchronous API: when the ledger's async
/// overloads (group commit) land, the handlers switch to them here, in one place.
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
