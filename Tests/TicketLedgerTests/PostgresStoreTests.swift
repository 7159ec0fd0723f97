import Logging
import Dispatch
import Foundation
import Synchronization
import Testing
@testable import TicketLedger

/// The PostgreSQL store: the same ledger, its rules held by the database across "hosts"
/// (several `Ledger`s on one database). Needs the server `scripts/test` starts.
@Suite(
    "PostgreSQL store", .serialized,  // one test restarts the server
    .enabled(if: TestPostgres.available || TestPostgres.requiredButMissing, "no test PostgreSQL: run scripts/test"))
struct PostgresStoreTests {
    static let pool = PoolID.test("app1")

    static func open(_ db: TestPostgres.Database, clock: ManualClock? = nil, create: Bool = true) throws -> Ledger {
        try Ledger.open(postgres: db.location, create: create, clock: clock ?? ManualClock(TempStore.epoch))
    }

    @Test("issue, redeem once, a second redeem is refused and recorded; the state survives a reopen")
    func walk() throws {
        let db = try TestPostgres.Database()
        let clock = ManualClock(TempStore.epoch)
        var ledger = try Self.open(db, clock: clock)
        try ledger.configurePool(Self.pool, secret: secret)
        var profile = UserProfile()
        profile.nickname = "Ann"
        profile.phone = "17612346754"
        let issued = try ledger.issueTicket(IssueRequest(pool: Self.pool, user: .test("u1"), profile: profile, ip: "192.168.0.106", getPhone: true))
        clock.advance(by: .seconds(1))
        let document = try #require(try ledger.redeem(ticket: issued.ticket.text, pool: Self.pool, secret: secret).document)
        #expect(document.loginsCount == 1)
        #expect(document.lastIP == "::ffff:192.168.0.106")
        #expect(document.phone == "176xxxx6754")
        #expect(try ledger.redeem(ticket: issued.ticket.text, pool: Self.pool, secret: secret).rejection?.reason == .alreadyConsumed)
        #expect(try ledger.redeem(ticket: issued.ticket.text, pool: Self.pool, secret: "wrong").rejection?.reason == .secretMismatch)
        #expect(try ledger.head().sequence == 6)  // … the replay revoked the consume's tokens (TokensRevoked)
        ledger.close()

        ledger = try Self.open(db, clock: clock, create: false)
        defer { ledger.close() }
        #expect(try ledger.head().sequence == 6)
        #expect(try ledger.userDocument(pool: Self.pool, user: .test("u1"))?.loginsCount == 1)
        #expect(try ledger.ticketState(issued.ticket.locator)?.status == .consumed)
        #expect(try ledger.redeem(ticket: issued.ticket.text, pool: Self.pool, secret: secret).rejection?.reason == .alreadyConsumed)
        let second = try ledger.issueTicket(IssueRequest(pool: Self.pool, user: .test("u1")))
        #expect(second.ticket.locator.sequence == 8)  // after the recorded alreadyConsumed (7)
        #expect(try ledger.redeem(ticket: second.ticket.text, pool: Self.pool, secret: secret).document?.loginsCount == 2)
    }

    @Test("8 threads on each of two ledgers (two hosts) race for every ticket: exactly one winner each")
    func raceAcrossHosts() throws {
        let db = try TestPostgres.Database()
        let a = try Self.open(db)
        let b = try Self.open(db, create: false)
        defer { a.close(); b.close() }
        let tickets = try a.seed(pool: Self.pool, tickets: 300, users: 50)
        let wins = Atomic<Int>(0)
        let errors = Atomic<Int>(0)
        let done = DispatchGroup()
        for worker in 0..<16 {
            // Threads of their own (not the 2 of a 2-core concurrentPerform): 8 per ledger block at once.
            done.enter()
            let thread = Thread {
                let ledger = worker % 2 == 0 ? a : b
                for ticket in tickets {
                    do {
                        if case .redeemed = try ledger.redeem(ticket: ticket.ticket.text, pool: Self.pool, secret: secret) {
                            wins.add(1, ordering: .relaxed)
                        }
                    } catch {
                        errors.add(1, ordering: .relaxed)
                    }
                }
                done.leave()
            }
            thread.start()
        }
        done.wait()
        #expect(errors.load(ordering: .relaxed) == 0)
        #expect(wins.load(ordering: .relaxed) == tickets.count)
        var logins: UInt64 = 0
        for u in 0..<50 { logins += try b.userDocument(pool: Self.pool, user: .test("u\(u)"))?.loginsCount ?? 0 }
        #expect(logins == UInt64(tickets.count))
    }

