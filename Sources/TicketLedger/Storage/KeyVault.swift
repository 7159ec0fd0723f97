import LMDB

/// Where an LMDB store keeps its users' ``PersonalKey``s, so that destroying one leaves no copy
/// in the store's files.
///
/// LMDB never overwrites a page in place: a deleted value stays in freed pages (and in the gaps
/// of live ones) until the space happens to be reused. So the keys are not in `data.mdb`. They
/// are 32-byte slots of the file `user-keys` beside it, and destroying a key overwrites its
/// slot with zeros and `fsync`s the file before the transaction that records it commits.
/// `data.mdb` holds only which slot and generation belong to which user (the `userkeys`
/// database: `pool ‖ 0 ‖ user` → `1 ‖ generation (8) ‖ slot (8)`, slot `UInt64.max` once
/// destroyed), and under the key `0x00` the next unassigned slot.
///
/// `user-keys` is `"TLKEYS01"` (8 bytes), then the slots. Slots are filled with random keys
/// ahead of use, ``fillAhead`` at a time, and synced before the transaction that assigns one of
/// them commits; a crash in between leaves unassigned random keys, never a lost one. Every
/// change happens in a write transaction, which LMDB serializes across processes.
struct KeyVault: Sendable {
    static let fileName = "user-keys"
    static let databaseName = "userkeys"
    static let magic = Array("TLKEYS01".utf8)
    static let headerLength = 8
    /// Slots filled with fresh random keys each time the file runs out.
    static let fillAhead = 256
    private static let destroyedSlot = UInt64.max
    private static let nextSlotKey: [UInt8] = [0]

    let file: POSIX.PositionalFile
    let database: Database
    /// The store's directory (for errors).
    let path: String

    /// What the store holds for one user.
    enum Entry: Equatable {
        case none
        case live(generation: UInt32, slot: UInt64)
        case destroyed(generation: UInt32)
    }

    /// Opens the vault of the store in `path` (its environment `environment`), creating its file
    /// and database when `create` (a store opened for writing); `nil` when the store has none
    /// and `create` is false (a store written before, or one read-only that has sealed nothing
    /// yet: it holds no keys).
    static func open(environment: Environment, path: String, create: Bool) throws(LedgerError) -> KeyVault? {
        let filePath = path + "/" + fileName
        do {
            guard let database = try openDatabase(environment, create: create) else { return nil }
            let file: POSIX.PositionalFile
            switch POSIX.PositionalFile.open(filePath, writable: !environment.options.readOnly, create: create) {
            case .success(let f): file = f
            case .failure(let e) where e == .noEntry && !create: return nil
            case .failure(let e): throw LedgerError.storage(path: filePath, operation: "open", message: e.description)
            }
            let vault = KeyVault(file: file, database: database, path: path)
            try vault.checkHeader(writingIfEmpty: create)
            return vault
        } catch {
            throw ledgerError(error, path: path)
        }
    }

    private static func openDatabase(_ environment: Environment, create: Bool) throws -> Database? {
        if create { return try environment.write { txn in try txn.openDatabase(databaseName, create: true) } }
        return try environment.read { txn -> Database? in
            do {
                return try txn.openDatabase(databaseName, create: false)
            } catch let error as LMDBError where error.code == .notFound {
                return nil
            }
        }
    }

    // MARK: - Reading

    /// What `txn` holds for `user`.
    func entry(for user: UserKey, in txn: Transaction) throws -> Entry {
        try txn.withValue(database, key: user.bytes) { bytes -> Entry in
            guard let bytes else { return .none }
            var r = BinaryReader(bytes, what: "user key entry")
            guard try r.u8() == 1 else { throw r.failure("unknown entry version") }
            let word = try r.u64()
            let slot = try r.u64()
            guard word >= 1, let generation = UInt32(exactly: word) else { throw r.failure("key generation \(word) is out of range") }
            try r.expectEnd()
            return slot == Self.destroyedSlot ? .destroyed(generation: generation) : .live(generation: generation, slot: slot)
        }
    }

    /// `user`'s key as `txn` sees it; `nil` when the user has none, or it was destroyed.
    func key(for user: UserKey, in txn: Transaction) throws -> PersonalKey? {
        guard case .live(let generation, let slot) = try entry(for: user, in: txn) else { return nil }
        return PersonalKey(bytes: try readSlot(slot), generation: generation)
    }

