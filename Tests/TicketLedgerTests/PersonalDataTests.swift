import Foundation
import LMDB
import Testing
@testable import TicketLedger

@Suite("Personal data: sealing and the key vault")
struct PersonalDataTests {
    let alice = UserKey(pool: PoolID.test("pool-p"), user: UserID.test("alice"))
    let bob = UserKey(pool: PoolID.test("pool-p"), user: UserID.test("bob"))

    func key(_ generation: UInt32 = 1) throws -> PersonalKey {
        try #require(PersonalKey(bytes: PersonalKey.randomBytes(), generation: generation))
    }

    @Test("a sealed field opens under its key, for its user and field, and nothing else")
    func sealAndOpen() throws {
        let k = try key()
        let phone = Array("17612346754".utf8)
        let box = try PersonalSeal.seal(phone, field: .phone, of: alice, under: k)
        #expect(box.count == phone.count + PersonalSeal.overhead)
        #expect(Data(box).range(of: Data(phone)) == nil, "the plaintext is not in the box")
        #expect(try PersonalSeal.open(box, field: .phone, of: alice, under: k) == phone)
        #expect(PersonalSeal.generation(of: box) == 1)
        #expect(throws: PersonalSeal.Failure.notAuthentic) { try PersonalSeal.open(box, field: .phone, of: bob, under: k) }
        #expect(throws: PersonalSeal.Failure.notAuthentic) { try PersonalSeal.open(box, field: .ip, of: alice, under: k) }
        #expect(throws: PersonalSeal.Failure.notAuthentic) { try PersonalSeal.open(box, field: .phone, of: alice, under: try key()) }
        #expect(throws: PersonalSeal.Failure.otherGeneration(sealed: 1, key: 2)) {
            try PersonalSeal.open(box, field: .phone, of: alice, under: try key(2))
        }
        var changed = box
        changed[changed.count / 2] ^= 1
        #expect(throws: PersonalSeal.Failure.notAuthentic) { try PersonalSeal.open(changed, field: .phone, of: alice, under: k) }
        #expect(throws: PersonalSeal.Failure.self) { try PersonalSeal.open(Array(box.prefix(10)), field: .phone, of: alice, under: k) }
        let again = try PersonalSeal.seal(phone, field: .phone, of: alice, under: k)
        #expect(again != box, "every box has its own nonce")
    }

    @Test("an all-zero or short key is no key")
    func zeroKey() {
        #expect(PersonalKey(bytes: [UInt8](repeating: 0, count: 32), generation: 1) == nil)
        #expect(PersonalKey(bytes: [UInt8](repeating: 7, count: 31), generation: 1) == nil)
    }

    @Test("the vault keeps one key per user across reopening, and a destroyed key leaves no byte in any file of the store")
    func vault() throws {
        let store = try TempStore(durability: .durable)
        let handle = store.ledger.lmdb.store.handle
        let vault = try #require(try KeyVault.open(environment: handle.environment, path: handle.path, create: true))
        let (a, b) = try handle.environment.write { txn in
            (try vault.ensureKey(for: alice, in: txn), try vault.ensureKey(for: bob, in: txn))
        }
        #expect(a.generation == 1 && b.generation == 1 && a.bytes != b.bytes)
        let again = try handle.environment.write { txn in try vault.ensureKey(for: alice, in: txn) }
        #expect(again.bytes == a.bytes)

        try store.reopen()
        let reopened = try #require(try KeyVault.open(environment: store.ledger.lmdb.store.handle.environment, path: store.path, create: false))
        #expect(try store.ledger.lmdb.store.handle.environment.read { txn in try reopened.key(for: alice, in: txn)?.bytes } == a.bytes)
        #expect(try storeFiles(store.path, contain: a.bytes), "before: the key is in the key file")

        let destroyed = try store.ledger.lmdb.store.handle.environment.write { txn in try reopened.destroyKey(for: alice, in: txn) }
        #expect(destroyed == 1)
        #expect(try store.ledger.lmdb.store.handle.environment.read { txn in try reopened.key(for: alice, in: txn) } == nil)
        #expect(try !storeFiles(store.path, contain: a.bytes), "after: no file of the store holds the key")
        #expect(try store.ledger.lmdb.store.handle.environment.read { txn in try reopened.key(for: bob, in: txn)?.bytes } == b.bytes, "bob keeps his")

        let next = try store.ledger.lmdb.store.handle.environment.write { txn in try reopened.ensureKey(for: alice, in: txn) }
        #expect(next.generation == 2 && next.bytes != a.bytes, "a forgotten user who comes back gets a new key")
        #expect(try store.ledger.lmdb.store.handle.environment.write { txn in try reopened.destroyKey(for: UserKey(pool: alice.pool, user: UserID.test("nobody")), in: txn) } == nil)
    }

    @Test("a destroy whose transaction aborts still leaves the key gone; the next key is a new generation")
    func abortedDestroy() throws {
        let store = try TempStore(durability: .durable)
        let handle = store.ledger.lmdb.store.handle
        let vault = try #require(try KeyVault.open(environment: handle.environment, path: handle.path, create: true))
        let a = try handle.environment.write { txn in try vault.ensureKey(for: alice, in: txn) }
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try handle.environment.write { txn in
                try vault.destroyKey(for: alice, in: txn)
                throw Abort()
            }
        }
        #expect(try handle.environment.read { txn in try vault.key(for: alice, in: txn) } == nil)
        #expect(try !storeFiles(store.path, contain: a.bytes))
        let next = try handle.environment.write { txn in try vault.ensureKey(for: alice, in: txn) }
        #expect(next.generation == 2)
    }

    @Test("many users: slots are filled ahead in chunks, each user's key distinct")
    func manyUsers() throws {
        let store = try TempStore()
        let handle = store.ledger.lmdb.store.handle
        let vault = try #require(try KeyVault.open(environment: handle.environment, path: handle.path, create: true))
        let keys = try handle.environment.write { txn in
            try (0..<600).map { i in try vault.ensureKey(for: UserKey(pool: alice.pool, user: UserID.test("u\(i)")), in: txn).bytes }
        }
        #expect(Set(keys).count == 600)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: store.path + "/user-keys")[.size] as? Int)
        #expect(size == KeyVault.headerLength + 768 * PersonalKey.length, "three chunks of 256 slots")
    }

    @Test("a damaged key file is refused with an error that names it")
    func damagedFile() throws {
        let store = try TempStore()
        _ = try KeyVault.open(environment: store.ledger.lmdb.store.handle.environment, path: store.path, create: true)
        try Data("NOTAKEYFILE".utf8).write(to: URL(fileURLWithPath: store.path + "/user-keys"))
        #expect {
            _ = try KeyVault.open(environment: store.ledger.lmdb.store.handle.environment, path: store.path, create: false)
        } throws: { error in
            guard case LedgerError.corrupted(let path, let detail) = error else { return false }
            return path.hasSuffix("/user-keys") && detail.contains("TLKEYS01")
        }
    }

    // MARK: - The core's rules for sealed fields, and their records

    func issue(_ profile: UserProfile, ip: IPAddress?, getPhone: Bool, sealedUnder key: PersonalKey?, at ms: Int64 = 1_000) throws -> TicketIssued {
        var e = TicketIssued(
            pool: alice.pool, at: Timestamp(millisecondsSince1970: ms), user: alice.user, verifierDigest: .zero,
            profile: profile, ip: ip, getPhone: getPhone, expiresAt: Timestamp(millisecondsSince1970: ms + 60_000))
        if let key {
            e.sealed = try SealedPersonalData.seal(profile: profile, ip: ip, of: alice, under: key)
            e.profile = UserProfile()
            e.ip = nil
        }
        return e
    }

    @Test("the users half with sealed tickets: the phone kept without getPhone, the IP moved at login, all opening to the clear rules' answer")
    func sealedRules() throws {
        let k = try key()
        let first = try issue(UserProfile(nickname: "Ann", phone: "17612346754"), ip: nil, getPhone: true, sealedUnder: k)
        let second = try issue(UserProfile(nickname: "Annie"), ip: IPAddress("10.1.2.3"), getPhone: false, sealedUnder: k, at: 2_000)
        var tickets = ReplayState()
        var sealedUser: UserState?
        for (i, e) in [first, second].enumerated() {
            try Projector.apply(.ticketIssued(e), sequence: UInt64(i + 1), tickets: &tickets.tickets, users: &tickets.users)
        }
        try Projector.apply(
            .ticketConsumed(TicketConsumed(pool: alice.pool, at: Timestamp(millisecondsSince1970: 3_000), locator: TicketLocator(sequence: 2))),
            sequence: 3, tickets: &tickets.tickets, users: &tickets.users)
        sealedUser = tickets.users.users[alice]
        let user = try #require(sealedUser)
        #expect(user.profile == UserProfile(), "nothing personal in the clear")
        #expect(user.lastIP == nil)
        #expect(user.loginsCount == 1)
        let opened = PersonalOpening.open(user, user: alice, key: k)
        #expect(!opened.erased)
        #expect(opened.profile == UserProfile(nickname: "Annie", phone: "17612346754"), "the phone from the getPhone ticket is kept")
        #expect(opened.lastIP?.text == "::ffff:10.1.2.3")
        let erased = PersonalOpening.open(user, user: alice, key: nil)
        #expect(erased.erased && erased.profile == UserProfile() && erased.lastIP == nil)

        // The same tickets in the clear give the same opened answer.
        var clear = ReplayState()
        for (i, e) in [try issue(UserProfile(nickname: "Ann", phone: "17612346754"), ip: nil, getPhone: true, sealedUnder: nil),
                       try issue(UserProfile(nickname: "Annie"), ip: IPAddress("10.1.2.3"), getPhone: false, sealedUnder: nil, at: 2_000)].enumerated() {
            try Projector.apply(.ticketIssued(e), sequence: UInt64(i + 1), tickets: &clear.tickets, users: &clear.users)
        }
        try Projector.apply(
            .ticketConsumed(TicketConsumed(pool: alice.pool, at: Timestamp(millisecondsSince1970: 3_000), locator: TicketLocator(sequence: 2))),
            sequence: 3, tickets: &clear.tickets, users: &clear.users)
        let clearUser = try #require(clear.users.users[alice])
        #expect(clearUser.profile == opened.profile && clearUser.lastIP == opened.lastIP)
    }

    @Test("a user from before sealing keeps a clear phone until a getPhone ticket brings a sealed one")
    func clearThenSealed() throws {
        let k = try key()
        var state = ReplayState()
        let events = [
            try issue(UserProfile(nickname: "Old", phone: "13800000000"), ip: IPAddress("10.0.0.1"), getPhone: true, sealedUnder: nil),
            try issue(UserProfile(nickname: "New"), ip: nil, getPhone: false, sealedUnder: k, at: 2_000),
        ]
        for (i, e) in events.enumerated() { try Projector.apply(.ticketIssued(e), sequence: UInt64(i + 1), tickets: &state.tickets, users: &state.users) }
        var user = try #require(state.users.users[alice])
        #expect(user.profile == UserProfile(phone: "13800000000"), "only the kept phone stays in the clear")
        #expect(PersonalOpening.open(user, user: alice, key: k).profile == UserProfile(nickname: "New", phone: "13800000000"))
        try Projector.apply(.ticketIssued(try issue(UserProfile(nickname: "New", phone: "13900000000"), ip: nil, getPhone: true, sealedUnder: k, at: 3_000)),
                            sequence: 3, tickets: &state.tickets, users: &state.users)
        user = try #require(state.users.users[alice])
        #expect(user.profile == UserProfile(), "the getPhone ticket's sealed phone replaced the clear one")
        #expect(PersonalOpening.open(user, user: alice, key: k).profile.phone == "13900000000")
    }

    @Test("format 4 records: a sealed issue, a ticket with a sealed IP and a user with sealed fields read back as written; the clear text is in none")
    func records() throws {
        let k = try key()
        let e = try issue(UserProfile(nickname: "Nick-Sealed", phone: "17612346754"), ip: IPAddress("10.9.8.7"), getPhone: true, sealedUnder: k)
        let payload = EventCodec.payload(of: .ticketIssued(e))
        #expect(payload[0] == 4)
        #expect(try payload.withUnsafeBytes { try EventCodec.decode(payload: $0) } == .ticketIssued(e))
        for text in ["Nick-Sealed", "17612346754", "10.9.8.7"] {
            #expect(Data(payload).range(of: Data(text.utf8)) == nil, "\(text) is not in the record")
        }
        let opened = try #require(PersonalOpening.open(e, key: k))
        #expect(opened.profile.nickname == "Nick-Sealed" && opened.profile.phone == "17612346754" && opened.ip?.text == "::ffff:10.9.8.7")
        #expect(PersonalOpening.open(e, key: nil) == nil)

        let ticket = TicketState(issuedBy: e)
        #expect(ticket.encoded()[0] == 3)
        #expect(try ticket.encoded().withUnsafeBytes { try TicketState(decoding: $0) } == ticket)
        var user = UserState(profile: UserProfile(), signedUp: e.at, loginsCount: 0, lastLogin: nil, lastIP: nil)
        user.takeProfile(of: e)
        user.recordLogin(at: e.at, with: ticket)
        #expect(user.encoded()[0] == 2)
        #expect(try user.encoded().withUnsafeBytes { try UserState(decoding: $0) } == user)

        // A box of another generation than the record's is refused.
        var w = BinaryWriter()
        w.varint(2)
        w.box(try #require(e.sealed).profile)
        w.optionalBox(nil)
        w.optionalBox(nil)
        #expect(throws: DecodingFailure.self) {
            try w.bytes.withUnsafeBytes { raw in
                var r = BinaryReader(raw, what: "test")
                _ = try SealedPersonalData.read(from: &r)
            }
        }
    }

    // MARK: - A store that seals

    @Test("issued, redeemed, exported, inspected, backed up and copied: the answers show the fields, no file of the store holds them in the clear")
    func storeSeals() throws {
        let store = try TempStore(durability: .durable)
        let pool = PoolID.test("pool-seal")
        try store.ledger.configurePool(pool, secret: "s3cret")
        let profile = UserProfile(nickname: "Nick-7Q2", phone: "17612346754", openid: "openid-7Q2")
        let issued = try store.ledger.issueTicket(IssueRequest(pool: pool, user: .test("u-seal"), profile: profile, ip: "203.0.113.77", getPhone: true))
        let doc = try #require(try store.ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: "s3cret").document)
        #expect(doc.nickname == "Nick-7Q2" && doc.phone == "176xxxx6754" && doc.openid == "openid-7Q2" && doc.lastIP == "::ffff:203.0.113.77")
        #expect(try store.ledger.userDocument(pool: pool, user: .test("u-seal")) == doc)
        var exported: [LoggedEvent] = []
        try store.ledger.exportEvents { exported.append($0) }
        guard case .ticketIssued(let e) = try #require(exported.first { $0.event.typeName == "TicketIssued" }).event else { return }
        #expect(e.profile == profile && e.ip?.text == "::ffff:203.0.113.77" && e.sealed == nil, "export shows the fields opened")
        let report = try store.ledger.userReport(pool: pool, user: .test("u-seal"))
        #expect(report.document == doc)
        #expect(try store.ledger.ticketReport(issued.ticket.locator).state?.ip?.text == "::ffff:203.0.113.77")
        #expect(try store.ledger.audit().ok)

        let backup = store.root + "/backup"
        _ = try store.ledger.backup(to: backup)
        store.ledger.close()
        let copy = store.root + "/copy"
        _ = try Ledger.copy(from: .directory(store.path), to: .directory(copy))
        for path in [store.path, backup, copy] {
            for text in ["Nick-7Q2", "17612346754", "openid-7Q2", "203.0.113.77"] {
                #expect(try !storeFiles(path, contain: Array(text.utf8)), "\(text) in \(path)")
            }
            let reader = try LedgerReader.open(at: path)
            defer { reader.close() }
            #expect(try reader.userReport(pool: pool, user: .test("u-seal")).document == doc, "\(path) opens them")
            #expect(try reader.audit().ok)
        }
    }

    /// Whether any file in the store's directory holds `bytes`.
    func storeFiles(_ path: String, contain bytes: [UInt8]) throws -> Bool {
        try FileManager.default.contentsOfDirectory(atPath: path).contains { name in
            try Data(contentsOf: URL(fileURLWithPath: path + "/" + name)).range(of: Data(bytes)) != nil
        }
    }
}
