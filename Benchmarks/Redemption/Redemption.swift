// Redemption throughput, latency and allocations, under concurrent blocking callers and async tasks.
// Run: TICKET_LEDGER_BENCHMARKS=1 swift package benchmark   (see the README for figures)
import Benchmark
import Dispatch
import Foundation
import TicketLedger
import TicketLedgerBench

/// A store with a pool and enough issued tickets for the run, removed at teardown.
final class Fixture: @unchecked Sendable {
    // @unchecked Sendable: `tickets` is filled in setup, then only read; `next` hands out
    // indices under `lock`.
    let ledger: Ledger
    let pool: PoolID
    let directory: String
    private(set) var tickets: [IssuedTicket] = []
    private var next = 0
    private let lock = NSLock()

    /// The fixture of the benchmark running now; teardown closes it.
    nonisolated(unsafe) static var current: Fixture?

    init(durability: Ledger.Durability, tickets count: Int, users: Int = 100_000) throws {
        directory = NSTemporaryDirectory() + "ticket-ledger-benchmark-\(UUID().uuidString)"
        ledger = try Ledger.open(at: directory, create: true, options: .init(durability: durability))
        pool = try PoolID("bench")
        try ledger.configurePool(pool, policy: PoolPolicy(ticketLifetime: .seconds(86_400)), secret: "s")
        try issue(count, users: users)
        Self.current = self
    }

    static func tearDown() {
        current?.close()
        current = nil
    }

    func issue(_ count: Int, users: Int = 100_000) throws {
        var made = 0
        while made < count {
            let chunk = try (0..<min(4096, count - made)).map { _ in
                IssueRequest(pool: pool, user: try UserID("user-\(Int.random(in: 0..<users))"), ip: "10.0.0.1")
            }
            for result in try ledger.issueTickets(chunk) { tickets.append(try result.get()) }
            made += chunk.count
        }
    }

    /// Takes `n` fresh tickets.
    func take(_ n: Int) -> ArraySlice<IssuedTicket> {
        lock.lock()
        defer { lock.unlock() }
        let slice = tickets[next..<min(tickets.count, next + n)]
        next += slice.count
        return slice
    }

    func close() {
        ledger.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

let benchmarks: @Sendable () -> Void = {
    let redeemMetrics: [BenchmarkMetric] = [.throughput, .wallClock, .cpuTotal, .peakMemoryResident, .contextSwitches]

    // Durable group-committed redemptions: 1,000 per iteration (throughput is per redemption).
    for workers in [1, 8, 64, 256] {
        for contention in [1, 8] where contention <= workers {
            Benchmark(
                "Redeem durable \(workers) workers contention \(contention)",
                configuration: .init(
                    metrics: redeemMetrics, scalingFactor: .kilo, maxDuration: .seconds(10), maxIterations: workers == 1 ? 3 : 20),
                closure: { benchmark, fixture in
                    let tickets = fixture.take(benchmark.scaledIterations.count / contention)
                    benchmark.startMeasurement()
                    blackHole(try? RedemptionBench.redeemConcurrently(
                        Array(tickets), pool: fixture.pool, secret: "s", ledger: fixture.ledger, workers: workers,
                        contention: contention))
                    benchmark.stopMeasurement()
                },
                setup: { try Fixture(durability: .durable, tickets: 21_000) },
                teardown: { Fixture.tearDown() }
            )
        }
    }

    // The same durable redemptions from concurrent tasks on the async API (`bench --async`).
    for tasks in [64, 1024] {
        Benchmark(
            "Redeem durable async \(tasks) tasks",
            configuration: .init(metrics: redeemMetrics, scalingFactor: .kilo, maxDuration: .seconds(10), maxIterations: 20),
            closure: { (benchmark: Benchmark, fixture: Fixture) async in
                let tickets = fixture.take(benchmark.scaledIterations.count)
                benchmark.startMeasurement()
                blackHole(try? await AsyncRedemptionBench.redeemConcurrently(
                    Array(tickets), pool: fixture.pool, secret: "s", ledger: fixture.ledger, tasks: tasks))
                benchmark.stopMeasurement()
            },
            setup: { try Fixture(durability: .durable, tickets: 21_000) },
            teardown: { Fixture.tearDown() }
        )
    }

    // Issue throughput: 4,096 tickets a batch of requests, durable.
    Benchmark(
        "Issue durable, 4096 queued at once",
        configuration: .init(metrics: [.throughput, .wallClock, .cpuTotal], scalingFactor: .kilo, maxDuration: .seconds(10), maxIterations: 20),
        closure: { benchmark, fixture in
            benchmark.startMeasurement()
            try? fixture.issue(benchmark.scaledIterations.count)
            benchmark.stopMeasurement()
        },
        setup: { try Fixture(durability: .durable, tickets: 0) },
        teardown: { Fixture.tearDown() }
    )

    // Replay: the audit of a store of 20,000 issued and 20,000 redeemed tickets (40,001 events).
    Benchmark(
        "Audit replay, 40k events",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident, .custom("events/s", polarity: .prefersLarger, useScalingFactor: false)],
            scalingFactor: .one, maxDuration: .seconds(10), maxIterations: 20),
        closure: { (benchmark: Benchmark, fixture: Fixture) in
            benchmark.startMeasurement()
            let report = try? fixture.ledger.audit()
            benchmark.stopMeasurement()
            if let report, report.seconds > 0 {
                benchmark.measurement(.custom("events/s", polarity: .prefersLarger, useScalingFactor: false), Int(Double(report.events) / report.seconds))
            }
            blackHole(report)
        },
        setup: { () throws -> Fixture in
            let fixture = try Fixture(durability: .none, tickets: 20_000)
            _ = try RedemptionBench.redeemConcurrently(
                Array(fixture.take(20_000)), pool: fixture.pool, secret: "s", ledger: fixture.ledger, workers: 8)
            return fixture
        },
        teardown: { Fixture.tearDown() }
    )

    // Allocations per redeem on the hot path: one caller, no fsync, one redemption an iteration.
    Benchmark(
        "Redeem allocations, 1 caller, durability none",
        configuration: .init(
            metrics: [.mallocCountTotal, .wallClock, .instructions], scalingFactor: .one, maxDuration: .seconds(5), maxIterations: 10_000),
        closure: { benchmark, fixture in
            let ticket = fixture.take(1)
            benchmark.startMeasurement()
            for t in ticket { blackHole(try? fixture.ledger.redeem(ticket: t.ticket.text, pool: fixture.pool, secret: "s")) }
            benchmark.stopMeasurement()
        },
        setup: { try Fixture(durability: .none, tickets: 11_000) },
        teardown: { Fixture.tearDown() }
    )
}
