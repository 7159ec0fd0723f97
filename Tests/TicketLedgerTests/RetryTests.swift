import Foundation
import Testing
@testable import TicketLedger

/// Safe retries (issue 18, item 3): a redemption with an idempotency key records its digest
/// with the consume; the same ticket with the same key gets the consume's answer again,
/// nothing counted; without it, or with another key, it is a reuse.
@Suite("Retries with an idempotency key")
struct RetryTests {
    static let pool = PoolID.test("pool-k")

    @Test("the decider: the recorded key makes a retry; none, another, or a key on a live ticket do not")
    func decider() throws {
        var (p, ticket) = try Fixture.issued()
        let key = try RetryKey("attempt-1").digest(for: ticket.locator)
        let other = try RetryKey("attempt-2").digest(for: ticket.locator)
        let first = Decider.redeem(
            presented: ticket, pool: Fixture.pool, secret: Fixture.secret, poolState: try p.pool(Fixture.pool),
            ticketState: try p.ticket(ticket.locator), now: Fixture.t0, retryKey: key)
        guard case .consume(let consumed) = first else {
            Issue.record("expected a consume, got \(first)")
            return
        }
        #expect(consumed.retryKey == key)
        try p.apply(.ticketConsumed(consumed), at: 3)
        #expect(try p.ticket(ticket.locator)?.retryKey == key)
        func again(_ presented: SHA256Digest?, secret: String = Fixture.secret) throws -> RedeemDecision {
            Decider.redeem(
                presented: ticket, pool: Fixture.pool, secret: secret, poolState: try p.pool(Fixture.pool),
                ticketState: try p.ticket(ticket.locator), now: Fixture.t0.advanced(by: .seconds(1)), retryKey: presented)
        }
        guard case .retried(let state) = try again(key) else {
            Issue.record("the same key is not a retry")
            return
        }
        #expect(state.consumedAt == Fixture.t0)
        if case .retried = try again(nil) { Issue.record("no key is a retry") }
        if case .retried = try again(other) { Issue.record("another key is a retry") }
        // The secret is still checked first: a retry with the wrong secret learns nothing.
        if case .retried = try again(key, secret: "wrong") { Issue.record("a wrong secret is a retry") }
        #expect(throws: LedgerError.self) { try RetryKey("") }
        #expect(throws: LedgerError.self) { try RetryKey("has space") }
        #expect(throws: LedgerError.self) { try RetryKey(String(repeating: "k", count: 256)) }
    }

    @Test("a consume with a key is written in format 3 and survives encode → decode; one without stays version 1")
    func codec() throws {
        let key = SHA256Digest.of([1, 2, 3])
        let event = LedgerEvent.ticketConsumed(TicketConsumed(pool: Self.pool, at: TempStore.epoch, locator: TicketLocator(sequence: 9), retryKey: key))
        let bytes = EventCodec.payload(of: event)
        #expect(bytes[0] == 3)
        #expect(try bytes.withUnsafeBytes { try EventCodec.decode(payload: $0) } == event)
        #expect(EventCodec.payload(of: .ticketConsumed(TicketConsumed(pool: Self.pool, at: TempStore.epoch, locator: TicketLocator(sequence: 9))))[0] == 1)
    }

    @Test("a retry with the key gets the same document, counts no login and appends nothing; another key or none is alreadyConsumed; the audit agrees")
    func ledger() throws {
        let store = try AuditStore()
        let ledger = try store.live
        let issued = try ledger.seed(pool: Self.pool, tickets: 2)
        let text = issued[0].ticket.text
        let first = try #require(try ledger.redeem(ticket: text, pool: Self.pool, secret: secret, idempotencyKey: "k-1").document)
        #expect(first.loginsCount == 1)
        let head = try ledger.head()
        store.clock.advance(by: .seconds(5))
        let retry = try #require(try ledger.redeem(ticket: text, pool: Self.pool, secret: secret, idempotencyKey: "k-1").document)
        #expect(retry == first)
        #expect(try ledger.head() == head, "a retry appends nothing")
        #expect(try ledger.redeem(ticket: text, pool: Self.pool, secret: secret, idempotencyKey: "k-2").rejection?.reason == .alreadyConsumed)
        #expect(try ledger.redeem(ticket: text, pool: Self.pool, secret: secret).rejection?.reason == .alreadyConsumed)
        #expect(try ledger.userDocument(pool: Self.pool, user: .test("u0"))?.loginsCount == 1)
        // A key given for a ticket that another consume used without one is no retry either.
        #expect(try ledger.redeem(ticket: issued[1].ticket.text, pool: Self.pool, secret: secret).document != nil)
        #expect(try ledger.redeem(ticket: issued[1].ticket.text, pool: Self.pool, secret: secret, idempotencyKey: "k-1").rejection?.reason == .alreadyConsumed)
        #expect(throws: LedgerError.self) { try ledger.redeem(ticket: text, pool: Self.pool, secret: secret, idempotencyKey: "") }
        let report = try store.audit()
        #expect(report.ok, "findings: \(report.findings)")
        _ = try store.live.rebuildProjections()
        #expect(try store.audit().ok)

        // Once purged (after the grace period, and the revocation the reuse without the key
        // made), a retry is unknown, as any ticket.
        let reopened = try store.live
        store.clock.advance(by: .seconds(120) + Ledger.ticketGracePeriod + Rules.defaultTokenLifetime)
        _ = try reopened.sweep()
        #expect(try reopened.redeem(ticket: text, pool: Self.pool, secret: secret, idempotencyKey: "k-1").rejection?.reason == .unknown)
    }

    @Test("a store written before takes a consume with a key (format 3) and audits")
    func oldStore() throws {
        let (root, path) = try StoreFormatFixtureTests.copy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let live = try #require(try StoreFormatFixtureTests.liveTickets().first)
        let reader = try LedgerReader.open(at: path)
        let locator = try #require(try reader.locator(ofTicket: live.ticket))
        let issuedAt = try #require(try reader.ticketReport(locator).state).issuedAt
        reader.close()
        let ledger = try Ledger.open(at: path, clock: ManualClock(issuedAt.advanced(by: .seconds(1))))
        let first = try ledger.redeem(ticket: live.ticket, pool: live.pool, secret: live.secret, idempotencyKey: "retry-me")
        #expect(try ledger.redeem(ticket: live.ticket, pool: live.pool, secret: live.secret, idempotencyKey: "retry-me") == first)
        ledger.close()
        let after = try LedgerReader.open(at: path)
        defer { after.close() }
        let report = try after.audit()
        #expect(report.ok, "findings: \(report.findings)")
    }
}
