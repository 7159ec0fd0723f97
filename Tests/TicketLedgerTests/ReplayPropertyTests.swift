import LMDB
import Testing
@testable import TicketLedger

/// Random interleavings of issue, redeem (good, replayed, wrong secret, late), expire, sweep
/// and restarts across several pools and users; after each run the live projections equal
/// the replayed ones, and every user's loginsCount is their number of successful redemptions.
@Suite("Replay property")
struct ReplayPropertyTests {
    struct Issued {
        var ticket: String
        var locator: TicketLocator
        var pool: PoolID
        var user: UserID
        var expiresAt: Timestamp
        var consumed = false
    }

    static let pools: [(PoolID, PoolPolicy, String?)] = [
        (.test("prop-a"), PoolPolicy(ticketLifetime: .seconds(60), secretRequired: true), "secret-a"),
        (.test("prop-b"), PoolPolicy(ticketLifetime: .seconds(120), secretRequired: true), "secret-b"),
        (.test("prop-c"), PoolPolicy(ticketLifetime: .seconds(30), secretRequired: false), nil),
    ]

    @Test("live projections equal the replayed ones; loginsCount counts successful redemptions",
          arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func randomInterleavings(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let store = try AuditStore()
        var ledger = try store.live
        for (pool, policy, secret) in Self.pools { try ledger.configurePool(pool, policy: policy, secret: secret) }
        var tickets: [Issued] = []
        var logins: [UserKey: UInt64] = [:]
        let users = (0..<6).map { UserID.test("user-\($0)") }
        func secret(of pool: PoolID) -> String? { Self.pools.first { $0.0 == pool }?.2 }
        func pick() -> Int? { tickets.isEmpty ? nil : Int(rng.next() % UInt64(tickets.count)) }
        let steps = 400

        for step in 0..<steps {
            let roll = rng.next() % 100
            let now = store.clock.now()
            switch roll {
            case 0..<30:
                let (pool, _, _) = Self.pools[Int(rng.next() % 3)]
                let user = users[Int(rng.next() % UInt64(users.count))]
                let issued = try ledger.issueTicket(IssueRequest(
                    pool: pool, user: user, profile: UserProfile(nickname: "n\(step)", phone: "1761234\(1000 + step % 9000)"),
                    ip: rng.next() % 2 == 0 ? "10.0.0.\(step % 250)" : "2001:db8::\(step % 9999)", getPhone: rng.next() % 2 == 0))
                tickets.append(Issued(ticket: issued.ticket.text, locator: issued.ticket.locator, pool: pool, user: user, expiresAt: issued.expiresAt))
            case 30..<55:  // good redemption (maybe late, maybe replayed, maybe purged: the model says which)
                guard let i = pick() else { continue }
                let t = tickets[i]
                let outcome = try ledger.redeem(ticket: t.ticket, pool: t.pool, secret: secret(of: t.pool))
                let redeemable = !t.consumed && now < t.expiresAt
                #expect((outcome.document != nil) == redeemable, "seed \(seed) step \(step): \(String(describing: outcome.rejection))")
                if let doc = outcome.document {
                    tickets[i].consumed = true
                    logins[UserKey(pool: t.pool, user: t.user), default: 0] += 1
                    #expect(doc.loginsCount == logins[UserKey(pool: t.pool, user: t.user)], "seed \(seed) step \(step)")
                    #expect(doc.lastLogin == now)
                }
            case 55..<65:  // replay of a consumed ticket
                guard let t = tickets.filter(\.consumed).last else { continue }
                let reason = try ledger.redeem(ticket: t.ticket, pool: t.pool, secret: secret(of: t.pool)).rejection?.reason
                let inGrace = now < t.expiresAt.advanced(by: Ledger.ticketGracePeriod)
                #expect(reason == .alreadyConsumed || (!inGrace && reason == .unknown), "seed \(seed) step \(step): \(String(describing: reason))")
            case 65..<73:  // wrong secret
                guard let i = pick(), secret(of: tickets[i].pool) != nil else { continue }
                let reason = try ledger.redeem(ticket: tickets[i].ticket, pool: tickets[i].pool, secret: "wrong").rejection?.reason
                #expect(reason == .secretMismatch, "seed \(seed) step \(step)")
            case 73..<78:  // late: move past a ticket's expiry first
                guard let i = pick() else { continue }
                if store.clock.now() < tickets[i].expiresAt { store.clock.set(tickets[i].expiresAt) }
                let reason = try ledger.redeem(ticket: tickets[i].ticket, pool: tickets[i].pool, secret: secret(of: tickets[i].pool)).rejection?.reason
                #expect(reason != nil, "seed \(seed) step \(step): a late ticket was redeemed")
            case 78..<86:
                _ = try ledger.expireDue(limit: Int(rng.next() % 20) + 1)
            case 86..<96:
                store.clock.advance(by: .seconds(Int64(rng.next() % 40)))
            case 96..<98:
                store.clock.advance(by: Ledger.ticketGracePeriod + .seconds(Int64(rng.next() % 120)))
            default:  // a restart: the users projection is checkpointed and caught up again
                store.close()
                ledger = try store.live
            }
        }

        for user in users {
            for (pool, _, _) in Self.pools {
                let doc = try ledger.userDocument(pool: pool, user: user)
                #expect((doc?.loginsCount ?? 0) == (logins[UserKey(pool: pool, user: user)] ?? 0), "seed \(seed): \(user) in \(pool)")
            }
        }
        // Audit the open ledger (users compared at their checkpoint), then after closing (at the head).
        let openAudit = try ledger.audit()
        #expect(openAudit.ok, "seed \(seed): \(openAudit.findings)")
        let closed = try store.audit()
        #expect(closed.ok, "seed \(seed): \(closed.findings)")
        #expect(closed.usersCheckpoint == closed.events, "seed \(seed): closing checkpoints the users at the head")

        // The live projections, field by field, against a replay into memory.
        let reader = try LedgerReader.open(at: store.path)
        defer { reader.close() }
        let (replay, live) = try reader.store.read { txn -> (ReplayState, ReplayState) in
            let meta = try reader.store.meta(txn)
            let replay = try ReplayState.of(reader.store, txn: txn, through: meta.head.sequence)
            var live = ReplayState()
            try txn.forEachEntry(reader.store.layout.tickets) { e in
                // The refusal count is the live path's, not the log's (the audit checks it against
                // the summaries): the rest must equal the replay's.
                var ticket = try TicketState(decoding: e.value)
                ticket.refusals = 0
                live.tickets.tickets[try #require(UInt64(bigEndianBytes: e.key))] = ticket
                return true
            }
            try txn.forEachEntry(reader.store.layout.users) { e in
                live.users.users[try #require(UserKey(bytes: e.key))] = try UserState(decoding: e.value)
                return true
            }
            return (replay, live)
        }
        #expect(live.tickets.tickets == replay.tickets.tickets, "seed \(seed)")
        #expect(live.users.users == replay.users.users, "seed \(seed)")
        for (key, count) in logins { #expect(replay.users.users[key]?.loginsCount == count, "seed \(seed)") }
    }
}
