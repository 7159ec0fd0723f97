import Foundation
import Synchronization
import Testing
@testable import TicketLedger

@Suite("Group commit")
struct GroupCommitTests {
    let pool = PoolID.test("pool-g")

    @Test("async callers: 400 tasks race for 100 tickets; exactly one success each")
    func asyncSingleUse() async throws {
        let store = try TempStore()
        let tickets = try store.ledger.seed(pool: pool, tickets: 100).map(\.ticket.text)
        let ledger = store.ledger
        let pool = self.pool
        let outcomes = try await withThrowingTaskGroup(of: (String, RejectionReason?).self) { group in
            for round in 0..<4 {
                for ticket in tickets {
                    group.addTask {
                        _ = round
                        let outcome = try await ledger.redeem(ticket: ticket, pool: pool, secret: secret)
                        return (ticket, outcome.rejection?.reason)
                    }
                }
            }
            var all: [String: [RejectionReason?]] = [:]
            for try await (ticket, reason) in group { all[ticket, default: []].append(reason) }
            return all
        }
        #expect(outcomes.count == 100)
        for (_, reasons) in outcomes {
            #expect(reasons.filter { $0 == nil }.count == 1)
            #expect(reasons.filter { $0 == .alreadyConsumed }.count == 3)
        }
        let issued = try await ledger.issueTicket(IssueRequest(pool: pool, user: .test("async")))
        #expect(try await ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret).document?.id == "async")
    }

    @Test("concurrent callers share durable commits: fewer batches than commands")
    func batchesForm() throws {
        let store = try TempStore(durability: .durable)
        let tickets = try store.ledger.seed(pool: pool, tickets: 640).map(\.ticket.text)
        let before = store.ledger.writeStatistics
        let ledger = store.ledger
        let pool = self.pool
        let group = DispatchGroup()
        for worker in 0..<32 {
            group.enter()
            Thread {
                defer { group.leave() }
                for i in stride(from: worker, to: tickets.count, by: 32) {
                    _ = try? ledger.redeem(ticket: tickets[i], pool: pool, secret: secret)
                }
            }.start()
        }
        group.wait()
        let after = store.ledger.writeStatistics
        #expect(after.commands - before.commands == 640)
        #expect(after.batches - before.batches < 640, "32 blocked callers must share commits")
        let logins = try (0..<10).map { try ledger.userDocument(pool: pool, user: .test("u\($0)"))?.loginsCount ?? 0 }
        #expect(logins.reduce(0, +) == 640)
    }

    @Test("a failed batch fails every caller in it and applies none of it")
    func failedBatch() throws {
        let failNext = Atomic<Bool>(false)
        let root = NSTemporaryDirectory() + "ticket-ledger-fault-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = Ledger.Options(durability: .none)
        options.faultInjector = {
            if failNext.exchange(false, ordering: .relaxed) {
                throw LedgerError.storage(path: root, operation: "test", message: "injected failure")
            }
        }
        let ledger = try Ledger.open(at: root, create: true, options: options)
        defer { ledger.close() }
        let tickets = try ledger.seed(pool: pool, tickets: 200)
        let head = try ledger.head()

        failNext.store(true, ordering: .relaxed)
        let requests = (0..<50).map { IssueRequest(pool: pool, user: .test("f\($0)")) }
        let results = try ledger.issueTickets(requests)
        let failed = results.filter { if case .failure = $0 { true } else { false } }.count
        #expect(failed >= 1, "the injected failure reaches the callers of its batch")
        for result in results {
            if case .failure(let error) = result {
                #expect(error == .storage(path: root, operation: "test", message: "injected failure"))
            }
        }
        // Nothing of the failed batch reached the log: the head moved by the successes only.
        #expect(try ledger.head().sequence == head.sequence + UInt64(results.count - failed))
        // And the store still works, with every earlier ticket intact.
        #expect(try ledger.redeem(ticket: tickets[0].ticket.text, pool: pool, secret: secret).document != nil)
    }

    @Test("the users projection: checkpoints and replays from the log tail agree with every redemption",
          arguments: [2, 262_144])
    func usersCheckpoint(cachedUsers: Int) throws {
        let root = NSTemporaryDirectory() + "ticket-ledger-users-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = Ledger.Options(durability: .none)
        // 8 users: with a cache of 2 the overlay starts over after each checkpoint; with the
        // default it keeps every user, clean, and must still write each one changed since.
        options.checkpoint = CheckpointPolicy(users: 3, events: 7, cachedUsers: cachedUsers)
        var expected: [String: UInt64] = [:]
        var rng = SplitMix64(seed: 42)
        for round in 0..<3 {
            let ledger = try Ledger.open(at: root, create: true, options: options)
            if round == 0 { try ledger.configurePool(pool, secret: secret) }
            for _ in 0..<60 {
                let user = "u\(Int.random(in: 0..<8, using: &rng))"
                let issued = try ledger.issueTicket(IssueRequest(pool: pool, user: .test(user), ip: "10.0.0.\(round)"))
                if Bool.random(using: &rng) {
                    _ = try ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret)
                    expected[user, default: 0] += 1
                }
            }
            for (user, count) in expected {
                #expect(try ledger.userDocument(pool: pool, user: .test(user))?.loginsCount == count, "round \(round), \(user)")
            }
            if round < 2 {
                ledger.close()
            } else {
                // Leave without the closing checkpoint, as a crash would: the next open replays the tail.
                ledger.close(checkpointing: false)
            }
        }
        let reopened = try Ledger.open(at: root, options: options)
        defer { reopened.close() }
        for (user, count) in expected {
            #expect(try reopened.userDocument(pool: pool, user: .test(user))?.loginsCount == count)
        }
        // The checkpointed `users` database equals the replay of the log up to its checkpoint.
        let report = try reopened.audit()
        #expect(report.ok, "\(report.findings)")
    }
}
