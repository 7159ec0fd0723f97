import LMDB
import Testing
@testable import TicketLedger

@Suite("Purge after the grace period")
struct PurgeTests {
    static let pool = PoolID.test("pool-p")
    static let at = Timestamp(millisecondsSince1970: 1_795_305_600_123)

    static let purges: [TicketsPurged] = [
        TicketsPurged(pool: pool, at: at, locators: [TicketLocator(sequence: 2)]),
        TicketsPurged(pool: pool, at: at, locators: [3, 200, 201, 70_000, .max].map(TicketLocator.init(sequence:))),
        TicketsPurged(pool: pool, at: at, locators: (1...5000).map { TicketLocator(sequence: $0 * 3) }),
    ]

    @Test("TicketsPurged survives encode → decode", arguments: purges)
    func roundTrip(_ purge: TicketsPurged) throws {
        let bytes = EventCodec.payload(of: .ticketsPurged(purge))
        #expect(bytes[0] == 2, "a purge is written in format version 2")
        let decoded = try bytes.withUnsafeBytes { try EventCodec.decode(payload: $0) }
        #expect(decoded == .ticketsPurged(purge))
    }

    @Test("the older kinds are still written as version 1, so logs without purges stay readable by older builds")
    func olderKindsStayVersion1() {
        for event in CodecTests.events {
            // The one newer reason (a ticket of a forgotten user) needs format 4.
            if case .redemptionRejected(let e) = event, e.reason == .userForgotten {
                #expect(EventCodec.payload(of: event)[0] == 4)
            } else {
                #expect(EventCodec.payload(of: event)[0] == 1)
            }
        }
    }

    @Test("a purge record claiming version 1, truncated, not rising, or with an impossible count is refused")
    func malformed() {
        var v1 = EventCodec.payload(of: .ticketsPurged(Self.purges[1]))
        v1[0] = 1
        #expect(throws: DecodingFailure.self) { try v1.withUnsafeBytes { try EventCodec.decode(payload: $0) } }
        let bytes = EventCodec.payload(of: .ticketsPurged(Self.purges[1]))
        for n in 0..<bytes.count {
            #expect(throws: DecodingFailure.self) { try Array(bytes[..<n]).withUnsafeBytes { try EventCodec.decode(payload: $0) } }
        }
        // Hand-made: count 2, locators 5 then +0 (not rising); then a count of 2^40.
        var w = BinaryWriter()
        w.u8(2); w.u8(6); w.i64(0); w.string("p"); w.varint(2); w.varint(5); w.varint(0)
        #expect(throws: DecodingFailure.self) { try w.bytes.withUnsafeBytes { try EventCodec.decode(payload: $0) } }
        var huge = BinaryWriter()
        huge.u8(2); huge.u8(6); huge.i64(0); huge.string("p"); huge.varint(1 << 40); huge.varint(1)
        #expect(throws: DecodingFailure.self) { try huge.bytes.withUnsafeBytes { try EventCodec.decode(payload: $0) } }
    }

