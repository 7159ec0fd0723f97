import Foundation
import Logging
import Testing
@testable import TicketLedger

/// The reads of a PostgreSQL store — audit, export, inspect, statistics, rebuild, backup — and
/// `copy` between stores: the same answers as LMDB gives for the same history. In the
/// PostgreSQL suite (serialized: one of its tests restarts the server).
extension PostgresStoreTests {
    /// A history with every kind of event: a pool, 6 tickets over 3 users, 3 redeemed, one
    /// replayed, one refused for its secret, the rest expired by the sweeper.
    static func populate(_ ledger: Ledger, clock: ManualClock) throws -> [IssuedTicket] {
        let issued = try ledger.seed(pool: pool, tickets: 7, users: 3)
        for i in 0..<3 { _ = try ledger.redeem(ticket: issued[i].ticket.text, pool: pool, secret: secret) }
        _ = try ledger.redeem(ticket: issued[0].ticket.text, pool: pool, secret: secret)
        _ = try ledger.redeem(ticket: issued[3].ticket.text, pool: pool, secret: "wrong")
        clock.advance(by: .seconds(121))
        _ = try ledger.expireDue()
        // One more ticket, live, to redeem after a copy.
        return issued + [try ledger.issueTicket(IssueRequest(pool: pool, user: .test("u9")))]
    }

    /// Runs `sql` on the test database (tampering).
    static func tamper(_ db: TestPostgres.Database, _ sql: String) throws {
        let session = PostgresSession(location: db.location, logger: .init(label: "test"))
        defer { session.close() }
        try session.runSQL(sql, "tamper")
    }

    @Test("audit, export, inspect and statistics read a PostgreSQL store, through the ledger and a read-only reader")
    func reads() throws {
        let db = try TestPostgres.Database()
        let clock = ManualClock(TempStore.epoch)
        let ledger = try Self.open(db, clock: clock)
        let issued = try Self.populate(ledger, clock: clock)
        let head = try ledger.head()
        let live = try ledger.audit(AuditOptions(expectedDigest: head))
        #expect(live.ok, "\(live.findings)")
        ledger.close()

        let reader = try LedgerReader.open(.postgres(db.location))
        defer { reader.close() }
        let report = try reader.audit(AuditOptions(expectedDigest: head))
        #expect(report.ok, "\(report.findings)")
        #expect(report.events == head.sequence && report.computedHead == head)
        var exported: [LoggedEvent] = []
        try reader.exportEvents { exported.append($0) }
        #expect(exported.map(\.sequence) == Array(1...head.sequence))
        let ticket = try reader.ticketReport(issued[0].ticket.locator)
        #expect(ticket.state?.status == .consumed)
        // issued, consumed, the replay refused, the tokens of the consume revoked by that reuse
        #expect(ticket.history.count == 4, "\(ticket.history.map(\.event))")
        let user = try reader.userReport(pool: Self.pool, user: .test("u0"))
        #expect(user.document?.loginsCount == 1)
        let stats = try reader.statistics()
        #expect(stats.head == head && stats.events == Int(head.sequence))
        #expect(stats.ticketsConsumed == 3 && stats.ticketsExpired == 4 && stats.ticketsIssued == 1 && stats.due == 1)
        #expect(stats.pools == 1 && stats.fileBytes > 0)
    }

