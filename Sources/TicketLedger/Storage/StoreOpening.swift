import LMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
