import Foundation
import LMDB
import Testing
@testable import TicketLedger

@Suite("Store")
struct StoreTests {
    let pool = PoolID.test("pool-s")

    /// Every event in the log, checking the chain as it goes.
    static func verifiedLog(_ ledger: Ledger) throws -> [(UInt64, LedgerEvent)] {
        try ledger.lmdb.read { txn in
            var out: [(UInt64, LedgerEvent)] = []
            var previous = SHA256Digest.zero
            try txn.withCursor(ledger.lmdb.layout.events) { cursor in
                var entry = try cursor.first()
                while let e = entry {
                    let sequence = try #require(UInt64(bigEndianBytes: e.key))
                    #expect(sequence == UInt64(out.count + 1), "the sequence is gap-free from 1")
                    let (payload, hash) = try EventCodec.split(e.value)
                    #expect(previous.chained(with: payload) == hash, "event \(sequence) chains")
                    previous = hash
                    out.append((sequence, try EventCodec.decode(payload: payload)))
                    entry = try cursor.next()
                }
            }
            #expect(try ledger.head().hash == previous)
            return out
        }
    }

    @Test("close and reopen: everything is still there, the sequence continues, the chain holds")
    func reopen() throws {
        let store = try TempStore(durability: .durable)
        let issued = try store.ledger.seed(pool: pool, tickets: 5)
        _ = try store.ledger.redeem(ticket: issued[0].ticket.text, pool: pool, secret: secret)
        let headBefore = try store.ledger.head()
        try store.reopen()
        #expect(try store.ledger.head() == headBefore)
        #expect(try store.ledger.redeem(ticket: issued[0].ticket.text, pool: pool, secret: secret).rejection?.reason == .alreadyConsumed)
        #expect(try store.ledger.redeem(ticket: issued[1].ticket.text, pool: pool, secret: secret).document?.loginsCount == 1)
        let next = try store.ledger.issueTicket(IssueRequest(pool: pool, user: .test("new")))
        // The replay (RedemptionRejected, and TokensRevoked: the first reuse), the consume, then this issue.
        #expect(next.ticket.locator.sequence == headBefore.sequence + 4)
        let log = try Self.verifiedLog(store.ledger)
        #expect(log.count == Int(headBefore.sequence) + 4)
        #expect(log.map(\.1.typeName).filter { $0 == "TicketIssued" }.count == 6)
    }

