import Foundation
import Testing
@testable import TicketLedger

/// `ticket-ledger bench --async --tasks T`: the async driver makes the same calls as the
/// threaded one and is held to the same checks. The store and the ack log are read here as
/// well, so a driver that redeemed a ticket twice, dropped one or miscounted its own
/// outcomes fails even if its own report said exactly once.
@Suite("bench --async")
struct AsyncBenchTests {
    func json(_ text: String) throws -> [String: Any] {
        let line = try #require(text.split(separator: "\n").last.map(String.init), "no output")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("64 tasks, 2,000 tickets (and 500 raced by 4 tasks each): exactly once, audit clean, every ticket consumed once in the store",
          arguments: [(tickets: 2_000, contention: 1), (tickets: 500, contention: 4)])
    func exactlyOnce(tickets: Int, contention: Int) throws {
        let root = NSTemporaryDirectory() + "ticket-ledger-async-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/store", ackLog = root + "/acks.txt"
        let r = try Child.run(
            ["bench", "--async", "--tasks", "64", "--tickets", "\(tickets)", "--contention", "\(contention)", "--users", "500",
             "--durability", "none", "--dir", dir, "--ack-log", ackLog, "--json"],
            timeout: 300)
        try #require(r.status == 0 && !r.signaled && !r.timedOut, "bench --async failed: \(r)")
        let o = try json(r.stdout)
        #expect(o["driver"] as? String == "async")
        #expect(o["tasks"] as? Int == 64)
        #expect(o["exactly_once"] as? Bool == true)
        #expect(o["audit_ok"] as? Bool == true)
        #expect(o["redeemed"] as? Int == tickets)
        #expect(o["double_redemptions"] as? Int == 0)
        #expect(o["unredeemed"] as? Int == 0)
        #expect(o["unexpected_rejections"] as? Int == 0)
        #expect(o["rejected"] as? Int == tickets * (contention - 1), "every losing racer hears alreadyConsumed")
        #expect((o["batches"] as? Int ?? 0) > 0 && (o["p99_us"] as? Double ?? 0) > 0)

        // Independently of the driver's own counts: the ack log and the store.
        let acks = CrashTests.acknowledged(ackLog)
        #expect(acks.count == tickets, "one acknowledgement per ticket")
        #expect(Set(acks).count == tickets, "no ticket acknowledged twice")
        let reader = try LedgerReader.open(at: dir)
        defer { reader.close() }
        let stats = try reader.statistics()
        #expect(stats.ticketsConsumed == tickets)
    }

    @Test("--tasks without --async, and --workers with --async, are usage errors that say why")
    func usage() throws {
        let cases: [(arguments: [String], hint: String)] = [
            (["bench", "--tasks", "64"], "--async"),
            (["bench", "--async", "--workers", "8"], "--tasks"),
            (["bench", "--async", "--tasks", "0"], "positive"),
            (["bench", "--async", "--tasks", "100000"], "--tasks"),
        ]
        for (arguments, hint) in cases {
            let r = try Child.run(arguments, timeout: 60)
            #expect(r.status == 2 && !r.signaled, "\(arguments): \(r)")
            #expect(r.stderr.contains(hint), "\(arguments) should name \(hint): \(r.stderr.prefix(300))")
        }
    }
}