    @Test("tampering with a PostgreSQL store is found: an edited event row, a deleted one, edited projection rows; rebuild repairs projections")
    func tampering() throws {
        let db = try TestPostgres.Database()
        let clock = ManualClock(TempStore.epoch)
        let ledger = try Self.open(db, clock: clock)
        let issued = try Self.populate(ledger, clock: clock)
        ledger.close()
        let reader = try LedgerReader.open(.postgres(db.location))
        defer { reader.close() }
        #expect(try reader.audit().ok)

        // Projection rows: a live ticket marked settled, a user's record dropped, a pool's record changed.
        let live = issued[7].ticket.locator.sequence
        try Self.tamper(db, "UPDATE ticket_ledger_tickets SET live = false WHERE locator = \(live)")
        try Self.tamper(db, "DELETE FROM ticket_ledger_users WHERE key = (SELECT key FROM ticket_ledger_users ORDER BY key LIMIT 1)")
        try Self.tamper(db, "UPDATE ticket_ledger_pools SET record = set_byte(record, octet_length(record) - 1, 255 - get_byte(record, octet_length(record) - 1))")
        var report = try reader.audit()
        #expect(report.has("projection-due") && report.has("projection-users") && report.has("projection-pools"), "\(report.findings)")
        #expect(!report.has("chain"))
        let reopened = try Self.open(db, clock: clock, create: false)
        let rebuilt = try reopened.rebuildProjections()
        #expect(rebuilt.tickets == 8 && rebuilt.due == 1 && rebuilt.pools == 1)
        reopened.close()
        report = try reader.audit()
        #expect(report.ok, "\(report.findings)")

        // Event rows: one byte changed in event 3, event 5 deleted.
        try Self.tamper(db, "UPDATE ticket_ledger_events SET record = set_byte(record, 12, 255 - get_byte(record, 12)) WHERE seq = 3")
        try Self.tamper(db, "DELETE FROM ticket_ledger_events WHERE seq = 5")
        report = try reader.audit()
        #expect(report.has("chain", at: 3), "\(report.findings)")
        #expect(report.has("sequence", at: 5), "\(report.findings)")
        // A log that breaks its chain is not rebuilt from.
        let broken = try Self.open(db, clock: clock, create: false)
        defer { broken.close() }
        #expect { try broken.rebuildProjections() } throws: { error in
            guard case .corrupted(_, let detail)? = error as? LedgerError else { return false }
            return detail.contains("event 3")
        }
    }

    @Test("copy LMDB → PostgreSQL → LMDB keeps the chain (the source's digest checks), the projections, and the tickets still redeem once")
    func copyBothWays() throws {
        let source = try TempStore()
        let issued = try Self.populate(source.ledger, clock: source.clock)
        let head = try source.ledger.head()
        let sourceStats = try source.ledger.statistics()
        source.ledger.close()
        let db = try TestPostgres.Database()

        let copied = try Ledger.copy(from: .directory(source.path), to: .postgres(db.location))
        #expect(copied.head == head && copied.events == head.sequence && copied.tickets == 8 && copied.pools == 1)
        let reader = try LedgerReader.open(.postgres(db.location))
        let audit = try reader.audit(AuditOptions(expectedDigest: head))
        #expect(audit.ok, "\(audit.findings)")
        let stats = try reader.statistics()
        #expect(stats.ticketsIssued == sourceStats.ticketsIssued && stats.ticketsConsumed == sourceStats.ticketsConsumed)
        #expect(stats.usersStored == 4)
        reader.close()

        // The copy is a working ledger: the live ticket redeems once, a used one stays used.
        let clock = ManualClock(source.clock.now())
        let ledger = try Self.open(db, clock: clock, create: false)
        #expect(try ledger.redeem(ticket: issued[7].ticket.text, pool: Self.pool, secret: secret).document?.loginsCount == 1)
        #expect(try ledger.redeem(ticket: issued[7].ticket.text, pool: Self.pool, secret: secret).rejection?.reason == .alreadyConsumed)
        #expect(try ledger.userDocument(pool: Self.pool, user: .test("u0"))?.loginsCount == 1)
        let pgHead = try ledger.head()
        ledger.close()

        // Into a store that holds a ledger: refused, nothing written.
        #expect { try Ledger.copy(from: .directory(source.path), to: .postgres(db.location)) } throws: { error in
            guard case .invalidArgument(_, let reason)? = error as? LedgerError else { return false }
            return reason.contains("already holds a ledger")
        }

        // And back into a new directory: the PostgreSQL head's digest checks there.
        let back = source.root + "/back"
        let returned = try Ledger.copy(from: .postgres(db.location), to: .directory(back))
        #expect(returned.head == pgHead)
        let backReader = try LedgerReader.open(at: back)
        defer { backReader.close() }
        let backAudit = try backReader.audit(AuditOptions(expectedDigest: pgHead))
        #expect(backAudit.ok, "\(backAudit.findings)")
        #expect(try backReader.userReport(pool: Self.pool, user: .test("u9")).document?.loginsCount == 1)
    }

    @Test("copy refuses a source whose chain is broken and leaves nothing behind; backup of a PostgreSQL store is an LMDB copy")
    func copyRefusesBrokenChain() throws {
        let db = try TestPostgres.Database()
        let clock = ManualClock(TempStore.epoch)
        let ledger = try Self.open(db, clock: clock)
        _ = try Self.populate(ledger, clock: clock)
        let head = try ledger.head()
        let root = NSTemporaryDirectory() + "ticket-ledger-copy-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let backup = try ledger.backup(to: root + "/backup")
        #expect(backup.head == head && backup.bytes > 0)
        let backupReader = try LedgerReader.open(at: root + "/backup")
        #expect(try backupReader.audit(AuditOptions(expectedDigest: head)).ok)
        backupReader.close()
        ledger.close()

        try Self.tamper(db, "UPDATE ticket_ledger_events SET record = set_byte(record, 12, 255 - get_byte(record, 12)) WHERE seq = 4")
        #expect { try Ledger.copy(from: .postgres(db.location), to: .directory(root + "/copy")) } throws: { error in
            guard case .corrupted(_, let detail)? = error as? LedgerError else { return false }
            return detail.contains("event 4")
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/copy"))
    }

    @Test("the CLI: audit, digest, export, inspect, copy and backup take a postgres:// URL")
    func cli() throws {
        let db = try TestPostgres.Database()
        let clock = ManualClock(TempStore.epoch)
        let ledger = try Self.open(db, clock: clock)
        _ = try Self.populate(ledger, clock: clock)
        ledger.close()
        let url = db.location.description
        let digest = try CLI.run("digest", url)
        #expect(digest.status == 0, "\(digest.stderr)")
        let expected = digest.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var r = try CLI.run("audit", url, "--expect-digest", expected)
        #expect(r.status == 0 && r.stdout.hasPrefix("ok:"), "\(r.stdout) \(r.stderr)")
        r = try CLI.run("export", url)
        #expect(r.status == 0 && r.stdout.split(separator: "\n").count == Int(ChainHead(parsing: expected)?.sequence ?? 0), "\(r.stderr)")
        r = try CLI.run("inspect", url, "stats", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let root = NSTemporaryDirectory() + "ticket-ledger-copy-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        r = try CLI.run("copy", url, root + "/copy")
        #expect(r.status == 0 && r.stdout.hasPrefix("copied"), "\(r.stdout) \(r.stderr)")
        r = try CLI.run("audit", root + "/copy", "--expect-digest", expected)
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        r = try CLI.run("copy", root + "/copy", url)
        #expect(r.status == 2 && r.stderr.contains("already holds a ledger"), "\(r.stdout) \(r.stderr)")
    }

    @Test("a PostgreSQL store seals personal data: two hosts open it, no table holds it in the clear")
    func seals() throws {
        let db = try TestPostgres.Database()
        let a = try Self.open(db)
        defer { a.close() }
        let b = try Self.open(db, create: false)
        defer { b.close() }
        try a.configurePool(Self.pool, secret: secret)
        let issued = try a.issueTicket(IssueRequest(
            pool: Self.pool, user: .test("u-pg"), profile: UserProfile(nickname: "Nick-PG-5R", phone: "13712345678"), ip: "198.51.100.9",
            getPhone: true))
        let doc = try #require(try b.redeem(ticket: issued.ticket.text, pool: Self.pool, secret: secret).document)
        #expect(doc.nickname == "Nick-PG-5R" && doc.phone == "137xxxx5678" && doc.lastIP == "::ffff:198.51.100.9")
        #expect(try a.userDocument(pool: Self.pool, user: .test("u-pg")) == doc)
        let session = PostgresSession(location: db.location, logger: .init(label: "test"))
        defer { session.close() }
        /// Raises (and so throws) when any record holds `text`.
        func search(_ text: String) throws {
            let needle = "'\\x" + text.utf8.map { String(format: "%02x", $0) }.joined() + "'::bytea"
            try session.runSQL(
                """
                DO $$ BEGIN IF EXISTS (
                    SELECT 1 FROM ticket_ledger_events WHERE position(\(needle) IN record) > 0
                    UNION ALL SELECT 1 FROM ticket_ledger_tickets WHERE position(\(needle) IN record) > 0
                    UNION ALL SELECT 1 FROM ticket_ledger_users WHERE position(\(needle) IN record) > 0)
                THEN RAISE EXCEPTION 'found in the clear'; END IF; END $$
                """, "search")
        }
        #expect(throws: (any Error).self, "the search finds what is in the clear: the user id") { try search("u-pg") }
        for text in ["Nick-PG-5R", "13712345678", "198.51.100.9"] {
            #expect(throws: Never.self, "\(text) is in no row") { try search(text) }
        }
        #expect(try a.audit().ok)
    }
}
