import Foundation
import LMDB
import Testing
@testable import TicketLedger

@Suite("Audit")
struct AuditTests {
    static let pool = PoolID.test("pool-audit")

    /// A small store: a pool, 6 tickets, 3 redeemed (one twice), 1 redeemed with a wrong
    /// secret, the rest expired by the sweeper.
    static func populated() throws -> AuditStore {
        let store = try AuditStore()
        let ledger = try store.live
        let issued = try ledger.seed(pool: pool, tickets: 6, users: 3)
        for i in 0..<3 { _ = try ledger.redeem(ticket: issued[i].ticket.text, pool: pool, secret: secret) }
        _ = try ledger.redeem(ticket: issued[0].ticket.text, pool: pool, secret: secret)
        _ = try ledger.redeem(ticket: issued[3].ticket.text, pool: pool, secret: "wrong")
        store.clock.advance(by: .seconds(121))
        _ = try ledger.expireDue()
        return store
    }

    static func record(_ txn: Transaction, _ layout: StoreLayout, _ sequence: UInt64) throws -> [UInt8] {
        try #require(try txn.value(layout.events, key: sequence.bigEndianBytes))
    }

    @Test("an untouched store passes, with the head and the users checkpoint reported")
    func clean() throws {
        let store = try Self.populated()
        let head = try store.live.head()
        let report = try store.audit(AuditOptions(expectedDigest: head))
        #expect(report.ok, "\(report.findings)")
        #expect(report.events == head.sequence)
        #expect(report.computedHead == head)
    }

    @Test("a byte changed inside an event breaks the chain at that event")
    func changedByte() throws {
        let store = try Self.populated()
        try store.tamper { txn, layout in
            var bytes = try Self.record(txn, layout, 4)
            bytes[5] ^= 0x01  // inside `at`: still decodes
            try txn.put(layout.events, key: UInt64(4).bigEndianBytes, value: bytes)
        }
        let report = try store.audit()
        #expect(report.has("chain", at: 4), "\(report.findings)")
        #expect(!report.has("chain", at: 5), "one changed event is one chain finding")
    }

    @Test("an event deleted: a sequence gap, and the chain breaks after it")
    func deleted() throws {
        let store = try Self.populated()
        try store.tamper { txn, layout in _ = try txn.delete(layout.events, key: UInt64(9).bigEndianBytes) }
        let report = try store.audit()
        #expect(report.has("sequence", at: 9), "\(report.findings)")
        #expect(report.has("chain", at: 10), "\(report.findings)")
    }

    @Test("two events swapped: the chain breaks at both")
    func swapped() throws {
        let store = try Self.populated()
        try store.tamper { txn, layout in
            let a = try Self.record(txn, layout, 8), b = try Self.record(txn, layout, 9)
            try txn.put(layout.events, key: UInt64(8).bigEndianBytes, value: b)
            try txn.put(layout.events, key: UInt64(9).bigEndianBytes, value: a)
        }
        let report = try store.audit()
        #expect(report.has("chain", at: 8) && report.has("chain", at: 9), "\(report.findings)")
    }

    @Test("a projection edited: users (at the checkpoint), tickets, pools, the expiry index")
    func projectionEdited() throws {
        let store = try Self.populated()
        try store.tamper { txn, layout in
            let key = UserKey(pool: Self.pool, user: .test("u1")).bytes
            var user = try #require(try txn.withValue(layout.users, key: key) { try $0.map(UserState.init(decoding:)) })
            user.loginsCount += 1
            try txn.put(layout.users, key: key, value: user.encoded())
            let locator = UInt64(3).bigEndianBytes  // the second ticket, consumed
            var ticket = try #require(try txn.withValue(layout.tickets, key: locator) { try $0.map(TicketState.init(decoding:)) })
            ticket.status = .issued
            try txn.put(layout.tickets, key: locator, value: ticket.encoded())
            try txn.put(layout.due, key: dueKey(Timestamp(millisecondsSince1970: 0), TicketLocator(sequence: 99)), value: [UInt8]())
        }
        let report = try store.audit()
        #expect(report.findings.contains { $0.rule == "projection-users" && $0.detail.contains("loginsCount") }, "\(report.findings)")
        #expect(report.findings.contains { $0.rule == "projection-tickets" && $0.detail.contains("status") }, "\(report.findings)")
        #expect(report.has("projection-due"), "\(report.findings)")
        #expect(report.findings.allSatisfy { $0.rule.hasPrefix("projection-") }, "\(report.findings)")
    }

