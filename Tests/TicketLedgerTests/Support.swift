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

    init(durability: Ledger.Durability = .none) throws {
        root = NSTemporaryDirectory() + "ticket-ledger-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        path = root + "/store"
        clock = ManualClock(Self.epoch)
        ledger = try Ledger.open(at: path, create: true, options: .init(durability: durability), clock: clock)
    }

    /// Closes and opens the store again, as a restarted server would.
    func reopen() throws {
        ledger.close()
        ledger = try Ledger.open(at: path, clock: clock)
    }

    deinit {
        ledger.close()
        try? FileManager.default.removeItem(atPath: root)
    }
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