    @Test("a consumed ticket is told alreadyConsumed during the grace period, then purged; replay agrees")
    func graceThenPurge() throws {
        let store = try AuditStore()
        let ledger = try store.live
        let issued = try ledger.seed(pool: Self.pool, tickets: 3, policy: PoolPolicy(ticketLifetime: .seconds(60)))
        #expect(try ledger.redeem(ticket: issued[0].ticket.text, pool: Self.pool, secret: secret).document != nil)
        store.clock.advance(by: .seconds(61))
        #expect(try ledger.expireDue() == 2)  // the other two expire
        store.clock.advance(by: Ledger.ticketGracePeriod - .seconds(2))
        _ = try ledger.expireDue()
        #expect(try ledger.redeem(ticket: issued[0].ticket.text, pool: Self.pool, secret: secret).rejection?.reason == .alreadyConsumed)
        #expect(try ledger.redeem(ticket: issued[1].ticket.text, pool: Self.pool, secret: secret).rejection?.reason == .expired)
        #expect(try ledger.ticketState(issued[0].ticket.locator)?.status == .consumed)
        store.clock.advance(by: .seconds(2))
        _ = try ledger.expireDue()
        for ticket in issued.dropFirst() { #expect(try ledger.ticketState(ticket.ticket.locator) == nil) }
        // The replay revoked the consume's tokens: that ticket stays until they expire.
        #expect(try ledger.ticketState(issued[0].ticket.locator)?.revokedUntil != nil)
        store.clock.advance(by: Rules.defaultTokenLifetime)
        _ = try ledger.expireDue()
        #expect(try ledger.ticketState(issued[0].ticket.locator) == nil)
        #expect(try ledger.redeem(ticket: issued[0].ticket.text, pool: Self.pool, secret: secret).rejection?.reason == .unknown)
        let report = try ledger.ticketReport(issued[0].ticket.locator)
        #expect(report.history.map(\.event.typeName) == ["TicketIssued", "TicketConsumed", "RedemptionRejected", "TokensRevoked", "TicketsPurged"])
        #expect(try ledger.userDocument(pool: Self.pool, user: .test("u0"))?.loginsCount == 1)
        let audit = try store.audit()
        #expect(audit.ok, "\(audit.findings)")
    }

    @Test("the sweeper's grace period is the caller's: a ticket stays until expiresAt plus it, then goes; out-of-range periods are refused")
    func chosenGrace() throws {
        let store = try AuditStore()
        let ledger = try store.live
        let issued = try ledger.seed(pool: Self.pool, tickets: 2, policy: PoolPolicy(ticketLifetime: .seconds(60)))
        #expect(try ledger.redeem(ticket: issued[0].ticket.text, pool: Self.pool, secret: secret).document != nil)
        let grace = Duration.seconds(3600)
        store.clock.advance(by: .seconds(60) + Ledger.ticketGracePeriod)  // past the default, within the chosen one
        #expect(try ledger.expireDue(grace: grace) == 1)
        #expect(try ledger.ticketState(issued[0].ticket.locator)?.status == .consumed)
        #expect(try ledger.ticketState(issued[1].ticket.locator)?.status == .expired)
        store.clock.set(issued[0].expiresAt.advanced(by: grace))
        _ = try ledger.expireDue(grace: grace)
        for ticket in issued { #expect(try ledger.ticketState(ticket.ticket.locator) == nil) }
        for bad in [Duration.seconds(-1), Ledger.maxGracePeriod + .seconds(1)] {
            #expect(throws: LedgerError.invalidArgument("grace", "must be between 0 and 30 days")) { try ledger.expireDue(grace: bad) }
        }
        let audit = try store.audit()
        #expect(audit.ok, "\(audit.findings)")
    }

    @Test("a sweep reads a bounded number of tickets: settled ones behind many live ones of a long-lived pool wait until those settle")
    func boundedScan() throws {
        let store = try AuditStore()
        let ledger = try store.live
        let long = PoolID.test("pool-day")
        try ledger.configurePool(long, policy: PoolPolicy(ticketLifetime: .seconds(86_400)), secret: secret)
        let live = try (0..<20).map { _ in try ledger.issueTicket(IssueRequest(pool: long, user: .test("u0"))) }
        let short = try ledger.seed(pool: Self.pool, tickets: 3, policy: PoolPolicy(ticketLifetime: .seconds(60)))
        for t in short { #expect(try ledger.redeem(ticket: t.ticket.text, pool: Self.pool, secret: secret).document != nil) }
        store.clock.advance(by: .seconds(60) + Ledger.ticketGracePeriod)
        // limit 1: at most 8 tickets read, all live ones of the long pool.
        #expect(try ledger.sweep(limit: 1) == SweepReport(expired: 0, purged: 0))
        for t in short { #expect(try ledger.ticketState(t.ticket.locator)?.status == .consumed) }
        // A limit whose budget reaches past the live ones drops the settled ones, and says so.
        #expect(try ledger.sweep(limit: 3) == SweepReport(expired: 0, purged: 3))
        for t in short { #expect(try ledger.ticketState(t.ticket.locator) == nil) }
        for t in live { #expect(try ledger.ticketState(t.ticket.locator)?.status == .issued) }
        let audit = try store.audit()
        #expect(audit.ok, "\(audit.findings)")
    }

    @Test("a ticket consumed after the users checkpoint and purged before the next one: reopening still catches the users up")
    func purgedTicketInUsersTail() throws {
        let store = try AuditStore()
        var ledger = try store.live
        let issued = try ledger.seed(pool: Self.pool, tickets: 2, policy: PoolPolicy(ticketLifetime: .seconds(10)))
        store.close()  // checkpoints the users at the head
        ledger = try store.live
        #expect(try ledger.redeem(ticket: issued[0].ticket.text, pool: Self.pool, secret: secret).document?.loginsCount == 1)
        store.clock.advance(by: .seconds(11) + Ledger.ticketGracePeriod)
        _ = try ledger.expireDue()
        #expect(try ledger.ticketState(issued[0].ticket.locator) == nil)
        // Drop the users checkpoint the close would write, as a crash would: rewind it to before the consume.
        let before = try ledger.head()
        store.close()
        try store.tamper { txn, layout in
            let meta = try txn.withValue(layout.meta, key: StoreLayout.metaKey) { try StoreMeta(decoding: try #require($0)) }
            #expect(meta.head == before)
            var rewound = meta
            rewound.usersSequence = 3  // pool + two issues
            try txn.put(layout.meta, key: StoreLayout.metaKey, value: rewound.encoded())
            var user = try #require(try txn.withValue(layout.users, key: UserKey(pool: Self.pool, user: .test("u0")).bytes) { try $0.map(UserState.init(decoding:)) })
            user.loginsCount = 0
            user.lastLogin = nil
            user.lastIP = nil
            try txn.put(layout.users, key: UserKey(pool: Self.pool, user: .test("u0")).bytes, value: user.encoded())
        }
        ledger = try store.live
        #expect(try ledger.userDocument(pool: Self.pool, user: .test("u0"))?.loginsCount == 1)
        let audit = try store.audit()
        #expect(audit.ok, "\(audit.findings)")
    }
}
