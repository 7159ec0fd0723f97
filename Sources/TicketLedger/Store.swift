import LMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The LMDB layout of a store: named databases and the `meta` record.
///
/// - `events`: 8-byte big-endian sequence → event record (see `EventCodec`)
/// - `tickets`: 8-byte big-endian locator → ticket record
/// - `users`: `pool ‖ 0 ‖ user` → user record
/// - `pools`: pool id → pool record
/// - `due`: `expiresAt (8, big-endian) ‖ locator (8)` → empty: issued tickets by expiry
/// - `meta`: `"ledger"` → `"TKTLEDGR" ‖ format (2) ‖ last sequence (8) ‖ chain head (32) ‖
///   users checkpoint sequence (8)`: the `users` database reflects every event up to that
///   sequence; later ones are replayed from the log (see `UsersView`).
struct StoreLayout: Sendable {
    let events: Database
    let tickets: Database
    let users: Database
    let pools: Database
    let due: Database
    let meta: Database

    static let names = ["events", "tickets", "users", "pools", "due", "meta"]
    static let magic = Array("TKTLEDGR".utf8)
    static let metaKey = Array("ledger".utf8)
    /// The store format this build writes, and the newest it opens.
    static let formatVersion: UInt16 = 1
}

/// Where the log stands: the last sequence number and the chain hash of that record.
public struct ChainHead: Sendable, Hashable, CustomStringConvertible {
    /// The last event's sequence number (0 for an empty log).
    public var sequence: UInt64
    /// The chain hash of that event (all zero for an empty log).
    public var hash: SHA256Digest

    /// A head at `sequence` with `hash`.
    public init(sequence: UInt64, hash: SHA256Digest) {
        self.sequence = sequence
        self.hash = hash
    }

    public var description: String { "\(sequence):\(hash.hex)" }
}

/// The store's metadata record.
struct StoreMeta: Sendable, Hashable {
    var format: UInt16
    var head: ChainHead
    /// The `users` database reflects every event up to this sequence.
    var usersSequence: UInt64

    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 64)  // magic 8 + format 2 + sequence 8 + hash 32 + users sequence 8
        w.raw(StoreLayout.magic)
        w.u8(UInt8(format >> 8))
        w.u8(UInt8(format & 0xff))
        w.u64(head.sequence)
        w.digest(head.hash)
        w.u64(usersSequence)
        return w.bytes
    }

    init(format: UInt16, head: ChainHead, usersSequence: UInt64) {
        self.format = format
        self.head = head
        self.usersSequence = usersSequence
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws(DecodingFailure) {
        var r = BinaryReader(bytes, what: "store metadata")
        guard bytes.count >= 8, try r.bytes(8).elementsEqual(StoreLayout.magic) else {
            throw r.failure("the metadata record does not start with TKTLEDGR")
        }
        format = UInt16(try r.u8()) << 8 | UInt16(try r.u8())
        head = ChainHead(sequence: try r.u64(), hash: try r.digest())
        usersSequence = try r.u64()
        try r.expectEnd()
        guard usersSequence <= head.sequence else {
            throw r.failure("the users checkpoint (\(usersSequence)) is past the log's head (\(head.sequence))")
        }
    }
}

/// The tickets side of the projections inside an LMDB transaction: how the live path
/// applies events and decides redemptions.
struct LMDBProjections: TicketProjections {
    let txn: Transaction
    let layout: StoreLayout
    let path: String

    func pool(_ id: PoolID) throws -> PoolState? {
        try txn.withValue(layout.pools, key: Array(id.rawValue.utf8)) { try $0.map(PoolState.init(decoding:)) }
    }

    func ticket(_ locator: TicketLocator) throws -> TicketState? {
        try txn.withValue(layout.tickets, key: IntegerKey(locator.sequence)) { try $0.map(TicketState.init(decoding:)) }
    }

    /// The user as of the last users checkpoint (the `users` database alone).
    func checkpointedUser(_ key: UserKey) throws -> UserState? {
        try txn.withValue(layout.users, key: key.bytes) { try $0.map(UserState.init(decoding:)) }
    }

    mutating func setPool(_ state: PoolState, for id: PoolID) throws {
        try txn.put(layout.pools, key: Array(id.rawValue.utf8), value: state.encoded())
    }

    mutating func setTicket(_ state: TicketState, for locator: TicketLocator) throws {
        try txn.put(layout.tickets, key: IntegerKey(locator.sequence), value: state.encoded())
    }

    mutating func setDue(_ locator: TicketLocator, at expiresAt: Timestamp, _ present: Bool) throws {
        let key = dueKey(expiresAt, locator)
        if present {
            try txn.put(layout.due, key: key, value: [UInt8]())
        } else {
            try txn.delete(layout.due, key: key)
        }
    }

