import Dispatch
import Foundation
import Synchronization
import Testing
@testable import TicketLedger

/// Redemption's rules — single use under threads, expiry edges, the sweep, the secret policy,
/// the user document — run on every store (``StoreKind``): the conformance suite.
@Suite("Redeem")
struct RedeemTests {
    let pool = PoolID.test("pool-a")

    @Test("8 threads racing on the same 1,000 tickets: exactly one success each, the rest alreadyConsumed", arguments: StoreKind.all)
    func singleUseUnderThreads(_ kind: StoreKind) throws {
        let store = try TempStore(kind: kind)
        let tickets = try store.ledger.seed(pool: pool, tickets: 1000, users: 50).map(\.ticket.text)
        let ledger = store.ledger
        let pool = self.pool
        let threads = 8
        let results = Mutex<[String: [RejectionReason?]]>([:])
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        for t in 0..<threads {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                // Each thread walks the tickets from a different starting point.
                for i in 0..<tickets.count {
                    let ticket = tickets[(i + t * 125) % tickets.count]
                    do {
                        let outcome = try ledger.redeem(ticket: ticket, pool: pool, secret: secret)
                        results.withLock { $0[ticket, default: []].append(outcome.rejection?.reason) }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
            thread.start()
        }
        group.wait()
        #expect(failures.withLock { $0 } == [])
        let all = results.withLock { $0 }
        #expect(all.count == 1000)
        for (_, outcomes) in all {
            #expect(outcomes.count == threads)
            #expect(outcomes.filter { $0 == nil }.count == 1)
            #expect(outcomes.filter { $0 == .alreadyConsumed }.count == threads - 1)
        }
        let logins = try (0..<50).map { try ledger.userDocument(pool: pool, user: .test("u\($0)"))?.loginsCount ?? 0 }
        #expect(logins.reduce(0, +) == 1000)
    }

    @Test("expiry edges: 1 ms before expiresAt redeems; at and after it, expired", arguments: StoreKind.all)
    func expiryEdges(_ kind: StoreKind) throws {
        for (offset, expected) in [(-1, nil), (0, RejectionReason.expired), (1, .expired)] as [(Int64, RejectionReason?)] {
            let store = try TempStore(kind: kind)
            let issued = try store.ledger.seed(pool: pool, tickets: 1)[0]
            store.clock.set(Timestamp(millisecondsSince1970: issued.expiresAt.millisecondsSince1970 + offset))
            let outcome = try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret)
            #expect(outcome.rejection?.reason == expected, "offset \(offset) ms")
            #expect(issued.expiresAt == TempStore.epoch.advanced(by: .seconds(120)))
        }
    }

    @Test("the sweeper expires only due tickets, through the expiry index; a due ticket it has not reached is still refused", arguments: StoreKind.all)
    func sweeper(_ kind: StoreKind) throws {
        let store = try TempStore(kind: kind)
        let early = try store.ledger.seed(pool: pool, tickets: 3)
        store.clock.advance(by: .seconds(60))
        let late = try store.ledger.issueTicket(IssueRequest(pool: pool, user: .test("late")))
        _ = try store.ledger.redeem(ticket: early[0].ticket.text, pool: pool, secret: secret)
        store.clock.advance(by: .seconds(61))  // early ones are past expiry, `late` is not
        #expect(try store.ledger.redeem(ticket: early[1].ticket.text, pool: pool, secret: secret).rejection?.reason == .expired)
        #expect(try store.ledger.expireDue() == 2)
        #expect(try store.ledger.expireDue() == 0)
        #expect(try store.ledger.ticketState(early[0].ticket.locator)?.status == .consumed)
        #expect(try store.ledger.ticketState(early[2].ticket.locator)?.status == .expired)
        #expect(try store.ledger.ticketState(late.ticket.locator)?.status == .issued)
        #expect(try store.ledger.redeem(ticket: early[2].ticket.text, pool: pool, secret: secret).rejection?.reason == .expired)
        #expect(try store.ledger.redeem(ticket: late.ticket.text, pool: pool, secret: secret).document != nil)
    }

    struct SecretCase: Sendable, CustomTestStringConvertible {
        var required: Bool
        var given: String?
        var expected: RejectionReason?
        var testDescription: String { "required=\(required) given=\(given ?? "nil") → \(expected?.rawValue ?? "redeemed")" }
    }

    @Test("secret policy", arguments: StoreKind.all, [
        SecretCase(required: true, given: secret, expected: nil),
        SecretCase(required: true, given: "wrong", expected: .secretMismatch),
        SecretCase(required: true, given: nil, expected: .secretRequired),
        SecretCase(required: true, given: "", expected: .secretRequired),
        SecretCase(required: false, given: nil, expected: nil),
        SecretCase(required: false, given: "anything", expected: nil),
    ])
    func secretPolicy(_ kind: StoreKind, _ c: SecretCase) throws {
        let store = try TempStore(kind: kind)
        let issued = try store.ledger.seed(pool: pool, tickets: 1, policy: PoolPolicy(secretRequired: c.required))[0]
        let outcome = try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: c.given)
        #expect(outcome.rejection?.reason == c.expected)
        // A refused secret consumes nothing: the right secret still redeems.
        if c.expected != nil {
            #expect(try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret).document != nil)
        }
    }

