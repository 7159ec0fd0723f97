import Foundation
import Testing
@testable import TicketLedger

/// Tickets that leak nothing (issue 18, item 4): the text shows the locator under the store's
/// keyed permutation, not the issue sequence; old `tl1.` tickets still redeem.
@Suite("Ticket texts leak nothing")
struct TicketTextTests {
    static let pool = PoolID.test("pool-t")

    @Test("the cipher is a permutation: it opens what it seals, and 10,000 consecutive locators seal to 10,000 values")
    func permutation() {
        let cipher = LocatorCipher.random()
        var seen = Set<UInt64>()
        for sequence in UInt64(1)...10_000 {
            let sealed = cipher.seal(sequence)
            #expect(cipher.open(sealed) == sequence)
            seen.insert(sealed)
        }
        #expect(seen.count == 10_000)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let v: UInt64 = rng.next()
            #expect(cipher.seal(cipher.open(v)) == v)
        }
        #expect(LocatorCipher(key: [1, 2, 3]) == nil)
    }

    @Test("a tl2 text parses back with its store's key, and only with it")
    func keyedText() throws {
        let cipher = LocatorCipher.random()
        let ticket = Ticket.random(at: TicketLocator(sequence: 42), cipher: cipher)
        #expect(ticket.text.hasPrefix("tl2."))
        #expect(ticket.text.utf8.count == Ticket.textLength)
        #expect(Ticket(ticket.text, cipher: cipher) == ticket)
        #expect(Ticket(ticket.text, cipher: cipher)?.text == ticket.text)
        #expect(Ticket(ticket.text) == nil, "a tl2 text needs the key")
        #expect(Ticket(ticket.text, cipher: LocatorCipher.random())?.locator != ticket.locator)
        #expect(Ticket.isWellFormed(ticket.text))
    }

    @Test("consecutive tickets' texts reveal no order: not the sequence, not rising, no constant step")
    func consecutiveTickets() throws {
        let store = try TempStore()
        let issued = try store.ledger.seed(pool: Self.pool, tickets: 200)
        let shown = try issued.map { t -> UInt64 in
            #expect(t.ticket.text.hasPrefix("tl2."))
            let digits = String(t.ticket.text.dropFirst(4).prefix(16))
            #expect(!digits.hasPrefix("00000000"), "the digits look like a small sequence: \(digits)")
            return try #require(UInt64(digits, radix: 16))
        }
        #expect(zip(shown, issued).allSatisfy { $0 != $1.ticket.locator.sequence })
        let rising = zip(shown, shown.dropFirst()).filter { $0 < $1 }.count
        #expect((40...160).contains(rising), "\(rising) of 199 steps rise: the order shows")
        #expect(Set(zip(shown, shown.dropFirst()).map { $1 &- $0 }).count == 199, "a step repeats")
        // Each still redeems, and the reader finds it by its text.
        for t in issued.prefix(5) {
            #expect(try store.ledger.locator(ofTicket: t.ticket.text) == t.ticket.locator)
            #expect(try store.ledger.redeem(ticket: t.ticket.text, pool: Self.pool, secret: secret).document != nil)
        }
    }

    @Test("two stores seal the same sequence differently; the key survives a reopen and a backup")
    func perStoreKey() throws {
        let a = try TempStore(), b = try TempStore()
        let ta = try a.ledger.seed(pool: Self.pool, tickets: 2)
        let tb = try b.ledger.seed(pool: Self.pool, tickets: 2)
        #expect(ta[1].ticket.locator == tb[1].ticket.locator)
        #expect(ta[1].ticket.text.prefix(20) != tb[1].ticket.text.prefix(20))
        // Another store's key opens the text to another locator (or a made-up ticket): unknown.
        #expect(try a.ledger.redeem(ticket: tb[1].ticket.text, pool: Self.pool, secret: secret).rejection?.reason == .unknown)

        let backup = a.root + "/backup"
        _ = try a.ledger.backup(to: backup)
        try a.reopen()
        #expect(try a.ledger.redeem(ticket: ta[0].ticket.text, pool: Self.pool, secret: secret).document != nil)
        let restored = try Ledger.open(at: backup, options: .init(durability: .none), clock: a.clock)
        defer { restored.close() }
        #expect(try restored.redeem(ticket: ta[1].ticket.text, pool: Self.pool, secret: secret).document != nil)
    }

    @Test("a ticket's old tl1 text still redeems (tickets issued before the key), once")
    func oldForm() throws {
        let store = try TempStore()
        let issued = try store.ledger.seed(pool: Self.pool, tickets: 1)[0]
        let old = Ticket(locator: issued.ticket.locator, verifier: issued.ticket.verifier).text
        #expect(old.hasPrefix("tl1."))
        #expect(try store.ledger.locator(ofTicket: old) == issued.ticket.locator)
        #expect(try store.ledger.redeem(ticket: old, pool: Self.pool, secret: secret).document != nil)
        #expect(try store.ledger.redeem(ticket: issued.ticket.text, pool: Self.pool, secret: secret).rejection?.reason == .alreadyConsumed)
    }
}
