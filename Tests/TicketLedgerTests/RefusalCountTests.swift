import Foundation
import LMDB
import Testing
@testable import TicketLedger

/// What one ticket can write to the log (issue 16, item 8): its first refusals are logged one
/// by one, the rest counted in its record and summarised, and the audit accounts for every one.
@Suite("Refusals of one ticket are bounded in the log")
struct RefusalCountTests {
    static let pool = PoolID.test("pool-r")

    @Test("the rule: the first few logged, then one summary per refusalsPerSummary, the rest counted")
    func rule() {
        let k = Rules.loggedRefusalsPerTicket, t = Rules.refusalsPerSummary
        for n in 1...k { #expect(Rules.refusalRecord(count: n) == .event) }
        #expect(Rules.refusalRecord(count: k + 1) == .counted)
        #expect(Rules.refusalRecord(count: k + t) == .summary(t))
        #expect(Rules.refusalRecord(count: k + t + 1) == .counted)
        #expect(Rules.refusalRecord(count: k + 2 * t) == .summary(t))
        #expect(Rules.unsummarisedRefusals(count: k) == 0)
        #expect(Rules.unsummarisedRefusals(count: k + t + 7) == 7)
        #expect(Rules.summarisedRefusals(count: k + 2 * t + 7) == 2 * t)
        #expect(Rules.summarisedRefusals(count: k - 1) == 0)
    }

    @Test("the decider counts a known ticket's refusals and logs only what the rule says")
    func decider() throws {
        var (p, ticket) = try Fixture.issued()
        var events = 0
        let n = 2 * Int(Rules.refusalsPerSummary) + 10
        for _ in 0..<n {
            let decision = try Fixture.redeem(p, ticket, secret: "wrong", at: Fixture.t0)
            guard case .reject(.secretMismatch, let record, let counted?, nil) = decision else {
                Issue.record("expected a counted secretMismatch, got \(decision)")
                return
            }
            try p.ticketsHalf.setTicket(counted, for: ticket.locator)
            if record != nil { events += 1 }
        }
        #expect(try p.ticket(ticket.locator)?.refusals == UInt64(n))
        #expect(events == Int(Rules.loggedRefusalsPerTicket) + 2)
        // A made-up ticket (forged verifier) is neither counted nor logged.
        let forged = Ticket(locator: ticket.locator, verifier: (1, 1))
        #expect(try Fixture.redeem(p, forged, secret: "wrong", at: Fixture.t0) == .reject(.secretMismatch, record: nil, counted: nil))
    }

    @Test("hammering one ticket with wrong secrets and replays leaves a bounded log, and the audit counts every refusal")
    func hammer() throws {
        let store = try AuditStore()
        let ledger = try store.live
        let issued = try ledger.seed(pool: Self.pool, tickets: 1, policy: PoolPolicy(ticketLifetime: .seconds(60)))
        let text = issued[0].ticket.text
        let wrong = 2_500
        for _ in 0..<wrong {
            #expect(try ledger.redeem(ticket: text, pool: Self.pool, secret: "wrong").rejection?.reason == .secretMismatch)
        }
        #expect(try ledger.redeem(ticket: text, pool: Self.pool, secret: secret).document != nil)
        let replays = 600
        for _ in 0..<replays {
            #expect(try ledger.redeem(ticket: text, pool: Self.pool, secret: secret).rejection?.reason == .alreadyConsumed)
        }
        let refused = UInt64(wrong + replays)
        // 1 pool + 1 issue + 1 consume + 4 logged refusals + 3 summaries of 1,000 + the first
        // replay's revocation of the token (not 3,100 events).
        let report = try store.audit()
        #expect(report.ok, "findings: \(report.findings)")
        #expect(report.events == 3 + Rules.loggedRefusalsPerTicket + refused / Rules.refusalsPerSummary + 1)
        #expect(report.refusals.total == refused)
        #expect(report.refusals.logged == Rules.loggedRefusalsPerTicket)
        #expect(report.refusals.unsummarised == (refused - Rules.loggedRefusalsPerTicket) % Rules.refusalsPerSummary)

        // The sweeper summarises the rest before it drops the ticket (once its grace period and
        // its tokens' revocation have run out): the log keeps every count.
        store.clock.advance(by: .seconds(60) + Ledger.ticketGracePeriod + Rules.defaultTokenLifetime)
        let sweep = try store.live.sweep()
        #expect(sweep.purged == 1)
        let after = try store.audit()
        #expect(after.ok, "findings: \(after.findings)")
        #expect(after.refusals.total == refused)
        #expect(after.refusals.unsummarised == 0)
        #expect(after.events == report.events + 2)  // the summary of the rest, then the purge
    }

    @Test("RefusalsCounted is written in format version 3 and survives encode → decode; a count of 0 is refused")
    func codec() throws {
        let event = LedgerEvent.refusalsCounted(RefusalsCounted(
            pool: Self.pool, at: TempStore.epoch, locator: TicketLocator(sequence: 77), count: Rules.refusalsPerSummary))
        var bytes = EventCodec.payload(of: event)
        #expect(bytes[0] == 3)
        #expect(try bytes.withUnsafeBytes { try EventCodec.decode(payload: $0) } == event)
        bytes.removeLast(2)  // the count, 1,000 as LEB128: 0xE8 0x07
        bytes.append(0)
        #expect(throws: DecodingFailure.self) { try bytes.withUnsafeBytes { try EventCodec.decode(payload: $0) } }
        var v2 = EventCodec.payload(of: event)
        v2[0] = 2
        #expect(throws: DecodingFailure.self) { try v2.withUnsafeBytes { try EventCodec.decode(payload: $0) } }
    }

    @Test("a ticket never refused keeps its version 1 record; a counted one is version 2 and reads back")
    func ticketRecord() throws {
        var (p, ticket) = try Fixture.issued()
        var state = try #require(try p.ticket(ticket.locator))
        #expect(state.encoded()[0] == 1)
        state.refusals = 1_234_567
        let bytes = state.encoded()
        #expect(bytes[0] == 2)
        #expect(try bytes.withUnsafeBytes { try TicketState(decoding: $0) } == state)
        try p.ticketsHalf.setTicket(state, for: ticket.locator)
    }

    @Test("a stored count the log's summaries do not bear out is an audit finding")
    func tamperedCount() throws {
        let store = try AuditStore()
        let ledger = try store.live
        let issued = try ledger.seed(pool: Self.pool, tickets: 1)
        for _ in 0..<(Int(Rules.loggedRefusalsPerTicket) + 3) {
            _ = try ledger.redeem(ticket: issued[0].ticket.text, pool: Self.pool, secret: "wrong")
        }
        #expect(try store.audit().ok)
        // Raise the stored count by a whole summary's worth: the log has no summary for it.
        try store.tamper { txn, layout in
            let key = issued[0].ticket.locator.sequence.bigEndianBytes
            var state = try #require(try txn.withValue(layout.tickets, key: key) { try $0.map { try TicketState(decoding: $0) } })
            state.refusals += Rules.refusalsPerSummary
            try txn.put(layout.tickets, key: key, value: state.encoded())
        }
        let report = try store.audit()
        #expect(report.findings.contains { $0.rule == "refusal-count" }, "findings: \(report.findings)")
    }

    @Test("a rebuild keeps the stored refusal counts")
    func rebuildKeepsCounts() throws {
        let store = try AuditStore()
        let ledger = try store.live
        let issued = try ledger.seed(pool: Self.pool, tickets: 1)
        let n = Int(Rules.loggedRefusalsPerTicket) + 9
        for _ in 0..<n { _ = try ledger.redeem(ticket: issued[0].ticket.text, pool: Self.pool, secret: "wrong") }
        _ = try ledger.rebuildProjections()
        #expect(try ledger.ticketState(issued[0].ticket.locator)?.refusals == UInt64(n))
        #expect(try store.audit().refusals.total == UInt64(n))
    }
}
