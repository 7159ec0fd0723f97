import Foundation
import Synchronization
public import TicketLedger

/// The async driver of the redemption benchmark (`ticket-ledger bench --async --tasks T`):
/// the same workload as the threaded one in ``RedemptionBench`` — call i goes to ticket
/// i / contention, handed out by one shared counter — driven by T concurrent tasks awaiting
/// `Ledger.redeem(…) async` (the way an async server calls the ledger) instead of W
/// blocking threads. The outcomes and latencies go through the same per-caller buffers and
/// the same exactly-once check.
public enum AsyncRedemptionBench {
    /// `tasks` concurrent tasks, each awaiting the async API, redeem `tickets`, each ticket
    /// raced by `contention` of them; returns the figures, with exactly-once checked.
    public static func redeemConcurrently(
        _ tickets: [IssuedTicket], pool: PoolID, secret: String, ledger: Ledger, tasks: Int, contention: Int = 1
    ) async throws -> RedemptionFigures {
        let run = AsyncRedemptionRun(
            tickets: tickets, pool: pool, secret: secret, ledger: ledger, tasks: tasks, contention: contention, ackLog: nil)
        return try await run.redeem()
    }

    /// The same from a thread that may block (the CLI's main thread, never a task): starts the
    /// tasks and waits for them, reporting progress about twice a second.
    static func redeem(
        _ tickets: [IssuedTicket], pool: PoolID, secret: String, ledger: Ledger, tasks: Int, contention: Int,
        ackLog: AckLog?, progress: (@Sendable (String) -> Void)?
    ) throws -> RedemptionFigures {
        let run = AsyncRedemptionRun(
            tickets: tickets, pool: pool, secret: secret, ledger: ledger, tasks: tasks, contention: contention, ackLog: ackLog)
        let outcome = Mutex<Result<RedemptionFigures, any Error>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Task {
            let result: Result<RedemptionFigures, any Error>
            do { result = .success(try await run.redeem()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            finished.signal()
        }
        let start = monotonicSeconds()
        if let progress {
            while finished.wait(timeout: .now() + 0.5) == .timedOut {
                let n = run.done.load(ordering: .relaxed)
                let rate = Double(n) / (monotonicSeconds() - start)
                let left = rate > 0 ? Double(run.calls - n) / rate : 0
                progress(String(format: "redeem calls %d/%d (async, %d tasks), %.0f/s, %.0f s left", n, run.calls, tasks, rate, left))
            }
        } else {
            finished.wait()
        }
        guard let result = outcome.withLock({ $0 }) else { throw BenchError(description: "the async run ended without a result") }
        return try result.get()
    }
}