    @Test("rejections of known tickets are logged; made-up tickets are not")
    func rejectionLogging() throws {
        let store = try TempStore()
        let issued = try store.ledger.seed(pool: pool, tickets: 1)[0]
        let head0 = try store.ledger.head().sequence
        // A made-up verifier at a real locator, and a garbage text: nothing is appended.
        let forged = Ticket.random(at: issued.ticket.locator).text
        #expect(try store.ledger.redeem(ticket: forged, pool: pool, secret: secret).rejection?.reason == .unknown)
        #expect(try store.ledger.redeem(ticket: "nonsense", pool: pool, secret: secret).rejection?.reason == .malformed)
        #expect(try store.ledger.head().sequence == head0)
        // A real ticket with a wrong secret, and a real ticket redeemed twice: both recorded.
        _ = try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: "wrong")
        _ = try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret)
        _ = try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret)
        let reasons = try Self.verifiedLog(store.ledger).compactMap { entry -> RejectionReason? in
            if case .redemptionRejected(let r) = entry.1 { return r.reason }
            return nil
        }
        #expect(reasons == [.secretMismatch, .alreadyConsumed])
    }

    @Test("another pool's ticket is told unknown and recorded as wrongPool")
    func otherPool() throws {
        let store = try TempStore()
        let other = PoolID.test("pool-other")
        try store.ledger.configurePool(other, secret: secret)
        let issued = try store.ledger.seed(pool: pool, tickets: 1)[0]
        #expect(try store.ledger.redeem(ticket: issued.ticket.text, pool: other, secret: secret).rejection?.reason == .unknown)
        #expect(try store.ledger.redeem(ticket: issued.ticket.text, pool: .test("never-configured"), secret: secret).rejection?.reason == .unknown)
        let reasons = try Self.verifiedLog(store.ledger).compactMap { entry -> RejectionReason? in
            if case .redemptionRejected(let r) = entry.1 { return r.reason }
            return nil
        }
        #expect(reasons == [.wrongPool, .wrongPool])
        #expect(try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret).document != nil)
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var name: String
        var ticket: String?
        var request: IssueRequest?
        var testDescription: String { name }
    }

    static let bad: [BadInput] = {
        let pool = PoolID.test("pool-s")
        let u = UserID.test("u")
        return [
            BadInput(name: "empty ticket", ticket: ""),
            BadInput(name: "garbage ticket", ticket: "!!not a ticket!!"),
            BadInput(name: "truncated ticket", ticket: "tl1.0000000000000002.q83vEjRWeJ"),
            BadInput(name: "overlong ticket", ticket: String(repeating: "tl1.", count: 50_000)),
            BadInput(name: "non-UTF-8 ticket", ticket: String(decoding: [0xff, 0xfe, 0xfd, 0x80], as: UTF8.self)),
            BadInput(name: "oversized nickname", request: IssueRequest(pool: pool, user: u, profile: UserProfile(nickname: String(repeating: "n", count: 257)))),
            BadInput(name: "oversized oauth", request: IssueRequest(pool: pool, user: u, profile: UserProfile(oauth: String(repeating: "o", count: 8193)))),
            BadInput(name: "phone with letters", request: IssueRequest(pool: pool, user: u, profile: UserProfile(phone: "call me"))),
            BadInput(name: "NUL in username", request: IssueRequest(pool: pool, user: u, profile: UserProfile(username: "a\u{0}b"))),
            BadInput(name: "invalid IP text", request: IssueRequest(pool: pool, user: u, ip: "300.1.1.1")),
            BadInput(name: "IP with a port", request: IssueRequest(pool: pool, user: u, ip: "1.2.3.4:80")),
        ]
    }()

    @Test("bad input: each a clear rejection or error, nothing appended", arguments: bad)
    func badInput(_ input: BadInput) throws {
        let store = try TempStore()
        _ = try store.ledger.seed(pool: pool, tickets: 1)
        let head = try store.ledger.head()
        if let ticket = input.ticket {
            #expect(try store.ledger.redeem(ticket: ticket, pool: pool, secret: secret).rejection?.reason == .malformed)
        }
        if let request = input.request {
            let error = #expect(throws: LedgerError.self) { try store.ledger.issueTicket(request) }
            guard case .invalidArgument(_, let reason)? = error else {
                Issue.record("expected invalidArgument, got \(String(describing: error))")
                return
            }
            #expect(!reason.isEmpty)
        }
        #expect(try store.ledger.head() == head)
    }

    @Test("opening: a missing directory, a directory without a store, garbage, another program's LMDB, a newer format, twice")
    func openErrors() throws {
        let root = NSTemporaryDirectory() + "ticket-ledger-open-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }

        #expect(throws: LedgerError.storeNotFound(path: root + "/missing")) { try Ledger.open(at: root + "/missing") }

        let empty = root + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(throws: LedgerError.notAStore(path: empty, reason: "the directory holds no data.mdb")) { try Ledger.open(at: empty) }

        let file = root + "/file"
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        #expect(throws: LedgerError.notAStore(path: file, reason: "it is not a directory")) { try Ledger.open(at: file, create: true) }

        // create: true makes missing parents too; a file in the way is a clear error.
        let nested = root + "/a/b/c/store/"
        let made = try Ledger.open(at: nested, create: true)
        made.close()
        #expect(FileManager.default.fileExists(atPath: root + "/a/b/c/store/data.mdb"))
        let underFile = file + "/store"
        let blocked = #expect(throws: LedgerError.self) { try Ledger.open(at: underFile, create: true) }
        #expect("\(blocked.map { "\($0)" } ?? "")".contains("Not a directory"))

        let garbage = root + "/garbage"
        try FileManager.default.createDirectory(atPath: garbage, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: garbage + "/data.mdb", contents: Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
        for create in [false, true] {
            let error = #expect(throws: LedgerError.self) { try Ledger.open(at: garbage, create: create) }
            guard case .notAStore? = error else { Issue.record("garbage: \(String(describing: error))"); continue }
        }

        let foreign = root + "/foreign"
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        do {
            let env = try Environment(path: foreign, options: EnvironmentOptions())
            try env.write { txn in try txn.put(try txn.openMainDatabase(), key: Array("k".utf8), value: Array("v".utf8)) }
            env.close()
        }
        for create in [false, true] {
            let error = #expect(throws: LedgerError.self) { try Ledger.open(at: foreign, create: create) }
            guard case .notAStore? = error else { Issue.record("foreign: \(String(describing: error))"); continue }
        }

        let newer = root + "/newer"
        do {
            let ledger = try Ledger.open(at: newer, create: true)
            try ledger.lmdb.environment.write { txn in
                let meta = StoreMeta(format: StoreLayout.formatVersion + 1, head: ChainHead(sequence: 0, hash: .zero), usersSequence: 0)
                try txn.put(ledger.lmdb.layout.meta, key: StoreLayout.metaKey, value: meta.encoded())
            }
            ledger.close()
        }
        #expect(throws: LedgerError.newerFormat(path: newer, found: StoreLayout.formatVersion + 1, supported: StoreLayout.formatVersion)) {
            try Ledger.open(at: newer)
        }

        let twice = root + "/twice"
        let first = try Ledger.open(at: twice, create: true)
        #expect(throws: LedgerError.alreadyOpen(path: twice)) { try Ledger.open(at: twice) }
        first.close()
        let again = try Ledger.open(at: twice)
        again.close()
        #expect(throws: LedgerError.closed) { try again.head() }
    }

    @Test("the map grows by itself when it fills")
    func mapGrowth() throws {
        let root = NSTemporaryDirectory() + "ticket-ledger-map-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger.open(at: root, create: true, options: .init(durability: .none, initialMapSize: 256 * 1024))
        defer { ledger.close() }
        try ledger.configurePool(pool, secret: secret)
        let profile = UserProfile(oauth: String(repeating: "x", count: 4000))
        for i in 0..<400 {
            _ = try ledger.issueTicket(IssueRequest(pool: pool, user: .test("u\(i)"), profile: profile))
        }
        #expect(try ledger.head().sequence == 401)
        #expect(try ledger.lmdb.environment.info().mapSize > 256 * 1024)
    }
}