    @Test("users compared in chunks by both threads: every damaged, extra and missing user, in key order", arguments: 0..<3)
    func usersInChunks(round: Int) throws {
        let store = try AuditStore()
        let ledger = try store.live
        _ = try ledger.seed(pool: Self.pool, tickets: 600, users: 300)
        try store.tamper { txn, layout in
            func key(_ user: String) -> [UInt8] { UserKey(pool: Self.pool, user: .test(user)).bytes }
            for user in ["u5", "u150", "u299"] {
                var state = try #require(try txn.withValue(layout.users, key: key(user)) { try $0.map(UserState.init(decoding:)) })
                state.loginsCount += 1
                try txn.put(layout.users, key: key(user), value: state.encoded())
            }
            let copy = try #require(try txn.value(layout.users, key: key("u1")))
            try txn.put(layout.users, key: key("u999"), value: copy)
            // One extra, two missing.
            #expect(try txn.delete(layout.users, key: key("u77")))
            #expect(try txn.delete(layout.users, key: key("u78")))
        }
        let report = try store.audit()
        let users = report.findings.filter { $0.rule == "projection-users" }
        #expect(users.count == 6, "\(report.findings)")
        let expected = ["'u150'", "'u299'", "'u5'", "'u999'", "'u77'", "'u78'"]
        #expect(zip(users, expected).allSatisfy { $0.detail.contains("user \($1) ") }, "\(users)")
        #expect(users.prefix(3).allSatisfy { $0.detail.contains("loginsCount") }, "\(users)")
        #expect(users.dropFirst(3).first?.detail.contains("no event") == true, "\(users)")
        #expect(users.suffix(2).allSatisfy { $0.detail.contains("missing") }, "\(users)")
        #expect(report.findings.count == 6, "\(report.findings)")
    }