    @Test("the secret is checked before the ticket's state: a consumed ticket with a wrong secret says secretMismatch", arguments: StoreKind.all)
    func secretBeforeState(_ kind: StoreKind) throws {
        let store = try TempStore(kind: kind)
        let issued = try store.ledger.seed(pool: pool, tickets: 1)[0]
        #expect(try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret).document != nil)
        #expect(try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: "nope").rejection?.reason == .secretMismatch)
        #expect(try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: nil).rejection?.reason == .secretRequired)
    }

    @Test("a pool that requires a secret must be given one; issuing in an unknown pool is refused", arguments: StoreKind.all)
    func poolPolicyErrors(_ kind: StoreKind) throws {
        let store = try TempStore(kind: kind)
        #expect(throws: LedgerError.secretMissingForPool(pool)) { try store.ledger.configurePool(pool, secret: nil) }
        #expect(throws: LedgerError.poolNotConfigured(pool)) {
            try store.ledger.issueTicket(IssueRequest(pool: pool, user: .test("u")))
        }
        #expect(throws: LedgerError.self) {
            try store.ledger.configurePool(pool, policy: PoolPolicy(ticketLifetime: .zero), secret: "s")
        }
        try store.ledger.configurePool(pool, policy: PoolPolicy(secretRequired: false), secret: nil)
        #expect(try store.ledger.head().sequence == 1)
    }

    @Test("the user document: product field names, masked phone, lastIP from issue, loginsCount", arguments: StoreKind.all)
    func userDocument(_ kind: StoreKind) throws {
        let store = try TempStore(kind: kind)
        try store.ledger.configurePool(pool, secret: secret)
        let profile = UserProfile(username: "ann", nickname: "Ann", phone: "17612346754", openid: "o", unionid: "u", oauth: "{}")
        let first = try store.ledger.issueTicket(IssueRequest(pool: pool, user: .test("u1"), profile: profile, ip: "192.168.0.106", getPhone: true))
        store.clock.advance(by: .seconds(5))
        let doc = try #require(try store.ledger.redeem(ticket: first.ticket.text, pool: pool, secret: secret).document)
        #expect(doc.id == "u1")
        #expect(doc.phone == "176xxxx6754")
        #expect(doc.lastIP == "::ffff:192.168.0.106")
        #expect(doc.loginsCount == 1)
        #expect(doc.signedUp == TempStore.epoch)
        #expect(doc.lastLogin == TempStore.epoch.advanced(by: .seconds(5)))
        #expect(doc.registerMethod == "oauth:app2wxapp")
        let second = try store.ledger.issueTicket(IssueRequest(pool: pool, user: .test("u1"), profile: profile, ip: "2001:db8::1"))
        let doc2 = try #require(try store.ledger.redeem(ticket: second.ticket.text, pool: pool, secret: secret).document)
        #expect(doc2.loginsCount == 2)
        #expect(doc2.lastIP == "2001:db8::1")
        #expect(doc2.phone == "176xxxx6754")  // kept from the getPhone ticket
        #expect(doc2.signedUp == TempStore.epoch)

        let json = String(decoding: try JSONEncoder().encode(doc2), as: UTF8.self)
        for key in ["_id", "username", "nickname", "company", "photo", "emailVerified", "phone", "openid", "unionid",
                    "oauth", "registerMethod", "blocked", "isDeleted", "metadata", "loginsCount", "lastLogin", "lastIP", "signedUp"] {
            #expect(json.contains("\"\(key)\":"), "missing \(key)")
        }
        #expect(!json.contains("token"))
        #expect(json.contains(#""signedUp":"2026-11-22T00:00:00.000Z""#))
    }

    @Test("400 async tasks race for 100 tickets: exactly one winner each", arguments: StoreKind.all)
    func singleUseUnderTasks(_ kind: StoreKind) async throws {
        let store = try TempStore(kind: kind)
        let ledger = store.ledger
        let pool = self.pool
        let tickets = try ledger.seed(pool: pool, tickets: 100, users: 10).map(\.ticket.text)
        let wins = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            for i in 0..<400 {
                let ticket = tickets[i % tickets.count]
                group.addTask { (ticket, try await ledger.redeem(ticket: ticket, pool: pool, secret: secret).document != nil) }
            }
            return try await group.reduce(into: [String: Int]()) { counts, result in
                counts[result.0, default: 0] += result.1 ? 1 : 0
            }
        }
        #expect(wins.count == 100 && wins.values.allSatisfy { $0 == 1 }, "\(wins.values.sorted())")
        #expect(try await ledger.audit().ok)
    }

    @Test("bad input is refused with its reason and writes no state: malformed text, a made-up ticket, another pool's ticket", arguments: StoreKind.all)
    func badInput(_ kind: StoreKind) throws {
        let store = try TempStore(kind: kind)
        let other = PoolID.test("pool-b")
        let issued = try store.ledger.seed(pool: pool, tickets: 1)[0]
        try store.ledger.configurePool(other, secret: secret)
        for text in ["", "tl1.", "not a ticket", String(repeating: "x", count: 10_000), issued.ticket.text + "x"] {
            #expect(try store.ledger.redeem(ticket: text, pool: pool, secret: secret).rejection?.reason == .malformed, "\(text.prefix(40))")
        }
        let madeUp = try #require(Ticket("tl1.00000000000003e8." + String(repeating: "A", count: 22)))
        #expect(try store.ledger.redeem(ticket: madeUp.text, pool: pool, secret: secret).rejection?.reason == .unknown)
        let wrongPool = try store.ledger.redeem(ticket: issued.ticket.text, pool: other, secret: secret).rejection?.reason
        #expect(wrongPool == .wrongPool || wrongPool == .unknown)
        #expect(try store.ledger.ticketState(issued.ticket.locator)?.status == .issued)
        #expect(try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret).document != nil)
        #expect(try store.ledger.audit().ok)
    }

    @Test("reopen: consumed stays consumed, logins are kept, the next ticket redeems once", arguments: StoreKind.all)
    func reopen(_ kind: StoreKind) throws {
        let store = try TempStore(kind: kind)
        let issued = try store.ledger.seed(pool: pool, tickets: 2, users: 1)
        #expect(try store.ledger.redeem(ticket: issued[0].ticket.text, pool: pool, secret: secret).document?.loginsCount == 1)
        try store.reopen()
        #expect(try store.ledger.redeem(ticket: issued[0].ticket.text, pool: pool, secret: secret).rejection?.reason == .alreadyConsumed)
        #expect(try store.ledger.redeem(ticket: issued[1].ticket.text, pool: pool, secret: secret).document?.loginsCount == 2)
        #expect(try store.ledger.userDocument(pool: pool, user: .test("u0"))?.loginsCount == 2)
    }

}

