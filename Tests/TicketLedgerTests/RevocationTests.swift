import Foundation
import Testing
@testable import TicketLedger

/// Reuse revokes (issue 18, item 2): a replay of a consumed ticket appends `TokensRevoked`
/// once; the ticket's record holds the revocation, as a projection of the log, until the
/// tokens expire; the library answers the check.
@Suite("A reused ticket revokes its tokens")
struct RevocationTests {
    static let pool = PoolID.test("pool-v")

    @Test("the decider: the first reuse revokes until the consume's time plus the token lifetime; later ones and retries do not")
    func decider() throws {
        var (p, ticket) = try Fixture.issued()
        try p.apply(.ticketConsumed(TicketConsumed(pool: Fixture.pool, at: Fixture.t0, locator: ticket.locator)), at: 3)
        let later = Fixture.t0.advanced(by: .seconds(10))
        let decision = try Fixture.redeem(p, ticket, at: later)
        guard case .reject(.alreadyConsumed, _, _, let revoke?) = decision else {
            Issue.record("the first reuse does not revoke: \(decision)")
            return
        }
        #expect(revoke == TokensRevoked(pool: Fixture.pool, at: later, locator: ticket.locator, until: Fixture.t0.advanced(by: Rules.defaultTokenLifetime)))
        try p.apply(.tokensRevoked(revoke), at: 4)
        #expect(try p.ticket(ticket.locator)?.revokedUntil == revoke.until)
        guard case .reject(.alreadyConsumed, _, _, nil) = try Fixture.redeem(p, ticket, at: later) else {
            Issue.record("a second reuse revokes again")
            return
        }
        // The wrong secret learns nothing and revokes nothing.
        guard case .reject(.secretMismatch, _, _, nil) = try Fixture.redeem(p, ticket, secret: "wrong", at: later) else {
            Issue.record("a wrong secret revokes")
            return
        }
        // A revoked ticket stays past its grace period until the revocation ends.
        let state = try #require(try p.ticket(ticket.locator))
        var plan = PurgePlan(now: state.expiresAt.advanced(by: Ledger.ticketGracePeriod), grace: Ledger.ticketGracePeriod, limit: 10)
        _ = plan.offer(ticket.locator, state: state)
        #expect(plan.found == 0)
        var after = PurgePlan(now: revoke.until, grace: Ledger.ticketGracePeriod, limit: 10)
        _ = after.offer(ticket.locator, state: state)
        #expect(after.found == 1)
    }

    @Test("exchange → active → reuse → revoked (logged even after many refusals); kept until the tokens expire; the audit agrees")
    func ledger() throws {
        let store = try AuditStore()
        let ledger = try store.live
        let issued = try ledger.seed(pool: Self.pool, tickets: 1)[0]
        let text = issued.ticket.text
        // Refusals past the logged few: the revocation must still reach the log.
        for _ in 0..<(Int(Rules.loggedRefusalsPerTicket) + 3) { _ = try ledger.redeem(ticket: text, pool: Self.pool, secret: "wrong") }
        let document = try #require(try ledger.redeem(ticket: text, pool: Self.pool, secret: secret).document)
        let consumedAt = try #require(document.lastLogin)
        let jti = try #require(ledger.tokenID(forTicket: text))
        #expect(jti.utf8.count == 16)
        #expect(jti != issued.ticket.locator.description, "the token id shows the sequence")
        let expires = consumedAt.advanced(by: .seconds(7200))
        #expect(try ledger.isTokenActive(tokenID: jti, expiresAt: expires))
        store.clock.advance(by: .seconds(3))
        #expect(try ledger.redeem(ticket: text, pool: Self.pool, secret: secret).rejection?.reason == .alreadyConsumed)
        #expect(try ledger.isRevoked(tokenID: jti))
        #expect(try !ledger.isTokenActive(tokenID: jti, expiresAt: expires))
        #expect(try ledger.ticketState(issued.ticket.locator)?.revokedUntil == expires)
        #expect(throws: LedgerError.self) { try ledger.isRevoked(tokenID: "nothex") }

        // Past the grace period the ticket stays (its tokens still revoked); past the tokens' expiry it goes.
        store.clock.advance(by: .seconds(120) + Ledger.ticketGracePeriod)
        #expect(try ledger.sweep().purged == 0)
        #expect(try ledger.isRevoked(tokenID: jti))
        var report = try store.audit()
        #expect(report.ok, "findings: \(report.findings)")
        var events: [LoggedEvent] = []
        let reader = try LedgerReader.open(at: store.path)
        try reader.exportEvents { events.append($0) }
        reader.close()
        #expect(events.filter { $0.event.typeName == "TokensRevoked" }.count == 1)

        let again = try store.live
        store.clock.advance(by: .seconds(7200))
        #expect(try again.sweep().purged == 1)
        #expect(try !again.isRevoked(tokenID: jti))
        report = try store.audit()
        #expect(report.ok, "findings: \(report.findings)")
        _ = try store.live.rebuildProjections()
        #expect(try store.audit().ok)
    }
}
