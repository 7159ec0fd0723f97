import Foundation
import Testing
@testable import TicketLedger

/// Forgetting a user (issue 18): the key destroyed, `UserForgotten` appended; the chain, the
/// audit and digests taken before hold; the fields are erased everywhere and gone from the files.
@Suite("Forget a user")
struct ForgetTests {
    static let pool = PoolID.test("pool-forget")
    static let alice = UserID.test("alice")
    static let profile = UserProfile(nickname: "Nick-F0RGET", phone: "13512345678", openid: "openid-F0RGET")

    @Test("forget: audit ok, an old digest checks, export and inspect erased, old tickets refused, the next login a new record", arguments: StoreKind.all)
    func forget(kind: StoreKind) throws {
        let store = try TempStore(durability: .durable, kind: kind)
        let ledger = store.ledger
        try ledger.configurePool(Self.pool, secret: "s3cret")
        let first = try ledger.issueTicket(IssueRequest(pool: Self.pool, user: Self.alice, profile: Self.profile, ip: "203.0.113.5", getPhone: true))
        #expect(try ledger.redeem(ticket: first.ticket.text, pool: Self.pool, secret: "s3cret").document?.nickname == "Nick-F0RGET")
        let pending = try ledger.issueTicket(IssueRequest(pool: Self.pool, user: Self.alice, profile: Self.profile, ip: "203.0.113.6"))
        _ = try ledger.issueTicket(IssueRequest(pool: Self.pool, user: .test("bob"), profile: UserProfile(nickname: "Bob-STAYS")))
        let digestBefore = try ledger.head()
        let key = try #require(try ledger.writer.personalKey(for: UserKey(pool: Self.pool, user: Self.alice)))

        let report = try ledger.forget(pool: Self.pool, user: Self.alice)
        #expect(report.sequence == digestBefore.sequence + 1 && report.keyGeneration == 1)
        #expect(try ledger.writer.personalKey(for: UserKey(pool: Self.pool, user: Self.alice)) == nil)
        #expect(try ledger.userDocument(pool: Self.pool, user: Self.alice) == nil)
        #expect(try ledger.userDocument(pool: Self.pool, user: .test("bob"))?.nickname == "Bob-STAYS", "others keep theirs")

        // The audit passes, and so does the digest taken before.
        #expect(try ledger.audit().ok)
        #expect(try ledger.audit(AuditOptions(expectedDigest: digestBefore)).ok)

        // Export and inspect: the issues erased, the forgetting logged.
        var exported: [LoggedEvent] = []
        try ledger.exportEvents { exported.append($0) }
        let issues = exported.filter { if case .ticketIssued(let e) = $0.event { e.user == Self.alice } else { false } }
        #expect(issues.count == 2 && issues.allSatisfy(\.erased))
        let json = try exported.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }.joined(separator: "\n")
        #expect(json.contains("\"erased\":true") && json.contains("UserForgotten"))
        for text in ["Nick-F0RGET", "13512345678", "203.0.113"] { #expect(!json.contains(text)) }
        let inspected = try ledger.userReport(pool: Self.pool, user: Self.alice)
        #expect(inspected.document == nil && inspected.history.filter(\.erased).count == 2)

        // A ticket issued before is refused; a new one starts a new record under a new key.
        #expect(try ledger.redeem(ticket: pending.ticket.text, pool: Self.pool, secret: "s3cret").rejection?.reason == .unknown)
        store.clock.advance(by: .seconds(5))
        let next = try ledger.issueTicket(IssueRequest(pool: Self.pool, user: Self.alice, profile: UserProfile(nickname: "Back-Again"), ip: "198.51.100.1"))
        let doc = try #require(try ledger.redeem(ticket: next.ticket.text, pool: Self.pool, secret: "s3cret").document)
        #expect(doc.loginsCount == 1 && doc.nickname == "Back-Again" && doc.phone == "" && doc.signedUp == store.clock.now())
        #expect(try ledger.writer.personalKey(for: UserKey(pool: Self.pool, user: Self.alice))?.generation == 2)
        #expect(try ledger.audit().ok)

        // Forgotten twice: a new key destroyed; then nothing left to do. An unknown user is refused.
        #expect(try ledger.forget(pool: Self.pool, user: Self.alice).keyGeneration == 2)
        #expect(try ledger.forget(pool: Self.pool, user: Self.alice).sequence == nil)
        #expect(throws: LedgerError.invalidArgument("user", "pool 'pool-forget' has no user 'nobody'")) {
            try ledger.forget(pool: Self.pool, user: .test("nobody"))
        }
        try store.reopen()
        #expect(try store.ledger.audit().ok)
        #expect(try store.ledger.audit(AuditOptions(expectedDigest: digestBefore)).ok)

        guard kind == .lmdb else { return }
        store.ledger.close()
        for text in ["Nick-F0RGET", "13512345678", "openid-F0RGET", "203.0.113.5", "Back-Again"] {
            #expect(try !Self.filesHold(store.path, Array(text.utf8)), "\(text)")
        }
        #expect(try !Self.filesHold(store.path, key.bytes), "the destroyed key is in no file")
        #expect(try Self.filesHold(store.path, Array("Bob".utf8)) == false, "sealed too")
        #expect(try Self.filesHold(store.path, Array("bob".utf8)), "the search finds what is in the clear: a user id")
    }

    @Test("through the CLI: forget, then audit --expect-digest with a digest from before")
    func cli() throws {
        let store = try TempStore(durability: .durable)
        try store.ledger.configurePool(Self.pool, secret: "s3cret")
        _ = try store.ledger.issueTicket(IssueRequest(pool: Self.pool, user: Self.alice, profile: Self.profile, getPhone: true))
        store.ledger.close()
        let digest = try CLI.run("digest", store.path).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var r = try CLI.run("forget", store.path, Self.pool.rawValue, Self.alice.rawValue)
        #expect(r.status == 0 && r.stdout.contains("forgot user alice of pool pool-forget at event 3"), "\(r.stdout) \(r.stderr)")
        r = try CLI.run("audit", store.path, "--expect-digest", digest)
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        r = try CLI.run("forget", store.path, Self.pool.rawValue, Self.alice.rawValue, "--json")
        #expect(r.status == 0 && r.stdout.contains("\"keyGeneration\":0") && !r.stdout.contains("sequence"), "\(r.stdout)")
        r = try CLI.run("forget", store.path, Self.pool.rawValue, "nobody")
        #expect(r.status != 0 && r.stderr.contains("has no user 'nobody'"), "\(r.stderr)")
        r = try CLI.run("export", store.path)
        #expect(r.stdout.contains("\"erased\":true") && !r.stdout.contains("13512345678"), "\(r.stdout)")
    }

    /// Whether any file of the store directory `path` holds `bytes`.
    static func filesHold(_ path: String, _ bytes: [UInt8]) throws -> Bool {
        try FileManager.default.contentsOfDirectory(atPath: path).contains { name in
            try Data(contentsOf: URL(fileURLWithPath: path + "/" + name)).range(of: Data(bytes)) != nil
        }
    }
}