    /// The metadata record.
    func meta() throws -> StoreMeta {
        try txn.withValue(layout.meta, key: StoreLayout.metaKey) { bytes in
            guard let bytes else { throw LedgerError.corrupted(path: path, detail: "the ledger metadata record is missing") }
            return try StoreMeta(decoding: bytes)
        }
    }

    /// Calls `body` with each event after `sequence` up to `last`, in order.
    func forEachEvent(after sequence: UInt64, through last: UInt64, _ body: (UInt64, LedgerEvent) throws -> Void) throws {
        guard sequence < last else { return }
        try txn.withCursor(layout.events) { cursor in
            var entry = try cursor.seek(atLeast: IntegerKey(sequence + 1))
            var expected = sequence + 1
            while let e = entry, expected <= last {
                guard let seq = UInt64(bigEndianBytes: e.key), seq == expected else {
                    throw LedgerError.corrupted(path: path, detail: "the log has a gap before event \(expected)")
                }
                let (payload, _) = try EventCodec.split(e.value)
                try body(seq, try EventCodec.decode(payload: payload))
                expected += 1
                entry = try cursor.next()
            }
            guard expected > last else {
                throw LedgerError.corrupted(path: path, detail: "the log ends at \(expected - 1), before its head \(last)")
            }
        }
    }
}

/// `expiresAt ‖ locator`, both big-endian, so keys sort by expiry. Expiry times before 1970
/// cannot be issued (the clock would have to run backwards past the epoch).
func dueKey(_ expiresAt: Timestamp, _ locator: TicketLocator) -> IntegerKey {
    IntegerKey(UInt64(bitPattern: expiresAt.millisecondsSince1970), locator.sequence)
}

/// Turns a storage failure into the ledger's error, naming the store. The one place LMDB
/// codes become `LedgerError`s.
func ledgerError(_ error: any Error, path: String) -> LedgerError {
    switch error {
    case let e as LedgerError:
        return e
    case let e as LMDBError:
        switch e.code {
        case .noSpace: return .diskFull(path: path)
        case .ioError where fileSystemIsFull(path):
            // LMDB reports a page write cut short (a disk filling up mid-write) as EIO.
            return .diskFull(path: path)
        case .accessDenied: return .permissionDenied(path: path, operation: e.operation)
        case .noEntry: return .storeNotFound(path: path)
        case .invalid, .versionMismatch:
            return .notAStore(path: path, reason: "data.mdb is not an LMDB environment this build can read (\(e.message))")
        case .corrupted, .pageNotFound, .panic:
            return .corrupted(path: path, detail: e.description)
        default:
            return .storage(path: path, operation: e.operation, message: e.message)
        }
    case let e as DecodingFailure:
        return .corrupted(path: path, detail: e.description)
    case let e as InconsistentEvent:
        return .corrupted(path: path, detail: e.description)
    default:
        return .storage(path: path, operation: "unknown", message: String(describing: error))
    }
}

/// Whether the file system holding `path` has less than 1 MiB left for this user.
func fileSystemIsFull(_ path: String) -> Bool {
    var fs = statvfs()
    guard statvfs(path, &fs) == 0 else { return false }
    return UInt64(fs.f_bavail) * UInt64(fs.f_frsize) < 1 << 20
}

/// Paths of the stores this process has open: LMDB allows one environment per path per
/// process (a second one would break its file locks).
let openStores = Mutex<Set<String>>([])

/// Creates `path` and any missing parents (as `mkdir -p`), each with mode 0755.
private func makeDirectory(_ path: String) throws(LedgerError) {
    if mkdir(path, 0o755) == 0 { return }
    var e = errno
    if e == ENOENT {
        // A parent is missing: make it (and its own), then try again.
        var parent = path
        while parent.count > 1, parent.hasSuffix("/") { parent.removeLast() }
        if let slash = parent.lastIndex(of: "/"), slash != parent.startIndex {
            try makeDirectory(String(parent[..<slash]))
            if mkdir(path, 0o755) == 0 { return }
            e = errno
        }
    }
    if e == EEXIST {
        var st = stat()
        if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR { return }
        throw .notAStore(path: path, reason: "it is not a directory")
    }
    if e == EACCES { throw .permissionDenied(path: path, operation: "mkdir") }
    throw .storage(path: path, operation: "mkdir", message: String(cString: strerror(e)))
}