    /// Every user's key as `txn` sees it (a destroyed one as `nil`, with its generation): what
    /// a copy carries to another store.
    func keys(in txn: Transaction) throws -> [CopiedPersonalKey] {
        var users: [UserKey] = []
        try txn.forEachEntry(database) { e in
            // The next-slot record's key, 0x00, is no user's (a pool id is never empty).
            if e.key.first != 0, let user = UserKey(bytes: e.key) { users.append(user) }
            return true
        }
        return try users.map { user in
            switch try entry(for: user, in: txn) {
            case .live(let g, let slot): CopiedPersonalKey(user: user, generation: g, key: PersonalKey(bytes: try readSlot(slot), generation: g))
            case .destroyed(let g): CopiedPersonalKey(user: user, generation: g, key: nil)
            case .none: CopiedPersonalKey(user: user, generation: 1, key: nil)
            }
        }
    }

    // MARK: - Writing (in a write transaction)

    /// Takes `keys` from another store (a copy into this empty one): each key into a slot of
    /// its own, its generation kept; the file is synced before `txn` commits.
    func importKeys(_ keys: [CopiedPersonalKey], in txn: Transaction) throws {
        guard !keys.isEmpty else { return }
        var slot = try nextSlot(in: txn)
        for copied in keys {
            guard let key = copied.key else {
                try put(.destroyed(generation: copied.generation), for: copied.user, in: txn)
                continue
            }
            try ensureFilled(through: slot)
            try io("write", key.bytes.withUnsafeBytes { file.write($0, at: Self.offset(of: slot)) })
            try put(.live(generation: copied.generation, slot: slot), for: copied.user, in: txn)
            slot += 1
        }
        try txn.put(database, key: Self.nextSlotKey, value: slot.bigEndianBytes)
        try io("fsync", file.sync())
    }

    /// `user`'s key, made (the next generation after a destroyed one) when there is none.
    func ensureKey(for user: UserKey, in txn: Transaction) throws -> PersonalKey {
        let generation: UInt32
        switch try entry(for: user, in: txn) {
        case .live(let g, let slot):
            if let key = PersonalKey(bytes: try readSlot(slot), generation: g) { return key }
            // Zeroed by a destroy whose transaction did not commit: the key is gone all the same.
            generation = g &+ 1
        case .destroyed(let g):
            generation = g &+ 1
        case .none:
            generation = 1
        }
        let slot = try nextSlot(in: txn)
        try ensureFilled(through: slot)
        guard let key = PersonalKey(bytes: try readSlot(slot), generation: generation) else {
            throw LedgerError.corrupted(path: filePath, detail: "unassigned key slot \(slot) is zero")
        }
        try txn.put(database, key: Self.nextSlotKey, value: (slot + 1).bigEndianBytes)
        try put(.live(generation: generation, slot: slot), for: user, in: txn)
        return key
    }

    /// Destroys `user`'s key: its slot is overwritten with zeros and synced now, and `txn`
    /// records the destruction. Returns the destroyed key's generation, `nil` when there was none.
    @discardableResult
    func destroyKey(for user: UserKey, in txn: Transaction) throws -> UInt32? {
        guard case .live(let generation, let slot) = try entry(for: user, in: txn) else { return nil }
        let zeros = [UInt8](repeating: 0, count: PersonalKey.length)
        try io("write", zeros.withUnsafeBytes { file.write($0, at: Self.offset(of: slot)) })
        try io("fsync", file.sync())
        try put(.destroyed(generation: generation), for: user, in: txn)
        return generation
    }

    // MARK: - The file