    @Test("without group commit (one transaction per call, on the callers' threads) 8 threads still find one winner per ticket")
    func naiveWriters() throws {
        let db = try TestPostgres.Database()
        try Self.open(db).close()
        let ledger = try Ledger.open(postgres: db.location, options: Ledger.Options(groupCommit: false), clock: ManualClock(TempStore.epoch))
        defer { ledger.close() }
        let tickets = try ledger.seed(pool: Self.pool, tickets: 50)
        let wins = Atomic<Int>(0)
        let errors = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for ticket in tickets {
                do {
                    if case .redeemed = try ledger.redeem(ticket: ticket.ticket.text, pool: Self.pool, secret: secret) {
                        wins.add(1, ordering: .relaxed)
                    }
                } catch {
                    errors.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(errors.load(ordering: .relaxed) == 0)
        #expect(wins.load(ordering: .relaxed) == tickets.count)
    }

    @Test("400 async tasks race for 100 tickets: exactly one winner each")
    func asyncRace() async throws {
        let db = try TestPostgres.Database()
        let ledger = try Self.open(db)
        defer { ledger.close() }
        let tickets = try ledger.seed(pool: Self.pool, tickets: 100)
        let wins = await withTaskGroup(of: Int.self) { group in
            for i in 0..<400 {
                let ticket = tickets[i % tickets.count]
                group.addTask {
                    guard case .redeemed? = try? await ledger.redeem(ticket: ticket.ticket.text, pool: Self.pool, secret: secret) else { return 0 }
                    return 1
                }
            }
            return await group.reduce(0, +)
        }
        #expect(wins == tickets.count)
    }

    @Test("expiry at the edge, then the sweep expires and purges after the grace")
    func expiry() throws {
        let db = try TestPostgres.Database()
        let clock = ManualClock(TempStore.epoch)
        let ledger = try Self.open(db, clock: clock)
        defer { ledger.close() }
        let tickets = try ledger.seed(pool: Self.pool, tickets: 3)
        clock.advance(by: .milliseconds(119_999))
        #expect(try ledger.redeem(ticket: tickets[0].ticket.text, pool: Self.pool, secret: secret).document != nil)
        clock.advance(by: .milliseconds(1))
        #expect(try ledger.redeem(ticket: tickets[1].ticket.text, pool: Self.pool, secret: secret).rejection?.reason == .expired)
        #expect(try ledger.expireDue() == 2)
        #expect(try ledger.ticketState(tickets[2].ticket.locator)?.status == .expired)
        clock.advance(by: .seconds(301))
        #expect(try ledger.expireDue() == 0)
        for t in tickets { #expect(try ledger.ticketState(t.ticket.locator) == nil) }
        #expect(try ledger.redeem(ticket: tickets[0].ticket.text, pool: Self.pool, secret: secret).rejection?.reason == .unknown)
    }

    @Test("one ticket's refusals: counted in its record, the first few logged, then one summary per 1,000 and one at the purge")
    func refusalsBounded() throws {
        let db = try TestPostgres.Database()
        let clock = ManualClock(TempStore.epoch)
        var ledger = try Self.open(db, clock: clock)
        let ticket = try ledger.seed(pool: Self.pool, tickets: 1)[0]
        let n = Rules.loggedRefusalsPerTicket + Rules.refusalsPerSummary + 5
        for _ in 0..<n {
            #expect(try ledger.redeem(ticket: ticket.ticket.text, pool: Self.pool, secret: "wrong").rejection?.reason == .secretMismatch)
        }
        ledger.close()
        ledger = try Self.open(db, clock: clock, create: false)
        defer { ledger.close() }
        #expect(try ledger.ticketState(ticket.ticket.locator)?.refusals == n)
        // 1 pool + 1 issue + the logged refusals + one summary, not n events.
        #expect(try ledger.head().sequence == 2 + Rules.loggedRefusalsPerTicket + 1)
        clock.advance(by: .seconds(120) + Ledger.ticketGracePeriod)
        let sweep = try ledger.sweep()
        #expect(sweep.expired == 1 && sweep.purged == 1)
        // The expiry, the summary of the last 5, the purge.
        #expect(try ledger.head().sequence == 2 + Rules.loggedRefusalsPerTicket + 1 + 3)
    }

    @Test("the database refuses a second consume event of a ticket, whatever a writer does")
    func uniqueConsume() throws {
        let db = try TestPostgres.Database()
        let ledger = try Self.open(db)
        let tickets = try ledger.seed(pool: Self.pool, tickets: 1)
        #expect(try ledger.redeem(ticket: tickets[0].ticket.text, pool: Self.pool, secret: secret).document != nil)
        ledger.close()
        let session = PostgresSession(location: db.location, logger: .init(label: "test"))
        defer { session.close() }
        let locator = tickets[0].ticket.locator.sequence
        #expect(throws: LedgerError.self) {
            try session.runSQL(
                "INSERT INTO ticket_ledger_events VALUES (1000, \(EventCodec.Kind.ticketConsumed.rawValue), \(locator), '\\x00')",
                "forge a second consume")
        }
    }

    @Test("a schema newer than this build is refused as newerFormat; an empty database as notAStore")
    func schemaVersions() throws {
        let db = try TestPostgres.Database()
        #expect { try Self.open(db, create: false) } throws: { error in
            guard case .notAStore? = error as? LedgerError else { return false }
            return true
        }
        try Self.open(db).close()
        let session = PostgresSession(location: db.location, logger: .init(label: "test"))
        defer { session.close() }
        try session.runSQL("UPDATE ticket_ledger_meta SET schema = 99", "pretend a newer build")
        #expect(throws: LedgerError.newerFormat(path: db.location.description, found: 99, supported: UInt16(PostgresSchema.version))) {
            try Self.open(db, create: false)
        }
    }

