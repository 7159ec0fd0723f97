import Foundation
import Logging
import ServiceLifecycle
import Testing
@testable import TicketLedger

/// The `async` forms of opening, configuring, sweeping and reading; the services that run
/// without an HTTP framework (`LedgerService`, `Sweeper`); `UserDocument` decoding.
@Suite("Async API and services")
struct AsyncAPITests {
    @Test("every async form answers as its blocking twin, from a task")
    func asyncForms() async throws {
        let root = NSTemporaryDirectory() + "ticket-ledger-async-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let clock = ManualClock(TempStore.epoch)
        let ledger = try await Ledger.open(at: root + "/store", create: true, options: .init(durability: .none), clock: clock)
        defer { ledger.close() }
        let pool = PoolID.test("app1")
        try await ledger.configurePool(pool, policy: PoolPolicy(ticketLifetime: .seconds(60)), secret: secret)
        let first = try await ledger.issueTicket(IssueRequest(pool: pool, user: .test("u1"), ip: "10.0.0.1"))
        let second = try await ledger.issueTicket(IssueRequest(pool: pool, user: .test("u2")))
        #expect(try await ledger.redeem(ticket: first.ticket.text, pool: pool, secret: secret).document?.loginsCount == 1)

        #expect(try await ledger.ticketState(first.ticket.locator)?.status == .consumed)
        #expect(try await ledger.userDocument(pool: pool, user: .test("u1"))?.lastIP == "::ffff:10.0.0.1")
        #expect(try await ledger.userDocument(pool: pool, user: .test("nobody")) == nil)
        let head = try await ledger.head()
        #expect(head.sequence == 4)
        #expect(try await ledger.statistics().events == 4)
        #expect(try await ledger.ticketReport(second.ticket.locator).history.count == 1)
        #expect(try await ledger.audit().ok)

        clock.advance(by: .seconds(61))
        #expect(try await ledger.expireDue(grace: .zero) == 1)
        let report = try await ledger.sweep(grace: .zero)
        #expect(report.expired == 0, "\(report)")
        await #expect(throws: LedgerError.self) { try await ledger.sweep(grace: .seconds(-1)) }
        // Both settled tickets are dropped (grace 0), by one sweep or the other.
        #expect(try await ledger.ticketState(first.ticket.locator) == nil)
        #expect(try await ledger.ticketState(second.ticket.locator) == nil)
    }

    @Test("LedgerService closes the ledger at graceful shutdown, after the services behind it; Sweeper sweeps without Hummingbird")
    func services() async throws {
        let store = try TempStore()
        let ledger = store.ledger
        let pool = PoolID.test("app1")
        try await ledger.configurePool(pool, policy: PoolPolicy(ticketLifetime: .seconds(1)), secret: secret)
        let issued = try await ledger.issueTicket(IssueRequest(pool: pool, user: .test("u1")))
        store.clock.advance(by: .seconds(2))

        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: LedgerService(ledger: ledger)),
                .init(service: Sweeper(ledger: ledger, interval: .milliseconds(20), grace: .seconds(600), logger: logger),
                      successTerminationBehavior: .ignore),
            ],
            logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // The sweeper expires the ticket past its lifetime.
            let deadline = ContinuousClock.now + .seconds(30)
            while try await ledger.ticketState(issued.ticket.locator)?.status != .expired, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await ledger.ticketState(issued.ticket.locator)?.status == .expired)
            // Still open until shutdown.
            #expect(try await ledger.head().sequence >= 3)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await #expect(throws: LedgerError.closed) { try await ledger.head() }
        await #expect(throws: LedgerError.closed) { try await ledger.configurePool(pool, secret: secret) }
        // Closed cleanly: the users checkpoint is at the head.
        let reader = try LedgerReader.open(at: store.path)
        defer { reader.close() }
        let audit = try await reader.audit()
        #expect(audit.ok && audit.usersCheckpoint == audit.head.sequence, "\(audit.usersCheckpoint) \(audit.head)")
    }

    @Test("UserDocument decodes from the JSON it encodes, with and without a last login")
    func userDocumentRoundTrip() throws {
        let store = try TempStore()
        let pool = PoolID.test("app1")
        let tickets = try store.ledger.seed(pool: pool, tickets: 2, users: 2)
        let redeemed = try #require(try store.ledger.redeem(ticket: tickets[0].ticket.text, pool: pool, secret: secret).document)
        let never = try #require(try store.ledger.userDocument(pool: pool, user: .test("u1")))
        #expect(never.lastLogin == nil)
        for document in [redeemed, never] {
            let json = try JSONEncoder().encode(document)
            #expect(try JSONDecoder().decode(UserDocument.self, from: json) == document)
        }
        let text = String(decoding: try JSONEncoder().encode(redeemed), as: UTF8.self)
        let broken = text.replacingOccurrences(of: redeemed.signedUp.iso8601, with: "2026-02-31T00:00:00.000Z")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(UserDocument.self, from: Data(broken.utf8)) }
    }

    @Test("Timestamp parses exactly the ISO 8601 form it writes", arguments: [
        Int64(0), 1_795_305_600_123, -86_400_001, 951_782_400_000, 253_402_300_799_999,
    ])
    func timestampISO8601(_ ms: Int64) {
        let moment = Timestamp(millisecondsSince1970: ms)
        #expect(Timestamp(iso8601: moment.iso8601) == moment, "\(moment.iso8601)")
        for bad in ["", "2026-11-22T00:00:00Z", "2026-11-22T00:00:00.000", "2026-13-01T00:00:00.000Z", "2026-11-22T24:00:00.000Z", "2026-11-22 00:00:00.000Z"] {
            #expect(Timestamp(iso8601: bad) == nil, "\(bad)")
        }
    }
}
