import Foundation
import Logging
import Synchronization
public import TicketLedger

/// What `ticket-ledger bench` runs: N tickets issued to users drawn from a population, then
/// redeemed at once by W blocking callers, each on its own thread (the way a threaded
/// server calls the synchronous API); with contention K every ticket is raced by K callers.
public struct RedemptionBenchConfiguration: Sendable {
    /// The store to run on; `nil` makes a fresh one in a temporary directory and removes it.
    public var directory: String?
    /// Tickets to issue and redeem.
    public var tickets: Int = 200_000
    /// The user population tickets are drawn from (at random).
    public var users: Int = 100_000
    /// Concurrent callers, each on its own thread.
    public var workers: Int = 64
    /// With a value, this many concurrent tasks on the async API (`Ledger.redeem(…) async`)
    /// make the calls instead of `workers` threads (``AsyncRedemptionBench``); `nil`: threads.
    public var tasks: Int?
    /// How many callers race for each ticket.
    public var contention: Int = 1
    /// The store's durability.
    public var durability: Ledger.Durability = .durable
    /// Also run the naive baseline (one durable transaction per redeem) on up to this many
    /// tickets, side by side; 0 skips it.
    public var naiveBaselineTickets: Int = 0
    /// A file to append each acknowledged redemption's locator to, right after the acknowledgement.
    public var ackLog: String?
    /// Audit the store after the run (replays the whole log).
    public var audit = true
    /// Called about twice a second with a progress line (for a terminal), or `nil`.
    public var progress: (@Sendable (String) -> Void)?

    /// The defaults: 200,000 tickets, 100,000 users, 64 workers, contention 1, durable.
    public init() {}
}

/// One phase's figures: throughput and the latency of each redeem call, from the call until
/// its durable acknowledgement.
public struct RedemptionFigures: Sendable, Codable {
    public var redeemed: Int
    public var rejected: Int
    public var doubleRedemptions: Int
    public var unredeemed: Int
    public var unexpectedRejections: Int
    public var seconds: Double
    public var redemptionsPerSecond: Double
    public var callsPerSecond: Double
    public var p50Microseconds: Double
    public var p90Microseconds: Double
    public var p99Microseconds: Double
    public var maxMicroseconds: Double
    public var batches: Int
    public var meanBatch: Double

    /// Whether every ticket was redeemed exactly once and every other call was `alreadyConsumed`.
    public var exactlyOnce: Bool { doubleRedemptions == 0 && unredeemed == 0 && unexpectedRejections == 0 }

    enum CodingKeys: String, CodingKey {
        case redeemed, rejected, seconds, unredeemed, batches
        case doubleRedemptions = "double_redemptions"
        case unexpectedRejections = "unexpected_rejections"
        case redemptionsPerSecond = "redemptions_per_s"
        case callsPerSecond = "calls_per_s"
        case p50Microseconds = "p50_us"
        case p90Microseconds = "p90_us"
        case p99Microseconds = "p99_us"
        case maxMicroseconds = "max_us"
        case meanBatch = "mean_batch"
    }
}

/// Everything a bench run measured.
public struct RedemptionBenchReport: Sendable {
    public var configuration: RedemptionBenchConfiguration
    /// The group-committed run.
    public var figures: RedemptionFigures
    /// Tickets issued per second while setting up.
    public var issuedPerSecond: Double
    /// The naive baseline, when asked for.
    public var naive: RedemptionFigures?
    /// The audit of the store after the run, when asked for.
    public var audit: AuditReport?
    /// The store the run used (removed afterwards when it was a temporary one).
    public var directory: String
}

/// Errors of the bench itself (the store's own are ``LedgerError``s).
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
}

