import Testing
@testable import TicketLedger

/// A user id is its bytes: ids that Swift's `String` holds equal (canonically equivalent
/// spellings) but whose UTF-8 differs are different users, in the writer's memory, in the
/// store's keys and in replay alike.
@Suite("User identity")
struct UserIdentityTests {
    let pool = PoolID.test("pool-a")
    /// U+212A KELVIN SIGN and "K"; "é" precomposed and "e" + U+0301.
    static let lookalikes: [(String, String)] = [("\u{212A}", "K"), ("\u{E9}", "e\u{301}")]

    @Test("canonically equivalent ids with different bytes are two users, before and after a restart and in the audit",
          arguments: [true, false])
    func equivalentSpellingsAreDistinct(checkpointing: Bool) throws {
        let store = try AuditStore()
        let ledger = try store.live
        try ledger.configurePool(pool, secret: secret)
        var expected: [(UserID, UInt64)] = []
        for (index, (first, second)) in Self.lookalikes.enumerated() {
            #expect(first == second, "the test needs ids Swift's String holds equal")
            let a = UserID.test(first), b = UserID.test(second)
            #expect(a != b)
            #expect(Set([a, b]).count == 2)
            // a logs in once, b logs in index + 2 times.
            for (user, logins) in [(a, 1), (b, index + 2)] {
                for _ in 0..<logins {
                    let issued = try ledger.issueTicket(IssueRequest(pool: pool, user: user, ip: "10.0.0.1"))
                    #expect(try ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret).document?.id == user.rawValue)
                }
                expected.append((user, UInt64(logins)))
            }
        }
        func check(_ ledger: Ledger, _ moment: String) throws {
            for (user, logins) in expected {
                let document = try ledger.userDocument(pool: pool, user: user)
                #expect(document?.loginsCount == logins, "\(moment): \(Array(user.rawValue.unicodeScalars))")
                #expect(document.map { Array($0.id.utf8) } == Array(user.rawValue.utf8), "\(moment)")
            }
        }
        try check(ledger, "live")
        if checkpointing { ledger.close() } else { ledger.close(checkpointing: false) }
        store.close()
        try check(try store.live, "reopened")
        let report = try store.audit()
        #expect(report.ok, "\(report.findings)")
    }
}
