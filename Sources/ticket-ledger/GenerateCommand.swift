import ArgumentParser
import Foundation
import Logging
@_spi(Benchmark) import TicketLedger

/// Hidden: fills a store with a synthetic workload, to measure `audit` on big logs.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Append a synthetic login workload (benchmarks only; not durable).",
        shouldDisplay: false
    )

    @Argument(help: "The store's directory (created when missing), or a postgres:// URL.") var dir: String
    @Option(help: "Stop once the log holds this many events (at least one per pool).") var events: UInt64 = 1_000_000
    @Option(help: "Distinct users.") var users: Int = 100_000
    @Option(help: "Pools.") var pools: Int = 4
    @Option(help: "Seconds the clock moves per batch of about 20,000 commands.") var secondsPerBatch: Int64 = 5

    func validate() throws {
        guard events >= 1, (1...100_000_000).contains(users), (1...1_000).contains(pools), (0...86_400).contains(secondsPerBatch) else {
            throw ValidationError("--events ≥ 1, --users 1…100000000, --pools 1…1000, --seconds-per-batch 0…86400")
        }
    }

    func run() throws {
        let clock = ManualClock(Timestamp(millisecondsSince1970: 1_795_305_600_000))
        let ledger = try Ledger.open(
            try StoreLocation(parsing: dir, environment: ProcessInfo.processInfo.environment), create: true, options: .init(durability: .none, groupCommit: false), clock: clock,
            logger: Logger(label: "ticket-ledger"))
        defer { ledger.close() }
        try ledger.appendSyntheticLoad(events: events, pools: pools, users: users, secondsPerBatch: secondsPerBatch, clock: clock)
        print(try ledger.head())
    }
}
