import Foundation
import Synchronization
import TicketLedger

/// One async redemption phase: the shared state its tasks read and count on.
final class AsyncRedemptionRun: Sendable {
    let texts: [String]
    let locators: [String]
    let pool: PoolID
    let secret: String
    let ledger: Ledger
    let tasks: Int
    let contention: Int
    let ackLog: AckLog?
    let calls: Int
    /// The next call to make (call i redeems ticket i / contention).
    let next = Atomic<Int>(0)
    /// Calls answered so far (for progress).
    let done = Atomic<Int>(0)
    let failures = Mutex<[String]>([])

    init(
        tickets: [IssuedTicket], pool: PoolID, secret: String, ledger: Ledger, tasks: Int, contention: Int, ackLog: AckLog?
    ) {
        texts = tickets.map(\.ticket.text)
        locators = tickets.map(\.ticket.locator.description)
        self.pool = pool
        self.secret = secret
        self.ledger = ledger
        self.tasks = tasks
        self.contention = contention
        self.ackLog = ackLog
        calls = texts.count * contention
    }

    /// Runs the tasks to the end and returns the figures.
    func redeem() async throws -> RedemptionFigures {
        guard tasks > 0, contention > 0 else { throw BenchError(description: "tasks and contention must be positive") }
        // Task t writes only slot t of `results`; the merge runs after the group has awaited every task.
        let results = WorkerResults(workers: tasks, capacity: calls / tasks + 1)
        let statsBefore = ledger.writeStatistics
        let start = monotonicSeconds()
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask { await self.callLoop(slot: t, results: results) }
            }
        }
        let seconds = monotonicSeconds() - start
        if let failure = failures.withLock({ $0.first }) {
            throw BenchError(description: "a redeem call failed: \(failure)")
        }
        let statsAfter = ledger.writeStatistics
        return results.figures(
            tickets: texts.count, seconds: seconds, batches: statsAfter.batches - statsBefore.batches,
            commands: statsAfter.commands - statsBefore.commands)
    }

    /// One task's loop: take the next call, await its answer, record it.
    private func callLoop(slot: Int, results: WorkerResults) async {
        while true {
            let i = next.add(1, ordering: .relaxed).oldValue
            guard i < calls else { return }
            let t = i / contention
            let begin = DispatchTime.now().uptimeNanoseconds
            do {
                let outcome = try await ledger.redeem(ticket: texts[t], pool: pool, secret: secret)
                let elapsed = DispatchTime.now().uptimeNanoseconds - begin
                if outcome.document != nil { ackLog?.append(locators[t]) }
                results.record(worker: slot, ticket: t, reason: outcome.rejection?.reason, nanoseconds: elapsed)
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
            done.add(1, ordering: .relaxed)
        }
    }
}