@Suite("Secrets within one batch")
struct SecretBatchTests {
    @Test("a secret accepted earlier in the batch is remembered only for that pool's digest: near misses, another pool and a reconfigured pool are still refused")
    func rememberedSecret() throws {
        let root = NSTemporaryDirectory() + "ticket-ledger-tests-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger.open(
            at: root + "/store", create: true, options: .init(durability: .none, groupCommit: false), clock: ManualClock(TempStore.epoch))
        defer { ledger.close() }
        let a = PoolID.test("pool-a"), b = PoolID.test("pool-b")
        let tickets = try ledger.seed(pool: a, tickets: 6).map(\.ticket.text)
        try ledger.configurePool(b, secret: "other-secret")
        let inB = try ledger.issueTicket(IssueRequest(pool: b, user: .test("u0"))).ticket.text
        func redeem(_ ticket: String, _ pool: PoolID, _ secret: String?) -> Command { .redeem(Ticket(ticket, cipher: ledger.writer.locatorCipher), pool: pool, secret: secret) }
        let results = try ledger.writer.runBatch([
            redeem(tickets[0], a, secret),                     // hashed, then remembered
            redeem(tickets[1], a, String(secret.dropLast()) + "X"),  // same length, last byte differs
            redeem(tickets[2], a, secret + "!"),               // the remembered secret plus a byte
            redeem(inB, b, secret),                            // pool a's secret in pool b
            .configurePool(a, PoolPolicy(), secret: "new-secret"),
            redeem(tickets[3], a, secret),                     // the old secret after reconfiguring
            redeem(tickets[4], a, "new-secret"),
            redeem(tickets[5], a, "new-secret"),
        ])
        func reason(_ i: Int) -> RejectionReason?? {
            guard case .success(.redeemed(let r)) = results[i] else { return .none }
            return .some(r.outcome(key: nil).rejection?.reason)
        }
        #expect(reason(0) == .some(nil))
        #expect(reason(1) == .some(.secretMismatch))
        #expect(reason(2) == .some(.secretMismatch))
        #expect(reason(3) == .some(.secretMismatch))
        #expect(reason(5) == .some(.secretMismatch))
        #expect(reason(6) == .some(nil))
        #expect(reason(7) == .some(nil))
    }
}
