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
        let vault = try #require(try KeyVault.open(handle, create: true))
        let (a, b) = try handle.environment.write { txn in
            (try vault.ensureKey(for: alice, in: txn), try vault.ensureKey(for: bob, in: txn))
        }
        #expect(a.generation == 1 && b.generation == 1 && a.bytes != b.bytes)
        let again = try handle.environment.write { txn in try vault.ensureKey(for: alice, in: txn) }
        #expect(again.bytes == a.bytes)

        try store.reopen()
        let reopened = try #require(try KeyVault.open(store.ledger.lmdb.store.handle, create: false))
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
        let vault = try #require(try KeyVault.open(handle, create: true))
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
        let vault = try #require(try KeyVault.open(handle, create: true))
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
        _ = try KeyVault.open(store.ledger.lmdb.store.handle, create: true)
        try Data("NOTAKEYFILE".utf8).write(to: URL(fileURLWithPath: store.path + "/user-keys"))
        #expect {
            _ = try KeyVault.open(store.ledger.lmdb.store.handle, create: false)
        } throws: { error in
            guard case LedgerError.corrupted(let path, let detail) = error else { return false }
            return path.hasSuffix("/user-keys") && detail.contains("TLKEYS01")
        }
    }

    /// Whether any file in the store's directory holds `bytes`.
    func storeFiles(_ path: String, contain bytes: [UInt8]) throws -> Bool {
        try FileManager.default.contentsOfDirectory(atPath: path).contains { name in
            try Data(contentsOf: URL(fileURLWithPath: path + "/" + name)).range(of: Data(bytes)) != nil
        }
    }
}
