import Foundation
import Testing
@testable import TicketLedger

/// A fresh store in a unique temporary directory, removed when the value goes away.
final class TempStore {
    let root: String
    let path: String
    let clock: ManualClock
    private(set) var ledger: Ledger

    /// The moment every test clock starts at: 2026-11-22T00:00:00Z.
    static let epoch = Timestamp(millisecondsSince1970: 1_795_305_600_000)

    /// The store's kind; for PostgreSQL, its fresh database on the test server (dropped with it).
    let kind: StoreKind
    private let database: TestPostgres.Database?

    /// A fresh store of `kind`: a directory for LMDB (`path`), a new database on the test
    /// server for PostgreSQL (`path` is then unused).
    init(durability: Ledger.Durability = .none, kind: StoreKind = .lmdb) throws {
        root = NSTemporaryDirectory() + "ticket-ledger-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        path = root + "/store"
        clock = ManualClock(Self.epoch)
        self.kind = kind
        database = kind == .postgres ? try TestPostgres.Database() : nil
        ledger = try Ledger.open(
            database.map { .postgres($0.location) } ?? .directory(path), create: true, options: .init(durability: durability), clock: clock)
    }

    /// Where the store is.
    var location: StoreLocation { database.map { .postgres($0.location) } ?? .directory(path) }

    /// Closes and opens the store again, as a restarted server would.
    func reopen() throws {
        ledger.close()
        ledger = try Ledger.open(location, clock: clock)
    }

    deinit {
        ledger.close()
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// The stores a conformance test runs on: LMDB always, PostgreSQL with the test server
/// (`scripts/test` starts one; under CI its absence fails the PostgreSQL cases).
enum StoreKind: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case lmdb, postgres

    /// Every kind this run can test.
    static var all: [StoreKind] { TestPostgres.available || TestPostgres.requiredButMissing ? [.lmdb, .postgres] : [.lmdb] }

    var testDescription: String { rawValue }
}

extension PoolID {
    static func test(_ name: String) -> PoolID {
        do { return try PoolID(name) } catch { fatalError("bad test pool id \(name)") }
    }
}

extension UserID {
    static func test(_ name: String) -> UserID {
        do { return try UserID(name) } catch { fatalError("bad test user id \(name)") }
    }
}

let secret = "pool-secret"

extension Ledger {
    /// Configures `pool` with a secret and issues `count` tickets to users u0, u1, ….
    func seed(pool: PoolID, tickets count: Int, users: Int = 10, policy: PoolPolicy = PoolPolicy()) throws -> [IssuedTicket] {
        try configurePool(pool, policy: policy, secret: secret)
        return try (0..<count).map { i in
            try issueTicket(IssueRequest(pool: pool, user: .test("u\(i % users)"), ip: "10.0.0.\(i % 250)"))
        }
    }
}

extension Ledger {
    /// The LMDB writer of a ledger opened on a directory (tests look inside its environment).
    var lmdb: LedgerWriter<LMDBStore> {
        guard let writer = writer as? LedgerWriter<LMDBStore> else { fatalError("not an LMDB ledger") }
        return writer
    }
}

extension Ticket {
    /// A ticket at `locator` with a random verifier, in the old `tl1.` form (its text shows the locator).
    static func random(at locator: TicketLocator) -> Ticket {
        var rng = SystemRandomNumberGenerator()
        return Ticket(locator: locator, verifier: (rng.next(), rng.next()))
    }
}
