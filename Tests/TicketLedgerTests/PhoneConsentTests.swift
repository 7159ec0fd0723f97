import Foundation
import Testing
@testable import TicketLedger

/// A phone number given without `getPhone` never reaches the disk: it is dropped before the
/// `TicketIssued` event is made.
@Suite("Phone consent")
struct PhoneConsentTests {
    /// Whether any file of the store holds `needle`'s bytes.
    static func storeHolds(_ path: String, _ needle: String) throws -> Bool {
        let bytes = Data(needle.utf8)
        return try FileManager.default.contentsOfDirectory(atPath: path).contains { name in
            try Data(contentsOf: URL(fileURLWithPath: path + "/" + name)).range(of: bytes) != nil
        }
    }

    @Test("issued without getPhone: the phone is in no event, no projection, no file of the store; with getPhone it is kept, sealed: in no file in the clear")
    func phoneWithoutConsentNeverStored() throws {
        let store = try TempStore()
        let pool = PoolID.test("p1")
        try store.ledger.configurePool(pool, secret: secret)
        let profile = UserProfile(nickname: "Ann", phone: "13999887766")
        let issued = try store.ledger.issueTicket(IssueRequest(pool: pool, user: .test("u1"), profile: profile, ip: "10.0.0.1", getPhone: false))
        var events: [String] = []
        try store.ledger.exportEvents { event in events.append(String(decoding: try JSONEncoder().encode(event), as: UTF8.self)) }
        #expect(!events.joined().contains("13999887766"), "\(events)")
        let document = try #require(try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret).document)
        #expect(document.phone == "")
        store.ledger.close()
        #expect(try !Self.storeHolds(store.path, "13999887766"))

        let consenting = try TempStore()
        try consenting.ledger.configurePool(pool, secret: secret)
        let kept = try consenting.ledger.issueTicket(IssueRequest(pool: pool, user: .test("u1"), profile: profile, ip: "10.0.0.1", getPhone: true))
        #expect(try consenting.ledger.redeem(ticket: kept.ticket.text, pool: pool, secret: secret).document?.phone == "139xxxx7766")
        consenting.ledger.close()
        #expect(try !Self.storeHolds(consenting.path, "13999887766"), "sealed under the user's key")
        #expect(try !Self.storeHolds(consenting.path, "Ann"), "the nickname too")
    }
}
