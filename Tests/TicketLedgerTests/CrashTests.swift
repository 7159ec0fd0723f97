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

    @Test("≥ 50 SIGKILLs of bench on one store, reopened or held open: audit passes, every ack is consumed, no double use, replays refused")
    func killLoop() throws {
        let environment = ProcessInfo.processInfo.environment
        let soakSeconds = environment["TICKET_LEDGER_SOAK_SECONDS"].flatMap(Double.init)
        let seed = testSeed(0x00C0_FFEE_5EED)
        var rng = SplitMix64(seed: seed)
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

        var kills = 0, completedRuns = 0, iterations = 0
        let deadline = soakSeconds.map { Date().addingTimeInterval($0) }
        let loopStart = Date()
        while iterations < 1_000 {
            if kills >= Self.minimumKills && (deadline.map { Date() > $0 } ?? true) { break }
            iterations += 1

            // Every other run, this process keeps the store open across the kill, so the lock
            // table is not re-initialized: the next write must recover the writer mutex the
            // killed process may hold, and its reader slots must be cleared. Otherwise the store
            // is opened afresh after the kill.
            let held: Ledger? = iterations % 2 == 0 ? try Ledger.open(at: dir) : nil
            let child = try Child(Self.benchArguments(dir: dir, ackLog: ackLog))
            let delay = Double.random(in: 0.01...max(0.05, runSeconds * 0.9), using: &rng)
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
            if audit.status != 0 {
                held?.close()
                break
            }

            // 2. Reopen: every acknowledged redemption is consumed; ours replayed are refused.
            if let held { _ = try held.lmdb.environment.clearStaleReaders() }
            let ledger = try held ?? Ledger.open(at: dir)
            for locator in Self.acknowledged(ackLog) {
                let state = try ledger.ticketState(locator)
                #expect(state?.status == .consumed, "acknowledged \(locator) is \(String(describing: state?.status)); \(context)")
            }
            for ticket in lastRound {
                let outcome = try ledger.redeem(ticket: ticket, pool: pool, secret: secret)
                #expect(outcome.rejection?.reason == .alreadyConsumed, "replayed ticket after kill \(kills): \(outcome); \(context)")
            }
            for ticket in mine {
                let locator = try #require(try ledger.locator(ofTicket: ticket))
                #expect(try ledger.ticketState(locator)?.status == .consumed)
            }
            // The users overlay, replayed from the log tail on open, counts every login of ours.
            #expect(try ledger.userDocument(pool: pool, user: me)?.loginsCount ?? 0 == UInt64(mine.count), "\(context)")
            let fresh = try (0..<2).map { _ in
                try ledger.issueTicket(IssueRequest(pool: pool, user: me, ip: "10.9.8.7")).ticket.text
            }
            ledger.close()

            // 3. Redeem the fresh ones through the CLI: acknowledged once it exits 0.
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
              + "\(String(format: "%.1f", loopSeconds)) s, \(context)")
    }

    /// Starts `export` (in one process) on `dir` with its output into a pipe nobody reads, and
    /// returns once it is blocked writing inside its read transaction (the pipe is full).
    static func readerBlockedInTransaction(_ dir: String) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["export", dir]
        process.environment = ProcessInfo.processInfo.environment.merging(["TICKET_LEDGER_ISOLATED": "1"]) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let fd = pipe.fileHandleForReading.fileDescriptor
        for _ in 0..<6_000 {  // at most a minute
            var available: Int32 = 0
            _ = ioctl(fd, UInt(FIONREAD), &available)
            if available >= 65_536 || !process.isRunning { break }
            usleep(10_000)
        }
        return (process, pipe)
    }

    /// Kills (SIGKILL) a reader of `dir` while it is inside its read transaction, leaving its
    /// reader slot behind; `holder`, when given, must still be running too.
    static func killReaderInsideTransaction(_ dir: String, beside holder: Process? = nil) throws {
        let (victim, victimPipe) = try readerBlockedInTransaction(dir)
        try #require(victim.isRunning && holder?.isRunning != false, "export finished before its output filled the pipe")
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        try victimPipe.fileHandleForReading.close()
    }

    @Test("reader slots of a process killed inside a read transaction are cleared when the store is opened")
    func staleReaders() throws {
        // With no process left holding the store, the first to open it re-initializes the
        // lock table; stale slots matter while another process keeps it open (a server).
        let store = try TempStore()
        _ = try store.ledger.seed(pool: .test("readers"), tickets: 6_000)

        // Killed inside its transaction, a reader leaves its slot behind while this process
        // holds the store open …
        try Self.killReaderInsideTransaction(store.path)
        #expect(try store.ledger.lmdb.environment.clearStaleReaders() == 1, "the killed reader's slot was in use")
        store.ledger.close()

        // … and Ledger.open clears such slots, here while another reader holds the store.
        let (holder, holderPipe) = try Self.readerBlockedInTransaction(store.path)
        defer {
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
            try? holderPipe.fileHandleForReading.close()
        }
        try Self.killReaderInsideTransaction(store.path, beside: holder)
        let ledger = try Ledger.open(at: store.path)
        #expect(try ledger.lmdb.environment.clearStaleReaders() == 0, "Ledger.open left no stale slot")
        #expect(try ledger.head().sequence == 6_001)
        ledger.close()

        // … and so does a read-only open (audit, export, inspect, backup).
        try Self.killReaderInsideTransaction(store.path, beside: holder)
        let reader = try LedgerReader.open(at: store.path)
        defer { reader.close() }
        #expect(try reader.store.environment.clearStaleReaders() == 0, "LedgerReader.open left no stale slot")
    }
}
