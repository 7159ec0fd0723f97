import Foundation
import Testing
@testable import TicketLedger

/// A store written by an earlier build (format 1, `Fixtures/store-format-1`, made by
/// `scripts/make-store-fixture`) opens, audits clean and keeps working with this one.
@Suite("Stores written before")
struct StoreFormatFixtureTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/store-format-1").path

    /// One line of `live-tickets.txt`: a ticket still issued in the fixture.
    struct LiveTicket {
        var pool: PoolID
        var ticket: String
        var secret: String?
        var user: UserID
        var loginsAfter: UInt64
    }

    static func liveTickets() throws -> [LiveTicket] {
        let text = try String(contentsOfFile: fixture + "/live-tickets.txt", encoding: .utf8)
        return try text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let f = line.split(separator: " ").map(String.init)
            try #require(f.count == 5)
            return LiveTicket(
                pool: try PoolID(f[0]), ticket: f[1], secret: f[2] == "-" ? nil : f[2], user: try UserID(f[3]),
                loginsAfter: try #require(UInt64(f[4])))
        }
    }

    /// A copy of the fixture in a fresh directory (tests write to it).
    static func copy() throws -> (root: String, store: String) {
        let root = NSTemporaryDirectory() + "ticket-ledger-fixture-\(UUID().uuidString)"
        let store = root + "/store"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture + "/data.mdb", toPath: store + "/data.mdb")
        return (root, store)
    }

    @Test("the fixture audits clean, at the head it was made with")
    func auditsClean() throws {
        let (root, store) = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let expected = try String(contentsOfFile: Self.fixture + "/digest.txt", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let reader = try LedgerReader.open(at: store)
        defer { reader.close() }
        let report = try reader.audit()
        #expect(report.ok, "findings: \(report.findings)")
        #expect(report.events == 15)
        #expect(report.head.description == expected)
        #expect(report.computedHead == report.head)
    }

    @Test("its live tickets redeem once, its settled ones stay settled, and it takes new events")
    func keepsWorking() throws {
        let (root, store) = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let live = try Self.liveTickets()
        #expect(live.count == 3)
        // Redeem at a moment the log supplies: a second after the last ticket was issued.
        let reader = try LedgerReader.open(at: store)
        var latestIssue = Timestamp(millisecondsSince1970: 0)
        for t in live {
            let locator = try #require(Ticket(t.ticket)).locator
            let state = try #require(try reader.ticketReport(locator).state)
            #expect(state.status == .issued)
            latestIssue = max(latestIssue, state.issuedAt)
        }
        reader.close()

        let clock = ManualClock(latestIssue.advanced(by: .seconds(1)))
        let ledger = try Ledger.open(at: store, clock: clock)
        for t in live {
            let outcome = try ledger.redeem(ticket: t.ticket, pool: t.pool, secret: t.secret)
            let document = try #require(outcome.document, "\(t.ticket): \(outcome)")
            #expect(document.id == t.user.rawValue)
            #expect(document.loginsCount == t.loginsAfter)
            #expect(document.lastLogin == clock.now())
            #expect(try ledger.redeem(ticket: t.ticket, pool: t.pool, secret: t.secret).rejection?.reason == .alreadyConsumed)
        }
        // u1's first login kept its phone (issued with getPhone); the second issue did not ask for it.
        let u1 = try #require(try ledger.userDocument(pool: .test("app1"), user: .test("u1")))
        #expect(u1.phone == "176xxxx6754")
        #expect(u1.nickname == "Ann B")
        #expect(u1.lastIP == "::ffff:192.168.0.107")
        // The purged tickets of the short pool are unknown now, and new events follow the old ones.
        let issued = try ledger.issueTicket(IssueRequest(pool: .test("open"), user: .test("guest"), ip: "10.1.2.3"))
        // Each live ticket: its consume, the replay, and the revocation that first replay made.
        #expect(issued.ticket.locator.sequence == 15 + UInt64(live.count) * 3 + 1)
        ledger.close()

        let after = try LedgerReader.open(at: store)
        defer { after.close() }
        let report = try after.audit()
        #expect(report.ok, "findings: \(report.findings)")
        #expect(report.events == 15 + UInt64(live.count) * 3 + 1)
    }

    @Test("it is written in the new format (counted refusals, a RefusalsCounted record) and still audits, every refusal counted")
    func takesNewFormat() throws {
        let (root, store) = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let live = try #require(try Self.liveTickets().first)
        let before = try LedgerReader.open(at: store)
        let old = try before.audit()
        let locator = try #require(Ticket(live.ticket)).locator
        let issuedAt = try #require(try before.ticketReport(locator).state).issuedAt
        before.close()
        #expect(old.refusals == RefusalTally(logged: 2, summarised: 0, unsummarised: 0))

        let ledger = try Ledger.open(at: store, clock: ManualClock(issuedAt.advanced(by: .seconds(1))))
        let n = Rules.loggedRefusalsPerTicket + Rules.refusalsPerSummary + 6
        for _ in 0..<n {
            #expect(try ledger.redeem(ticket: live.ticket, pool: live.pool, secret: "wrong").rejection?.reason == .secretMismatch)
        }
        #expect(try ledger.ticketState(locator)?.refusals == n)
        let head = try ledger.head()
        ledger.close()

        // The log grew by the logged refusals and one summary, in format version 3.
        #expect(head.sequence == 15 + Rules.loggedRefusalsPerTicket + 1)
        let reader = try LedgerReader.open(at: store)
        defer { reader.close() }
        var logged: [LoggedEvent] = []
        try reader.exportEvents(from: head.sequence, through: head.sequence) { logged.append($0) }
        let last = try #require(logged.first)
        #expect(last.event == .refusalsCounted(RefusalsCounted(
            pool: live.pool, at: issuedAt.advanced(by: .seconds(1)), locator: locator, count: Rules.refusalsPerSummary)))
        let report = try reader.audit()
        #expect(report.ok, "findings: \(report.findings)")
        #expect(report.refusals.total == 2 + n)
        #expect(report.refusals.unsummarised == 6)
    }

    @Test("format 4 on it: a user from before forgotten (no key: the old records keep their fields), then sealed anew; the old digest checks")
    func forgetsAndSeals() throws {
        let (root, store) = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let live = try #require(try Self.liveTickets().first)
        let digest = try String(contentsOfFile: Self.fixture + "/digest.txt", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let locator = try #require(Ticket(live.ticket)).locator
        let before = try LedgerReader.open(at: store)
        let issuedAt = try #require(try before.ticketReport(locator).state).issuedAt
        before.close()

        let ledger = try Ledger.open(at: store, clock: ManualClock(issuedAt.advanced(by: .seconds(1))))
        let report = try ledger.forget(pool: live.pool, user: live.user)
        #expect(report.sequence == 16 && report.keyGeneration == 0, "no key: every ticket of theirs was issued before sealing")
        #expect(try ledger.userDocument(pool: live.pool, user: live.user) == nil)
        #expect(try ledger.redeem(ticket: live.ticket, pool: live.pool, secret: live.secret).rejection?.reason == .unknown,
                "a ticket issued before the forgetting is refused")
        let next = try ledger.issueTicket(IssueRequest(pool: live.pool, user: live.user, profile: UserProfile(nickname: "Sealed-Now")))
        #expect(try ledger.redeem(ticket: next.ticket.text, pool: live.pool, secret: live.secret).document?.loginsCount == 1)
        ledger.close()

        let reader = try LedgerReader.open(at: store)
        defer { reader.close() }
        let expected = try #require(ChainHead(parsing: digest))
        let audit = try reader.audit(AuditOptions(expectedDigest: expected))
        #expect(audit.ok, "findings: \(audit.findings)")
        #expect(try reader.userReport(pool: live.pool, user: live.user).document?.nickname == "Sealed-Now")
    }
}
