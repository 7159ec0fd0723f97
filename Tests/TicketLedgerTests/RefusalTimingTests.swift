import Foundation
import LMDB
import Testing
@testable import TicketLedger

/// Every refusal takes the same path in time: a made-up ticket is answered only after a
/// commit, as a real ticket refused for its secret is (whose refusal is recorded), so the
/// time of the answer does not tell them apart (`Benchmarks/http/refusal-timing.py` measures it).
@Suite("Refusal timing")
struct RefusalTimingTests {
    static func transactionID(_ ledger: Ledger) throws -> Int {
        try ledger.lmdb.environment.info().lastTransactionID
    }

    @Test("a refusal commits a transaction whether the ticket is real, made up, malformed or of another pool",
          arguments: ["real", "madeUp", "malformed", "otherPool"])
    func everyRefusalCommits(kind: String) throws {
        let store = try TempStore(durability: .durable)
        let pool = PoolID.test("p1")
        let issued = try store.ledger.seed(pool: pool, tickets: 1)
        try store.ledger.configurePool(.test("p2"), secret: secret)
        let madeUp = "tl1.\(String(format: "%016llx", issued[0].ticket.locator.sequence)).q83vEjRWeJCrze8SNFZ4kA"
        let (ticket, askedPool): (String, PoolID) = switch kind {
        case "real": (issued[0].ticket.text, pool)
        case "madeUp": (madeUp, pool)
        case "malformed": ("nonsense", pool)
        default: (issued[0].ticket.text, .test("p2"))
        }
        let before = try Self.transactionID(store.ledger)
        let outcome = try store.ledger.redeem(ticket: ticket, pool: askedPool, secret: "not-the-secret")
        #expect(outcome.document == nil)
        #expect(try Self.transactionID(store.ledger) == before + 1, "the refusal of a \(kind) ticket was answered without a commit")
    }
}