/// Runs the redemption benchmark.
public enum RedemptionBench {
    /// Runs `configuration` and returns what it measured. Exactly-once is checked, not assumed:
    /// see ``RedemptionFigures/exactlyOnce``.
    public static func run(_ configuration: RedemptionBenchConfiguration) throws -> RedemptionBenchReport {
        guard configuration.tickets > 0, configuration.users > 0, configuration.workers > 0, configuration.contention > 0,
            configuration.tasks.map({ $0 > 0 }) ?? true
        else {
            throw BenchError(description: "tickets, users, workers, tasks and contention must all be positive")
        }
        let temporary = configuration.directory == nil
        let directory = configuration.directory ?? (NSTemporaryDirectory() + "ticket-ledger-bench-\(UUID().uuidString)")
        defer { if temporary { try? FileManager.default.removeItem(atPath: directory) } }

        let ackLog = try configuration.ackLog.map { try AckLog(path: $0) }
        let pool = try PoolID("bench-\(UUID().uuidString.prefix(8).lowercased())")
        let secret = "bench-secret"

        var figures: RedemptionFigures
        var issuedPerSecond: Double
        do {
            let ledger = try Ledger.open(
                try StoreLocation(parsing: directory, environment: ProcessInfo.processInfo.environment), create: true,
                options: Ledger.Options(durability: configuration.durability), logger: Logger(label: "ticket-ledger-bench"))
            defer { ledger.close() }
            try ledger.configurePool(pool, policy: PoolPolicy(ticketLifetime: .seconds(86_400)), secret: secret)
            let issueStart = monotonicSeconds()
            let tickets = try issue(configuration.tickets, users: configuration.users, pool: pool, ledger: ledger, progress: configuration.progress)
            issuedPerSecond = Double(tickets.count) / (monotonicSeconds() - issueStart)
            figures = try redeemPhase(tickets, pool: pool, secret: secret, ledger: ledger, configuration, ackLog: ackLog)
        }

        var naive: RedemptionFigures?
        if configuration.naiveBaselineTickets > 0 {
            let ledger = try Ledger.open(
                try StoreLocation(parsing: directory, environment: ProcessInfo.processInfo.environment),
                options: Ledger.Options(durability: configuration.durability, groupCommit: false),
                logger: Logger(label: "ticket-ledger-bench"))
            defer { ledger.close() }
            let count = min(configuration.naiveBaselineTickets, configuration.tickets)
            let tickets = try issue(count, users: configuration.users, pool: pool, ledger: ledger, progress: configuration.progress)
            naive = try redeemPhase(tickets, pool: pool, secret: secret, ledger: ledger, configuration, ackLog: ackLog)
        }
        var audit: AuditReport?
        if configuration.audit && !PostgresLocation.isURL(directory) {
            configuration.progress?("auditing the store")
            let reader = try LedgerReader.open(at: directory)
            defer { reader.close() }
            audit = try reader.audit()
        }
        return RedemptionBenchReport(
            configuration: configuration, figures: figures, issuedPerSecond: issuedPerSecond, naive: naive, audit: audit,
            directory: directory)
    }

    /// One redemption phase, by the driver the configuration names: tasks on the async API, or threads.
    static func redeemPhase(
        _ tickets: [IssuedTicket], pool: PoolID, secret: String, ledger: Ledger, _ configuration: RedemptionBenchConfiguration,
        ackLog: AckLog?
    ) throws -> RedemptionFigures {
        if let tasks = configuration.tasks {
            return try AsyncRedemptionBench.redeem(
                tickets, pool: pool, secret: secret, ledger: ledger, tasks: tasks, contention: configuration.contention,
                ackLog: ackLog, progress: configuration.progress)
        }
        return try redeem(
            tickets, pool: pool, secret: secret, ledger: ledger, workers: configuration.workers,
            contention: configuration.contention, ackLog: ackLog, progress: configuration.progress)
    }

    /// Issues `count` tickets to users drawn at random, in chunks that share batches.
    static func issue(
        _ count: Int, users: Int, pool: PoolID, ledger: Ledger, progress: (@Sendable (String) -> Void)?
    ) throws -> [IssuedTicket] {
        var rng = SystemRandomNumberGenerator()
        var tickets: [IssuedTicket] = []
        tickets.reserveCapacity(count)
        var lastReport = monotonicSeconds()
        while tickets.count < count {
            let chunk = try (0..<min(4096, count - tickets.count)).map { _ in
                let user = try UserID("user-\(Int.random(in: 0..<users, using: &rng))")
                return IssueRequest(pool: pool, user: user, profile: UserProfile(nickname: "bench"), ip: "10.1.2.3")
            }
            for result in try ledger.issueTickets(chunk) { tickets.append(try result.get()) }
            if let progress, monotonicSeconds() - lastReport > 0.5 {
                lastReport = monotonicSeconds()
                progress("issued \(tickets.count)/\(count)")
            }
        }
        return tickets
    }

    /// `workers` threads, each blocking on the synchronous API, redeem `tickets`, each ticket
    /// raced by `contention` of them; returns the figures, with exactly-once checked.
    public static func redeemConcurrently(
        _ tickets: [IssuedTicket], pool: PoolID, secret: String, ledger: Ledger, workers: Int, contention: Int = 1
    ) throws -> RedemptionFigures {
        try redeem(tickets, pool: pool, secret: secret, ledger: ledger, workers: workers, contention: contention, ackLog: nil, progress: nil)
    }

