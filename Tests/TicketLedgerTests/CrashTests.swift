import Foundation
import LMDB
import Testing
@testable import TicketLedger

/// kill -9 at random moments: `ticket-ledger bench` runs on one store and is SIGKILLed again
/// and again; after every kill the store must audit clean, hold every acknowledged
/// redemption, and refuse a second redemption of an acknowledged ticket.
///
/// About a minute in CI (at least 50 kills). TICKET_LEDGER_SOAK_SECONDS=N keeps killing for
/// N seconds; TICKET_LEDGER_SEED repeats a run's kill moments.
@Suite("Crash safety", .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: CLI.executable.path),
                                              "build the CLI first: swift build --build-tests"))
struct CrashTests {
    static let minimumKills = 50
    static let benchTickets = 200

    /// The locators of complete lines in the ack log (a kill may cut the last line short).
    static func acknowledged(_ path: String) -> [TicketLocator] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // after the last newline: empty, or a line cut short
        return lines.compactMap { TicketLocator(String($0)) }
    }

    static func benchArguments(dir: String, ackLog: String) -> [String] {
        ["bench", "--dir", dir, "--ack-log", ackLog, "--tickets", "\(benchTickets)", "--users", "20", "--workers", "4", "--json"]
    }

    @Test("≥ 50 SIGKILLs of bench on one store: audit passes, every ack is consumed, no double use, replays refused")
    func killLoop() throws {
        let environment = ProcessInfo.processInfo.environment
        let soakSeconds = environment["TICKET_LEDGER_SOAK_SECONDS"].flatMap(Double.init)
        let seed = testSeed(0x00C0_FFEE_5EED)
        var rng = SeededGenerator(seed: seed)
        let root = NSTemporaryDirectory() + "ticket-ledger-crash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/store", ackLog = root + "/acks.txt"
        let context = "seed \(seed) (repeat with TICKET_LEDGER_SEED=\(seed))"

        // A whole run first: it creates the store, and shows how long a run takes.
        let started = Date()
        let first = try Child.run(Self.benchArguments(dir: dir, ackLog: ackLog), timeout: 300)
        let runSeconds = Date().timeIntervalSince(started)
        try #require(first.status == 0 && !first.signaled, "the first bench run failed: \(first)")
        #expect(Self.acknowledged(ackLog).count == Self.benchTickets)

        // A second whole run on the existing store adds its own pool and tickets.
        let second = try Child.run(Self.benchArguments(dir: dir, ackLog: ackLog), timeout: 300)
        try #require(second.status == 0 && !second.signaled, "bench on an existing store failed: \(second)")
        #expect(Self.acknowledged(ackLog).count == 2 * Self.benchTickets)
        do {
            let reader = try LedgerReader.open(at: dir)
            defer { reader.close() }
            let stats = try reader.statistics()
            #expect(stats.pools == 2, "each bench run configures a pool of its own")
            #expect(stats.ticketsConsumed == 2 * Self.benchTickets)
        }

        // The test's own tickets, redeemed through the CLI between kills and replayed after the next.
        let pool = PoolID.test("crash-test")
        let me = UserID.test("me")
        do {
            let ledger = try Ledger.open(at: dir)
            defer { ledger.close() }
            try ledger.configurePool(pool, policy: PoolPolicy(ticketLifetime: .seconds(86_400)), secret: secret)
        }
        var mine: [String] = []        // every ticket of ours the CLI redeemed (acknowledged)
        var lastRound: [String] = []   // those of the last round, replayed after the next kill

        var kills = 0, completedRuns = 0, staleReadersCleared = 0, iterations = 0
        let deadline = soakSeconds.map { Date().addingTimeInterval($0) }
        let loopStart = Date()
        while iterations < 1_000 {
            if kills >= Self.minimumKills && (deadline.map { Date() > $0 } ?? true) { break }
            iterations += 1

            let child = try Child(Self.benchArguments(dir: dir, ackLog: ackLog))
            let delay = Double.random(in: 0.01...max(0.05, runSeconds * 1.1), using: &rng)
            usleep(UInt32(delay * 1_000_000))
            if child.process.isRunning {
                kill(child.process.processIdentifier, SIGKILL)
            }
            let result = child.wait(timeout: 300)
            if result.signaled {
                kills += 1
            } else {
                completedRuns += 1
                #expect(result.status == 0, "a bench run that was not killed failed: \(result); \(context)")
            }

            // 1. The audit passes: chain, single use, projections.
            let audit = try Child.run(["audit", dir], timeout: 120)
            #expect(audit.status == 0 && !audit.signaled && !audit.timedOut,
                    "audit after kill \(kills) (\(String(format: "%.3f", delay)) s): \(audit.stdout.prefix(2000)) \(audit)")
            if audit.status != 0 { break }

            // 2. Reader slots left by the killed process are cleared on open.
            do {
                var options = EnvironmentOptions()
                options.mapSize = 0
                let env = try Environment(path: dir, options: options)
                staleReadersCleared += try env.clearStaleReaders()
                env.close()
            }

            // 3. Reopen: every acknowledged redemption is consumed; ours replayed are refused.
            let ledger = try Ledger.open(at: dir)
            for locator in Self.acknowledged(ackLog) {
                let state = try ledger.ticketState(locator)
                #expect(state?.status == .consumed, "acknowledged \(locator) is \(String(describing: state?.status)); \(context)")
            }
            for ticket in lastRound {
                let outcome = try ledger.redeem(ticket: ticket, pool: pool, secret: secret)
                #expect(outcome.rejection?.reason == .alreadyConsumed, "replayed ticket after kill \(kills): \(outcome); \(context)")
            }
            for ticket in mine {
                let locator = try #require(Ticket(ticket)).locator
                #expect(try ledger.ticketState(locator)?.status == .consumed)
            }
            // The users overlay, replayed from the log tail on open, counts every login of ours.
            #expect(try ledger.userDocument(pool: pool, user: me)?.loginsCount ?? 0 == UInt64(mine.count), "\(context)")
            let fresh = try (0..<2).map { _ in
                try ledger.issueTicket(IssueRequest(pool: pool, user: me, ip: "10.9.8.7")).ticket.text
            }
            ledger.close()

            // 4. Redeem the fresh ones through the CLI: acknowledged once it exits 0.
            let redeem = try Child.run(
                ["redeem", dir, "--pool", pool.rawValue, "--tickets-from", "-"], timeout: 120,
                environment: ["TICKET_LEDGER_SECRET": secret], stdin: fresh.joined(separator: "\n"))
            #expect(redeem.status == 0, "CLI redeem: \(redeem)")
            if redeem.status == 0 {
                mine += fresh
                lastRound = fresh
            } else {
                lastRound = []
            }
        }
        let loopSeconds = Date().timeIntervalSince(loopStart)
        #expect(kills >= Self.minimumKills, "only \(kills) kills in \(iterations) runs; \(context)")
        #expect(Self.acknowledged(ackLog).count > 2 * Self.benchTickets, "killed runs acknowledged redemptions too")
        // What the run did, for the log (not asserted: it depends on timing).
        print("crash test: \(kills) kills, \(completedRuns) whole runs, \(Self.acknowledged(ackLog).count) acks, "
              + "\(staleReadersCleared) stale reader slots cleared, \(String(format: "%.1f", loopSeconds)) s, \(context)")
    }
}