/// Checks the directory and opens (or, with `create`, creates) the store in it.
func openStore(
    path: String, create: Bool, options: EnvironmentOptions
) throws(LedgerError) -> (Environment, StoreLayout, String) {
    guard (0...(1 << 44)).contains(options.mapSize) else {
        throw .invalidArgument("initialMapSize", "must be between 0 (LMDB's default) and 16 TiB, not \(options.mapSize)")
    }
    var st = stat()
    if stat(path, &st) != 0 {
        let err = errno
        if err == ENOENT {
            guard create else { throw .storeNotFound(path: path) }
            try makeDirectory(path)
        } else if err == EACCES {
            throw .permissionDenied(path: path, operation: "stat")
        } else {
            throw .storage(path: path, operation: "stat", message: String(cString: strerror(err)))
        }
    } else if st.st_mode & S_IFMT != S_IFDIR {
        throw .notAStore(path: path, reason: "it is not a directory")
    }
    let dataFile = path + "/data.mdb"
    var dataStat = stat()
    let hadData = stat(dataFile, &dataStat) == 0
    if !hadData && errno == EACCES { throw .permissionDenied(path: path, operation: "stat data.mdb") }
    if !hadData && !create { throw .notAStore(path: path, reason: "the directory holds no data.mdb") }
    if hadData && dataStat.st_mode & S_IFMT != S_IFREG { throw .notAStore(path: path, reason: "data.mdb is not a regular file") }
    if hadData && dataStat.st_size == 0 && !create {
        throw .notAStore(path: path, reason: "data.mdb is empty")
    }
    guard access(path, R_OK | W_OK | X_OK) == 0 || options.readOnly else {
        throw .permissionDenied(path: path, operation: "open for reading and writing")
    }
    let canonical: String
    if let resolved = realpath(path, nil) {
        canonical = String(cString: resolved)
        free(resolved)
    } else {
        canonical = path
    }
    let inserted = openStores.withLock { $0.insert(canonical).inserted }
    guard inserted else { throw .alreadyOpen(path: path) }
    do {
        let env = try Environment(path: path, options: options)
        do {
            try env.clearStaleReaders()
            if hadData && dataStat.st_size > 0 {
                // Reading pages past the end of a truncated file would fault (SIGBUS).
                let (fileBytes, neededBytes) = try env.dataFileCheck()
                guard fileBytes >= neededBytes else {
                    throw LedgerError.corrupted(
                        path: path, detail: "data.mdb is \(fileBytes) bytes, shorter than the \(neededBytes) its last page needs (truncated)")
                }
            }
            let layout = try openLayout(env, create: create, hadData: hadData && dataStat.st_size > 0, path: path)
            return (env, layout, canonical)
        } catch {
            env.close()
            throw error
        }
    } catch {
        _ = openStores.withLock { $0.remove(canonical) }
        throw ledgerError(error, path: path)
    }
}

private func openLayout(_ env: Environment, create: Bool, hadData: Bool, path: String) throws -> StoreLayout {
    // A store is recognized by its `meta` database and record; anything else is refused
    // before a single byte is written.
    let existingMeta: StoreMeta? = try env.read { txn -> StoreMeta? in
        let meta: Database
        do {
            meta = try txn.openDatabase("meta", create: false)
        } catch let e as LMDBError where e.code == .notFound {
            return nil
        } catch let e as LMDBError where e.code == .incompatible {
            throw LedgerError.notAStore(path: path, reason: "its main database has a 'meta' key that is not a database")
        }
        return try txn.withValue(meta, key: StoreLayout.metaKey) { bytes -> StoreMeta in
            guard let bytes else { throw LedgerError.notAStore(path: path, reason: "the meta database has no ledger record") }
            do {
                return try StoreMeta(decoding: bytes)
            } catch {
                throw LedgerError.notAStore(path: path, reason: String(describing: error))
            }
        }
    }
    if let existingMeta, existingMeta.format > StoreLayout.formatVersion {
        throw LedgerError.newerFormat(path: path, found: existingMeta.format, supported: StoreLayout.formatVersion)
    }
    if existingMeta == nil {
        guard create else { throw LedgerError.notAStore(path: path, reason: "it holds no TicketLedger metadata") }
        let isEmpty = try env.read { txn in
            try txn.withCursor(try txn.openMainDatabase()) { cursor in try cursor.first() == nil }
        }
        guard isEmpty || !hadData else {
            throw LedgerError.notAStore(path: path, reason: "data.mdb is an LMDB environment of another program")
        }
    }
    return try env.write { txn in
        var dbs: [Database] = []
        for name in StoreLayout.names { dbs.append(try txn.openDatabase(name, create: existingMeta == nil)) }
        let layout = StoreLayout(events: dbs[0], tickets: dbs[1], users: dbs[2], pools: dbs[3], due: dbs[4], meta: dbs[5])
        if existingMeta == nil {
            let meta = StoreMeta(format: StoreLayout.formatVersion, head: ChainHead(sequence: 0, hash: .zero), usersSequence: 0)
            try txn.put(layout.meta, key: StoreLayout.metaKey, value: meta.encoded())
        }
        return layout
    }
}
