import ArgumentParser
import Foundation
import TicketLedger
import TicketLedgerBench

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure durable redemptions under concurrent load, and check that each ticket is redeemed exactly once.",
        discussion: """
            Issues N tickets to users drawn at random from a population of U, then W workers \
            (each a thread blocking on the synchronous API) redeem them at once; with \
            --contention K every ticket is raced by K workers. Latency is per redeem call, \
            from the call until its durable acknowledgement. Exits 1 when exactly-once fails.

            --baseline naive runs the same workload again with one durable transaction per \
            redeem and no group commit (on at most --baseline-tickets tickets), side by side.

            --async --tasks T drives the same workload with T concurrent tasks awaiting the \
            async API (the way an async server calls the ledger) instead of worker threads; \
            the checks and figures are the same.

            Examples:
              ticket-ledger bench --tickets 20000 --workers 64 --baseline naive \\
                --baseline-tickets 1000
              ticket-ledger bench --tickets 5000 --async --tasks 1024
            """
    )

    enum Baseline: String, ExpressibleByArgument { case naive }

    @Option(help: "Run on this store (adds its own pool to it); default: a fresh temporary store, removed afterwards.")
    var dir: String?
    @Option(help: "Tickets to issue and redeem.") var tickets = 200_000
    @Option(help: "The user population tickets are issued to.") var users = 100_000
    @Option(help: "Concurrent callers, each on its own thread (default: 64).") var workers: Int?
    @Flag(name: .customLong("async"), help: "Call the async API from concurrent tasks instead of threads.") var useAsync = false
    @Option(help: "With --async: concurrent tasks, each awaiting the async API (default: 64).") var tasks: Int?
    @Option(help: "How many workers race for each ticket.") var contention = 1
    @Option(help: "durable, noMetaSync or none (unsafe).") var durability: DurabilityArgument = .durable
    @Option(help: "Also run a baseline: naive (one durable transaction per redeem).") var baseline: Baseline?
    @Option(name: .customLong("baseline-tickets"), help: "Tickets for the baseline run.") var baselineTickets = 20_000
    @Option(name: .customLong("ack-log"), help: "Append each acknowledged redemption's locator to this file.") var ackLog: String?
    @Flag(name: .customLong("no-audit"), help: "Skip the audit of the store after the run.") var noAudit = false
    @Flag(help: "Print one JSON object.") var json = false

    /// The default number of concurrent callers, threads or tasks.
    static let defaultCallers = 64

    func validate() throws {
        if tasks != nil && !useAsync {
            throw ValidationError("--tasks needs --async (without it the callers are threads: --workers)")
        }
        if useAsync && workers != nil {
            throw ValidationError("--workers counts threads; with --async give --tasks instead")
        }
        let workers = workers ?? Self.defaultCallers, tasks = tasks ?? Self.defaultCallers
        guard tickets > 0, users > 0, workers > 0, tasks > 0, contention > 0, baselineTickets > 0 else {
            throw ValidationError("--tickets, --users, --workers, --tasks, --contention and --baseline-tickets must be positive")
        }
        guard workers <= 4096 else { throw ValidationError("--workers is at most 4096") }
        guard tasks <= 65_536 else { throw ValidationError("--tasks is at most 65536") }
        guard tickets <= 100_000_000, users <= 100_000_000, baselineTickets <= 100_000_000 else {
            throw ValidationError("--tickets, --users and --baseline-tickets are at most 100000000")
        }
        guard contention <= 1024 else { throw ValidationError("--contention is at most 1024") }
        if let dir, dir.isEmpty { throw ValidationError("--dir must not be empty") }
        if let ackLog, ackLog.isEmpty { throw ValidationError("--ack-log must not be empty") }
    }

    func run() throws {
        var config = RedemptionBenchConfiguration()
        config.directory = dir
        config.tickets = tickets
        config.users = users
        config.workers = workers ?? Self.defaultCallers
        config.tasks = useAsync ? tasks ?? Self.defaultCallers : nil
        config.contention = contention
        config.durability = durability.durability
        config.naiveBaselineTickets = baseline == .naive ? baselineTickets : 0
        config.ackLog = ackLog
        config.audit = !noAudit
        if isatty(STDERR_FILENO) == 1 {
            config.progress = { line in FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8)) }
        }
        let report = try RedemptionBench.run(config)
        if config.progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let f = report.figures
        if json {
            var object: [String: JSONValue] = [:]
            if let data = try? JSONEncoder().encode(f), let dict = try? JSONDecoder().decode([String: JSONValue].self, from: data) {
                object = dict
            }
            object["durability"] = .string(durability.rawValue)
            object["driver"] = .string(config.tasks == nil ? "threads" : "async")
            object["workers"] = config.tasks == nil ? .number(Double(config.workers)) : .null
            object["tasks"] = config.tasks.map { .number(Double($0)) } ?? .null
            object["contention"] = .number(Double(contention))
            object["tickets"] = .number(Double(tickets))
            object["users"] = .number(Double(users))
            object["issued_per_s"] = .number(report.issuedPerSecond)
            object["exactly_once"] = .bool(f.exactlyOnce)
            object["audit_ok"] = report.audit.map { .bool($0.ok) } ?? .null
            object["audit_events"] = report.audit.map { .number(Double($0.events)) } ?? .null
            if let naive = report.naive {
                object["baseline_naive"] = .object([
                    "redemptions_per_s": .number(naive.redemptionsPerSecond), "p50_us": .number(naive.p50Microseconds),
                    "p99_us": .number(naive.p99Microseconds), "redeemed": .number(Double(naive.redeemed)),
                    "exactly_once": .bool(naive.exactlyOnce),
                ])
                object["speedup_vs_naive"] = .number(f.redemptionsPerSecond / naive.redemptionsPerSecond)
            }
            printJSON(object)
        } else {
            let callers = config.tasks.map { "async tasks \($0)" } ?? "workers \(config.workers)"
            print("""
                tickets \(tickets), users \(users), \(callers), contention \(contention), durability \(durability.rawValue)
                issued              \(String(format: "%.0f", report.issuedPerSecond))/s
                redeemed            \(f.redeemed)
                rejected            \(f.rejected) (alreadyConsumed; \(f.unexpectedRejections) other)
                double redemptions  \(f.doubleRedemptions)
                unredeemed          \(f.unredeemed)
                redemptions/s       \(String(format: "%.0f", f.redemptionsPerSecond))
                calls/s             \(String(format: "%.0f", f.callsPerSecond))
                latency µs          p50 \(String(format: "%.0f", f.p50Microseconds))  p90 \(String(format: "%.0f", f.p90Microseconds))  p99 \(String(format: "%.0f", f.p99Microseconds))  max \(String(format: "%.0f", f.maxMicroseconds))
                batches             \(f.batches), mean \(String(format: "%.1f", f.meanBatch)) per batch
                exactly once        \(f.exactlyOnce ? "yes" : "NO")
                audit               \(report.audit.map { $0.ok ? "ok (\($0.events) events replayed)" : "FAILED: \($0.findings.count) findings" } ?? "skipped")
                """)
            if let naive = report.naive {
                print("""
                    naive baseline      \(String(format: "%.0f", naive.redemptionsPerSecond)) redemptions/s on \(naive.redeemed) tickets, p99 \(String(format: "%.0f", naive.p99Microseconds)) µs
                    speedup             \(String(format: "%.1f", f.redemptionsPerSecond / naive.redemptionsPerSecond))×
                    """)
            }
        }
        if !f.exactlyOnce || report.naive.map({ !$0.exactlyOnce }) == true || report.audit.map({ !$0.ok }) == true {
            if let audit = report.audit, !audit.ok {
                for finding in audit.findings.prefix(20) { FileHandle.standardError.write(Data("audit: \(finding)\n".utf8)) }
            }
            throw ExitCode(1)
        }
    }
}

/// A JSON value, for output objects assembled from parts.
enum JSONValue: Codable {
    case string(String), number(Double), bool(Bool), object([String: JSONValue]), null

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let n): try c.encode(n)
        case .bool(let b): try c.encode(b)
        case .object(let o): try c.encode(o)
        case .null: try c.encodeNil()
        }
    }
}
