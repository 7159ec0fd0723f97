import Foundation
import Testing
@testable import TicketLedger

/// Every argument out of bounds is refused with a message naming it — through the library and
/// through the CLI (exit 2) — before anything is written.
@Suite("Validation")
struct ValidationTests {
    static let long = String(repeating: "x", count: 300)

    @Test("the library refuses ids, profile fields, IPs, lifetimes and secrets out of bounds")
    func library() throws {
        let store = try TempStore()
        let pool = PoolID.test("v")
        try store.ledger.configurePool(pool, policy: PoolPolicy(), secret: secret)
        let refused: [(String, () throws -> Void)] = [
            ("empty pool id", { _ = try PoolID("") }),
            ("65-byte pool id", { _ = try PoolID(String(repeating: "a", count: 65)) }),
            ("pool id with a space", { _ = try PoolID("a b") }),
            ("empty user id", { _ = try UserID("") }),
            ("129-byte user id", { _ = try UserID(String(repeating: "u", count: 129)) }),
            ("user id with a control character", { _ = try UserID("a\u{7}b") }),
            ("IPv4 with 3 parts", { _ = try IPAddress("1.2.3") }),
            ("IPv4 out of range", { _ = try IPAddress("300.1.1.1") }),
            ("IP with a NUL", { _ = try IPAddress("1.2.3.4\u{0}") }),
            ("IP of 46 bytes", { _ = try IPAddress(String(repeating: "1", count: 46)) }),
            ("2049-byte photo", { try UserProfile(photo: String(repeating: "p", count: 2049)).validate() }),
            ("257-byte nickname", { try UserProfile(nickname: String(repeating: "n", count: 257)).validate() }),
            ("phone with letters", { try UserProfile(phone: "176abc").validate() }),
            ("nickname with a NUL", { try UserProfile(nickname: "a\u{0}").validate() }),
            ("lifetime 0 s", { try store.ledger.configurePool(pool, policy: PoolPolicy(ticketLifetime: .zero), secret: secret) }),
            ("lifetime over a day", { try store.ledger.configurePool(pool, policy: PoolPolicy(ticketLifetime: .seconds(86_401)), secret: secret) }),
            ("secret of 1025 bytes", { try store.ledger.configurePool(pool, secret: String(repeating: "s", count: 1025)) }),
            ("issue with a bad IP", { _ = try store.ledger.issueTicket(IssueRequest(pool: pool, user: .test("u"), ip: "nope")) }),
            ("issue with a long company", {
                _ = try store.ledger.issueTicket(IssueRequest(pool: pool, user: .test("u"), profile: UserProfile(company: Self.long)))
            }),
        ]
        let other = store.root + "/other"
        #expect(throws: LedgerError.self, "a negative map size") {
            _ = try Ledger.open(at: other, create: true, options: .init(initialMapSize: -1))
        }
        for (name, body) in refused {
            #expect(throws: LedgerError.self, "\(name)") { try body() }
        }
        let head = try store.ledger.head().sequence
        // A ticket of any length or shape is a rejection value, never an error or a write.
        for text in ["", String(repeating: "t", count: 100_000), "tl1.zzzzzzzzzzzzzzzz.AAAAAAAAAAAAAAAAAAAAAA"] {
            #expect(try store.ledger.redeem(ticket: text, pool: pool, secret: secret).rejection?.reason == .malformed)
        }
        #expect(try store.ledger.head().sequence == head, "nothing refused was written")
    }

    @Test("the CLI refuses out-of-bounds arguments with exit 2 and a message naming them",
          .enabled(if: FileManager.default.isExecutableFile(atPath: CLI.executable.path), "build the CLI first"))
    func cli() throws {
        let store = try TempStore()
        store.clock.set(SystemClock().now())
        try store.ledger.configurePool(.test("p"), policy: PoolPolicy(), secret: secret)
        store.ledger.close()
        let d = store.path
        let keys = ["--issue-key", String(repeating: "i", count: 16), "--token-key", String(repeating: "t", count: 32)]
        let cases: [(arguments: [String], hint: String)] = [
            (["issue", d, "--pool", "p", "--user", "u", "--count", "0"], "--count"),
            (["issue", d, "--pool", "p", "--user", "u", "--count=-5"], "--count"),
            (["issue", d, "--pool", "p", "--user", "u", "--users", "2"], "--users"),
            (["issue", d, "--pool", "p", "--user", "u", "--count", "2", "--users", "0"], "--users"),
            (["issue", d, "--pool", "p", "--user", String(repeating: "u", count: 129)], "user"),
            (["issue", d, "--pool", "p", "--user", "u", "--ip", "300.1.1.1"], "ip"),
            (["issue", d, "--pool", "p", "--user", "u", "--nickname", Self.long], "nickname"),
            (["issue", d, "--pool", "p", "--user", "u", "--phone", "call me"], "phone"),
            (["issue", d, "--pool", "bad pool", "--user", "u"], "pool"),
            (["pool", "configure", d, "--pool", "p", "--lifetime", "86401", "--secret", "s"], "--lifetime"),
            (["pool", "configure", d, "--pool", String(repeating: "a", count: 65), "--secret", "s"], "pool"),
            (["pool", "configure", d, "--pool", "p", "--secret", String(repeating: "s", count: 1025)], "secret"),
            (["redeem", d, "--pool", "p"], "--ticket"),
            (["bench", "--workers", "0"], "positive"),
            (["bench", "--workers", "5000"], "--workers"),
            (["bench", "--tickets=-1"], "positive"),
            (["bench", "--contention", "2000"], "--contention"),
            (["bench", "--tickets", "1000000000"], "--tickets"),
            (["export", d, "--from", "0"], "--from"),
            (["export", d, "--from", "5", "--to", "4"], "--from"),
            (["export", d, "--from", "x"], "from"),
            (["audit", d, "--expect-digest", "12:zz"], "--expect-digest"),
            (["inspect", d, "ticket", "nope"], "ticket"),
            (["inspect", d, "what"], "inspect"),
            (["serve", d, "--port", "70000"] + keys, "port"),
            (["serve", d, "--max-body", "10"] + keys, "body"),
            (["serve", d, "--token-lifetime", "0"] + keys, "lifetime"),
            (["backup", d, d], "DESTINATION"),
        ]
        for (arguments, hint) in cases {
            let r = try Child.run(arguments, timeout: 60)
            #expect(r.status == 2 && !r.signaled, "\(arguments.prefix(3)): \(r)")
            #expect(r.stderr.contains(hint), "\(arguments.prefix(3)) should name \(hint): \(r.stderr.prefix(300))")
        }
        // Nothing refused was written.
        let reader = try LedgerReader.open(at: d)
        defer { reader.close() }
        #expect(try reader.head().sequence == 1)
    }
}