    @Test("a schema 1 database (before the ticket-text key) is upgraded on open, and its hosts share one key")
    func upgradeFromSchema1() throws {
        let db = try TestPostgres.Database()
        let first = try Self.open(db)
        let old = try first.seed(pool: Self.pool, tickets: 1)[0]
        first.close()
        let session = PostgresSession(location: db.location, logger: .init(label: "test"))
        defer { session.close() }
        try session.runSQL("DROP TABLE ticket_ledger_secrets", "pretend schema 1")
        try session.runSQL("UPDATE ticket_ledger_meta SET schema = 1", "pretend schema 1")
        let a = try Self.open(db, create: false)
        defer { a.close() }
        let b = try Self.open(db, create: false)
        defer { b.close() }
        #expect(try PostgresSchema.installedVersion(session) == PostgresSchema.version)
        // A ticket issued before the key (its tl1 text) still redeems; new ones are tl2, on either host.
        let oldText = Ticket(locator: old.ticket.locator, verifier: old.ticket.verifier).text
        #expect(try b.redeem(ticket: oldText, pool: Self.pool, secret: secret).document != nil)
        let fresh = try a.issueTicket(IssueRequest(pool: Self.pool, user: .test("u9")))
        #expect(fresh.ticket.text.hasPrefix("tl2."))
        #expect(try b.redeem(ticket: fresh.ticket.text, pool: Self.pool, secret: secret).document != nil)
    }

    @Test("a database that cannot be reached is storeUnavailable, and the URL's password is refused")
    func unreachable() throws {
        var location = try PostgresLocation(url: "postgres://nobody@127.0.0.1:1/none", environment: [:])
        location.password = nil
        #expect { try Ledger.open(postgres: location) } throws: { error in
            guard case .storeUnavailable? = error as? LedgerError else { return false }
            return true
        }
        #expect(throws: LedgerError.self) { try PostgresLocation(url: "postgres://u:secret@h/db", environment: [:]) }
        let parsed = try PostgresLocation(url: "postgresql://app@db.example:6543/tickets?sslmode=require", environment: ["PGPASSWORD": "pw"])
        #expect(parsed.description == "postgres://app@db.example:6543/tickets")
        #expect(parsed.requireTLS)
        #expect(parsed.password == "pw")
        #expect(!parsed.description.contains("pw"))
    }

    @Test("the database restarts mid-run: calls meet a clear error or succeed, the ledger reconnects by itself, nothing acknowledged lost")
    func serverRestart() throws {
        // A server of its own: the other tests (in other suites too) go on using the shared one.
        let server = try TestPostgres.PrivateServer()
        let directory = server.directory
        let db = try TestPostgres.Database(server: server.url)
        let ledger = try Self.open(db)
        defer { ledger.close() }
        let tickets = try ledger.seed(pool: Self.pool, tickets: 40, users: 40)
        var acknowledged = Set<Int>()
        for i in 0..<10 {
            if case .redeemed = try ledger.redeem(ticket: tickets[i].ticket.text, pool: Self.pool, secret: secret) { acknowledged.insert(i) }
        }
        try TestPostgres.restart(directory)
        var otherErrors: [String] = []
        var unavailable = 0
        var uncertain = Set<Int>()  // a COMMIT lost with its connection: it may have happened
        for i in 10..<tickets.count {
            for _ in 0..<50 where !acknowledged.contains(i) {
                do {
                    switch try ledger.redeem(ticket: tickets[i].ticket.text, pool: Self.pool, secret: secret) {
                    case .redeemed: acknowledged.insert(i)
                    case .rejected(let why) where why.reason == .alreadyConsumed && uncertain.contains(i):
                        acknowledged.insert(i)  // the lost COMMIT had happened: a retry says so
                    case .rejected(let why): otherErrors.append("ticket \(i): \(why.reason)")
                    }
                } catch .storeUnavailable {
                    unavailable += 1
                    Thread.sleep(forTimeInterval: 0.1)
                } catch .commitOutcomeUnknown {
                    unavailable += 1
                    uncertain.insert(i)
                } catch {
                    otherErrors.append("ticket \(i): \(error)")
                }
                if !otherErrors.isEmpty { break }
            }
        }
        #expect(otherErrors.isEmpty, "\(otherErrors)")
        #expect(acknowledged.count == tickets.count, "\(unavailable) calls met the store unavailable")
        var logins: UInt64 = 0
        for u in 0..<40 { logins += try ledger.userDocument(pool: Self.pool, user: .test("u\(u)"))?.loginsCount ?? 0 }
        #expect(logins == UInt64(tickets.count))
        for t in tickets { #expect(try ledger.ticketState(t.ticket.locator)?.status == .consumed) }
        ledger.close()
        server.stop()
    }
}