    /// Copies the key file of the store in `source` into the directory `destination` (a backup
    /// of the store, taken after its `data.mdb`: every slot the copied data assigns was filled
    /// before that data committed), synced. Nothing when the store has no key file. A slot
    /// destroyed after the data was copied is copied zeroed: that user stays forgotten.
    static func copyFile(fromStore source: String, toDirectory destination: String) throws(LedgerError) {
        let from = source + "/" + fileName, to = destination + "/" + fileName
        let input: POSIX.PositionalFile
        switch POSIX.PositionalFile.open(from, writable: false, create: false) {
        case .success(let f): input = f
        case .failure(let e) where e == .noEntry: return
        case .failure(let e): throw .storage(path: from, operation: "open", message: e.description)
        }
        let output = try Self.io(to, "create", POSIX.PositionalFile.open(to, create: true))
        let size = try Self.io(from, "fstat", input.size())
        var offset: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while offset < size {
            let n = Int(min(Int64(chunk.count), size - offset))
            try Self.io(from, "read", chunk.withUnsafeMutableBytes { input.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<n]), at: offset) })
            try Self.io(to, "write", chunk.withUnsafeBytes { output.write(UnsafeRawBufferPointer(rebasing: $0[..<n]), at: offset) })
            offset += Int64(n)
        }
        try Self.io(to, "fsync", output.sync())
    }

    private var filePath: String { path + "/" + Self.fileName }

    private static func offset(of slot: UInt64) -> Int64 { Int64(headerLength) + Int64(slot) * Int64(PersonalKey.length) }

    private func readSlot(_ slot: UInt64) throws -> [UInt8] {
        guard slot < UInt64(Int64.max / 64) else { throw LedgerError.corrupted(path: path, detail: "user key slot \(slot) is out of range") }
        var bytes = [UInt8](repeating: 0, count: PersonalKey.length)
        try io("read slot \(slot)", bytes.withUnsafeMutableBytes { file.read(into: $0, at: Self.offset(of: slot)) })
        return bytes
    }

    /// The slots the file holds.
    private func filledSlots() throws -> UInt64 {
        let size = try io("fstat", file.size())
        guard size >= Int64(Self.headerLength) else { return 0 }
        return UInt64(size - Int64(Self.headerLength)) / UInt64(PersonalKey.length)
    }

    private func nextSlot(in txn: Transaction) throws -> UInt64 {
        guard let bytes = try txn.value(database, key: Self.nextSlotKey) else { return 0 }
        guard let next = bytes.withUnsafeBytes({ UInt64(bigEndianBytes: $0) }) else {
            throw LedgerError.corrupted(path: path, detail: "the next key slot record is \(bytes.count) bytes")
        }
        return next
    }

    /// Fills slots with random keys, ``fillAhead`` at a time, until `slot` is filled; synced.
    private func ensureFilled(through slot: UInt64) throws {
        var filled = try filledSlots()
        guard filled <= slot else { return }
        while filled <= slot {
            var chunk: [UInt8] = []
            chunk.reserveCapacity(Self.fillAhead * PersonalKey.length)
            for _ in 0..<Self.fillAhead { chunk += PersonalKey.randomBytes() }
            try io("write", chunk.withUnsafeBytes { file.write($0, at: Self.offset(of: filled)) })
            filled += UInt64(Self.fillAhead)
        }
        try io("fsync", file.sync())
    }

    private func checkHeader(writingIfEmpty: Bool) throws {
        if try io("fstat", file.size()) == 0 {
            guard writingIfEmpty else { throw LedgerError.corrupted(path: filePath, detail: "the key file is empty") }
            try io("write", Self.magic.withUnsafeBytes { file.write($0, at: 0) })
            try io("fsync", file.sync())
            return
        }
        var header = [UInt8](repeating: 0, count: Self.headerLength)
        try io("read header", header.withUnsafeMutableBytes { file.read(into: $0, at: 0) })
        guard header == Self.magic else { throw LedgerError.corrupted(path: filePath, detail: "the key file does not start with TLKEYS01") }
    }

    private func put(_ entry: Entry, for user: UserKey, in txn: Transaction) throws {
        var w = BinaryWriter(capacity: 17)
        w.u8(1)
        switch entry {
        case .live(let g, let slot): w.u64(UInt64(g)); w.u64(slot)
        case .destroyed(let g): w.u64(UInt64(g)); w.u64(Self.destroyedSlot)
        case .none: return
        }
        try txn.put(database, key: user.bytes, value: w.bytes)
    }

    private func io<T>(_ operation: String, _ result: Result<T, POSIX.Errno>) throws(LedgerError) -> T {
        try Self.io(filePath, operation, result)
    }

    /// `result`'s value, or its error as ``LedgerError/storage(path:operation:message:)`` on `path`.
    private static func io<T>(_ path: String, _ operation: String, _ result: Result<T, POSIX.Errno>) throws(LedgerError) -> T {
        switch result {
        case .success(let value): return value
        case .failure(let e): throw .storage(path: path, operation: operation, message: e.description)
        }
    }
}