    /// W threads redeem `tickets`, each ticket by `contention` of them, and check exactly-once.
    static func redeem(
        _ tickets: [IssuedTicket], pool: PoolID, secret: String, ledger: Ledger, workers: Int, contention: Int,
        ackLog: AckLog?, progress: (@Sendable (String) -> Void)?
    ) throws -> RedemptionFigures {
        let texts = tickets.map(\.ticket.text)
        let locators = tickets.map(\.ticket.locator.description)
        let calls = texts.count * contention
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let results = WorkerResults(workers: workers, capacity: calls / workers + 1)
        let failures = Mutex<[String]>([])
        let statsBefore = ledger.writeStatistics
        let group = DispatchGroup()
        let start = monotonicSeconds()
        for w in 0..<workers {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while true {
                    // Call i goes to ticket i / contention: K neighbouring calls, on K threads, race one ticket.
                    let i = next.add(1, ordering: .relaxed).oldValue
                    guard i < calls else { return }
                    let t = i / contention
                    let begin = DispatchTime.now().uptimeNanoseconds
                    do {
                        let outcome = try ledger.redeem(ticket: texts[t], pool: pool, secret: secret)
                        let elapsed = DispatchTime.now().uptimeNanoseconds - begin
                        if outcome.document != nil { ackLog?.append(locators[t]) }
                        results.record(worker: w, ticket: t, reason: outcome.rejection?.reason, nanoseconds: elapsed)
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                    done.add(1, ordering: .relaxed)
                }
            }
            thread.stackSize = 256 * 1024
            thread.start()
        }
        if let progress {
            while group.wait(timeout: .now() + 0.5) == .timedOut {
                let n = done.load(ordering: .relaxed)
                let rate = Double(n) / (monotonicSeconds() - start)
                let left = rate > 0 ? Double(calls - n) / rate : 0
                progress(String(format: "redeem calls %d/%d, %.0f/s, %.0f s left", n, calls, rate, left))
            }
        } else {
            group.wait()
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
}

/// Per-caller outcome and latency buffers (a caller is a worker thread or a task), merged
/// once the callers are done.
final class WorkerResults: @unchecked Sendable {
    // @unchecked Sendable: caller w writes only slot w, and the merge runs after every
    // caller has finished (ordered by the DispatchGroup wait for threads, by the task
    // group's end for tasks).
    private var latencies: [[UInt64]]
    private var outcomes: [[(ticket: Int, reason: RejectionReason?)]]

    init(workers: Int, capacity: Int) {
        latencies = (0..<workers).map { _ in
            var a: [UInt64] = []
            a.reserveCapacity(capacity)
            return a
        }
        outcomes = (0..<workers).map { _ in
            var a: [(ticket: Int, reason: RejectionReason?)] = []
            a.reserveCapacity(capacity)
            return a
        }
    }

    func record(worker: Int, ticket: Int, reason: RejectionReason?, nanoseconds: UInt64) {
        latencies[worker].append(nanoseconds)
        outcomes[worker].append((ticket, reason))
    }

    func figures(tickets: Int, seconds: Double, batches: Int, commands: Int) -> RedemptionFigures {
        var wins = [Int](repeating: 0, count: tickets)
        var rejected = 0, unexpected = 0
        for list in outcomes {
            for (ticket, reason) in list {
                switch reason {
                case nil: wins[ticket] += 1
                case .alreadyConsumed?: rejected += 1
                case _?:
                    rejected += 1
                    unexpected += 1
                }
            }
        }
        let redeemed = wins.reduce(0, +)
        var all = latencies.flatMap { $0 }
        all.sort()
        func percentile(_ p: Double) -> Double {
            guard !all.isEmpty else { return 0 }
            return Double(all[min(all.count - 1, Int((Double(all.count) * p).rounded(.up)) - 1)]) / 1000
        }
        return RedemptionFigures(
            redeemed: redeemed, rejected: rejected, doubleRedemptions: wins.filter { $0 > 1 }.count,
            unredeemed: wins.filter { $0 == 0 }.count, unexpectedRejections: unexpected, seconds: seconds,
            redemptionsPerSecond: Double(redeemed) / seconds, callsPerSecond: Double(all.count) / seconds,
            p50Microseconds: percentile(0.50), p90Microseconds: percentile(0.90), p99Microseconds: percentile(0.99),
            maxMicroseconds: Double(all.last ?? 0) / 1000, batches: batches,
            meanBatch: batches == 0 ? 0 : Double(commands) / Double(batches))
    }
}

/// Appends one line per acknowledged redemption, each with its own `write(2)` so that a
/// line is on its way to the file before the next call, and a kill loses at most the
/// acknowledgements not yet written.
final class AckLog: Sendable {
    private let fd: Int32

    init(path: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError(description: "cannot open the ack log '\(path)': \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    func append(_ locator: String) {
        var line = locator + "\n"
        line.withUTF8 { bytes in _ = write(fd, bytes.baseAddress, bytes.count) }
    }
}

func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