    @Test("one record missing and another one extra in each projection: both are findings (the extra one does not stand in for the missing one)")
    func missingBesideExtra() throws {
        let store = try AuditStore()
        let ledger = try store.live
        let issued = try ledger.seed(pool: Self.pool, tickets: 6, users: 3)
        for i in 0..<2 { _ = try ledger.redeem(ticket: issued[i].ticket.text, pool: Self.pool, secret: secret) }
        let other = PoolID.test("pool-b")
        try ledger.configurePool(other, secret: "other-secret")
        let live = issued[2]  // issued, so in the expiry index
        try store.tamper { txn, layout in
            func user(_ id: String) -> [UInt8] { UserKey(pool: Self.pool, user: .test(id)).bytes }
            try txn.put(layout.users, key: user("u999"), value: try #require(try txn.value(layout.users, key: user("u0"))))
            #expect(try txn.delete(layout.users, key: user("u1")))
            let consumed = issued[1].ticket.locator.sequence
            try txn.put(layout.tickets, key: UInt64(999).bigEndianBytes, value: try #require(try txn.value(layout.tickets, key: consumed.bigEndianBytes)))
            #expect(try txn.delete(layout.tickets, key: consumed.bigEndianBytes))
            try txn.put(layout.pools, key: Array("pool-z".utf8), value: try #require(try txn.value(layout.pools, key: Array(other.rawValue.utf8))))
            #expect(try txn.delete(layout.pools, key: Array(other.rawValue.utf8)))
            try txn.put(layout.due, key: dueKey(Timestamp(millisecondsSince1970: 0), TicketLocator(sequence: 99)), value: [UInt8]())
            #expect(try txn.delete(layout.due, key: dueKey(live.expiresAt, live.ticket.locator)))
        }
        let report = try store.audit()
        func has(_ rule: String, _ text: String) -> Bool { report.findings.contains { $0.rule == rule && $0.detail.contains(text) } }
        #expect(has("projection-users", "user 'u999'") && has("projection-users", "user 'u1' of pool '\(Self.pool)' is missing"), "\(report.findings)")
        #expect(has("projection-tickets", "ticket \(TicketLocator(sequence: 999)) is stored"), "\(report.findings)")
        #expect(has("projection-tickets", "ticket \(issued[1].ticket.locator) is missing"), "\(report.findings)")
        #expect(has("projection-pools", "pool 'pool-z' is stored") && has("projection-pools", "pool 'pool-b' is missing"), "\(report.findings)")
        #expect(has("projection-due", "\(TicketLocator(sequence: 99))"), "\(report.findings)")
        #expect(has("projection-due", "ticket \(live.ticket.locator) is missing"), "\(report.findings)")
        #expect(report.findings.count == 8, "\(report.findings)")
    }

    @Test("a head that does not match --expect-digest")
    func expectedDigest() throws {
        let store = try Self.populated()
        let head = try store.live.head()
        let wrong = try store.audit(AuditOptions(expectedDigest: ChainHead(sequence: 5, hash: head.hash)))
        #expect(wrong.rules == ["expected-digest"], "\(wrong.findings)")
        let beyond = try store.audit(AuditOptions(expectedDigest: ChainHead(sequence: head.sequence + 10, hash: head.hash)))
        #expect(beyond.has("expected-digest"))
    }

    /// Appends `event` with a correct chain hash and moves the head: a log rewritten by someone
    /// who knows the format; only the rules (and a kept digest) can catch it.
    @discardableResult
    static func forge(_ event: LedgerEvent, into store: AuditStore) throws -> UInt64 {
        var sequence: UInt64 = 0
        try store.tamper { txn, layout in
            var meta = try txn.withValue(layout.meta, key: StoreLayout.metaKey) { try StoreMeta(decoding: try #require($0)) }
            let (record, hash) = EventCodec.record(of: event, after: meta.head.hash)
            meta.head = ChainHead(sequence: meta.head.sequence + 1, hash: hash)
            try txn.put(layout.events, key: meta.head.sequence.bigEndianBytes, value: record, append: true)
            try txn.put(layout.meta, key: StoreLayout.metaKey, value: meta.encoded())
            sequence = meta.head.sequence
        }
        return sequence
    }

    @Test("forged but well-chained events break the rules: a second consume, a consume after expiry, a pool without its secret")
    func forgedRules() throws {
        let store = try Self.populated()
        let at = store.clock.now()
        try Self.forge(.ticketConsumed(TicketConsumed(pool: Self.pool, at: at, locator: TicketLocator(sequence: 2))), into: store)
        try Self.forge(.ticketConsumed(TicketConsumed(pool: Self.pool, at: at, locator: TicketLocator(sequence: 999))), into: store)
        try Self.forge(.poolConfigured(PoolConfigured(pool: Self.pool, at: at, policy: PoolPolicy(), secret: nil)), into: store)
        let issuedAt = try Self.forge(.ticketIssued(TicketIssued(
            pool: Self.pool, at: at, user: .test("x"), verifierDigest: .zero, profile: UserProfile(), ip: nil,
            getPhone: false, expiresAt: at.advanced(by: .seconds(120)))), into: store)
        try Self.forge(.ticketConsumed(TicketConsumed(pool: Self.pool, at: at, locator: TicketLocator(sequence: issuedAt))), into: store)
        try Self.forge(.ticketConsumed(TicketConsumed(pool: .test("elsewhere"), at: at.advanced(by: .seconds(500)), locator: TicketLocator(sequence: 5))), into: store)
        let report = try store.audit()
        let head = report.events
        #expect(report.has("single-use", at: head - 5), "\(report.findings)")
        #expect(report.has("consume-without-issue", at: head - 4))
        #expect(report.has("secret-policy", at: head - 3))
        #expect(report.has("secret-required", at: head - 1), "\(report.findings)")
        #expect(report.has("unconfigured-pool", at: head))
        #expect(report.has("same-pool", at: head) || report.has("expire-once", at: head) || report.has("single-use", at: head), "\(report.findings)")
        #expect(!report.has("chain"))
    }

    @Test("garbage records, a garbage key, and a truncated file: findings or a clear error, never a crash")
    func garbage() throws {
        let store = try Self.populated()
        try store.tamper { txn, layout in
            var rng = SplitMix64(seed: 7)
            try txn.put(layout.events, key: UInt64(3).bigEndianBytes, value: (0..<100).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            try txn.put(layout.events, key: UInt64(4).bigEndianBytes, value: [1, 2, 3])
            try txn.put(layout.events, key: [0xff], value: [0])
        }
        let report = try store.audit()
        #expect(report.has("decode", at: 3) && report.has("decode", at: 4), "\(report.findings)")
        #expect(report.has("sequence"))

        // Truncate data.mdb below its last page: refused before any page is read.
        let data = store.path + "/data.mdb"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: data)[.size] as? Int)
        let handle = try #require(FileHandle(forWritingAtPath: data))
        try handle.truncate(atOffset: UInt64(size / 2))
        try handle.close()
        #expect(throws: LedgerError.self) { try LedgerReader.open(at: store.path) }
    }

    @Test("rebuild: replaces edited projections in one transaction and the audit passes again")
    func rebuild() throws {
        let store = try Self.populated()
        try store.tamper { txn, layout in
            try txn.clear(layout.users)
            try txn.clear(layout.tickets)
        }
        #expect(!(try store.audit().ok))
        let report = try store.live.rebuildProjections()
        #expect(report.users == 3 && report.pools == 1)
        #expect(try store.live.userDocument(pool: Self.pool, user: .test("u0"))?.loginsCount == 1)
        let after = try store.audit()
        #expect(after.ok, "\(after.findings)")
    }

    @Test("export and inspect: the fields, and never a digest")
    func exportAndInspect() throws {
        let store = try Self.populated()
        let ledger = try store.live
        var lines: [LoggedEvent] = []
        try ledger.exportEvents(from: 2, through: 5) { lines.append($0) }
        #expect(lines.map(\.sequence) == [2, 3, 4, 5])
        let report = try ledger.ticketReport(TicketLocator(sequence: 2))
        #expect(report.state?.status == .consumed)
        #expect(report.history.map(\.event.typeName) == ["TicketIssued", "TicketConsumed", "RedemptionRejected", "TokensRevoked"])
        let user = try ledger.userReport(pool: Self.pool, user: .test("u0"))
        #expect(user.document?.loginsCount == 1)
        #expect(user.history.count == 7)  // two tickets: one issued, consumed, replayed (revoking its tokens); one issued, refused a wrong secret, expired
        let stats = try ledger.statistics()
        #expect(stats.events == Int(try ledger.head().sequence))
        #expect(stats.ticketsConsumed == 3 && stats.ticketsExpired == 3 && stats.ticketsIssued == 0)
    }
}
