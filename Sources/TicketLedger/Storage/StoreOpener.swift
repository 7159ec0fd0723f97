import LMDB
import Synchronization

/// An open store: its environment and layout, and the canonical path it is registered under
/// (LMDB allows one environment per path per process). ``close()`` releases both.
struct OpenedStore: Sendable {
    let handle: StoreHandle
    let canonicalPath: String

    /// Closes the environment and frees the path for another open in this process.
    func close() {
        handle.environment.close()
        StoreOpener.release(canonicalPath)
    }
}

/// The one way a store is opened: by `Ledger/open(at:create:options:clock:logger:)` to read
/// and write, by ``LedgerReader/open(at:)`` and backups to read only (`MDB_RDONLY`: nothing is
/// created or written, not even the layout).
///
/// Refuses, with a ``LedgerError`` that says why: a missing directory (unless `create`), a
/// path that is not a directory, a `data.mdb` or `lock.mdb` that is a symbolic link or not a
/// regular file, a directory without a store (no `data.mdb`, an empty one,
/// another program's LMDB environment, garbage), a newer format, a `data.mdb` shorter than
/// its own metadata says (reading the missing pages would fault), a directory this process
/// may not use, and a store already open in this process.
enum StoreOpener {
    /// What the opener may do.
    enum Access: Equatable {
        /// Read and write; with `create`, make the directory (and missing parents) and an
        /// empty store when there is none.
        case readWrite(create: Bool)
        /// Read only: the store must exist.
        case readOnly
    }

    /// Canonical paths of the stores this process has open.
    private static let openPaths = Mutex<Set<String>>([])

    /// Frees `canonicalPath` for another open in this process.
    static func release(_ canonicalPath: String) {
        _ = openPaths.withLock { $0.remove(canonicalPath) }
    }

    /// Opens the store in `path`. `options` matter for ``Access/readWrite(create:)``; a
    /// read-only open maps the size the environment records.
    static func open(path: String, access: Access, options: EnvironmentOptions = EnvironmentOptions()) throws(LedgerError) -> OpenedStore {
        var options = options
        let create = access == .readWrite(create: true)
        if access == .readOnly {
            options.readOnly = true
            options.mapSize = 0
        }
        guard (0...(1 << 44)).contains(options.mapSize) else {
            throw .invalidArgument("initialMapSize", "must be between 0 (LMDB's default) and 16 TiB, not \(options.mapSize)")
        }
        try checkDirectory(path, create: create)
        let dataBytes = try dataFileBytes(path, create: create)
        guard options.readOnly || POSIX.canReadWriteAndSearch(path) else {
            throw .permissionDenied(path: path, operation: "open for reading and writing")
        }
        let canonical = POSIX.canonicalPath(path) ?? path
        let inserted = openPaths.withLock { $0.insert(canonical).inserted }
        guard inserted else { throw .alreadyOpen(path: path) }
        do {
            let env = try Environment(path: path, options: options)
            do {
                // Reader slots of dead processes live in lock.mdb, not the store: freeing them is safe.
                if options.readOnly { _ = try? env.clearStaleReaders() } else { try env.clearStaleReaders() }
                if let dataBytes, dataBytes > 0 {
                    // Reading pages past the end of a truncated file would fault (SIGBUS).
                    let (fileBytes, neededBytes) = try env.dataFileCheck()
                    guard fileBytes >= neededBytes else {
                        throw LedgerError.corrupted(
                            path: path, detail: "data.mdb is \(fileBytes) bytes, shorter than the \(neededBytes) its last page needs (truncated)")
                    }
                }
                let layout = try openLayout(env, access: access, hadData: (dataBytes ?? 0) > 0, path: path)
                let vault = try KeyVault.open(environment: env, path: path, create: access != .readOnly)
                return OpenedStore(handle: StoreHandle(environment: env, layout: layout, path: path, vault: vault), canonicalPath: canonical)
            } catch {
                env.close()
                throw error
            }
        } catch {
            release(canonical)
            throw ledgerError(error, path: path)
        }
    }

    /// Checks that `path` is a directory, making it (and missing parents) with `create`.
    private static func checkDirectory(_ path: String, create: Bool) throws(LedgerError) {
        switch POSIX.fileKind(path) {
        case .success(.directory):
            return
        case .success:
            throw .notAStore(path: path, reason: "it is not a directory")
        case .failure(let e) where e == .noEntry:
            guard create else { throw .storeNotFound(path: path) }
            try makeDirectories(path)
        case .failure(let e) where e == .accessDenied:
            throw .permissionDenied(path: path, operation: "stat")
        case .failure(let e):
            throw .storage(path: path, operation: "stat", message: e.description)
        }
    }

    /// The size of `path/data.mdb`, or `nil` when there is none and `create` allows that.
    /// `lock.mdb`, when there is one, must be a regular file too (LMDB creates it when missing).
    private static func dataFileBytes(_ path: String, create: Bool) throws(LedgerError) -> Int64? {
        if case .success(let kind) = POSIX.fileKind(path + "/lock.mdb", followingLinks: false) {
            try requireRegularFile(kind, "lock.mdb", in: path)
        }
        switch POSIX.fileKind(path + "/data.mdb", followingLinks: false) {
        case .success(.regularFile(let bytes)):
            if bytes == 0 && !create { throw .notAStore(path: path, reason: "data.mdb is empty") }
            return bytes
        case .success(let kind):
            try requireRegularFile(kind, "data.mdb", in: path)
            return nil
        case .failure(let e) where e == .accessDenied:
            throw .permissionDenied(path: path, operation: "stat data.mdb")
        case .failure:
            guard create else { throw .notAStore(path: path, reason: "the directory holds no data.mdb") }
            return nil
        }
    }

    /// Refuses a store file that is a symbolic link or not a regular file: LMDB would open
    /// (and write) whatever a link points to, even for a read-only open (`lock.mdb`).
    private static func requireRegularFile(_ kind: POSIX.FileKind, _ name: String, in path: String) throws(LedgerError) {
        switch kind {
        case .regularFile:
            return
        case .symbolicLink:
            throw .notAStore(
                path: path, reason: "\(name) is a symbolic link; store files must be regular files (LMDB would write where the link points)")
        case .directory, .other:
            throw .notAStore(path: path, reason: "\(name) is not a regular file")
        }
    }

    /// Creates `path` and any missing parents (as `mkdir -p`), each with mode 0700.
    static func makeDirectories(_ path: String) throws(LedgerError) {
        let first = POSIX.makeDirectory(path)
        let result: Result<Void, POSIX.Errno>
        if case .failure(let e) = first, e == .noEntry, let parent = parentDirectory(of: path) {
            // A parent is missing: make it (and its own), then try again.
            try makeDirectories(parent)
            result = POSIX.makeDirectory(path)
        } else {
            result = first
        }
        switch result {
        case .success:
            return
        case .failure(let e) where e == .exists:
            if case .success(.directory) = POSIX.fileKind(path) { return }
            throw .notAStore(path: path, reason: "it is not a directory")
        case .failure(let e) where e == .accessDenied:
            throw .permissionDenied(path: path, operation: "mkdir")
        case .failure(let e):
            throw .storage(path: path, operation: "mkdir", message: e.description)
        }
    }

    /// The directory holding `path` (trailing slashes ignored), or `nil` for the root or a bare name.
    private static func parentDirectory(of path: String) -> String? {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/"), slash != trimmed.startIndex else { return nil }
        return String(trimmed[..<slash])
    }

    /// Reads the `meta` record (a store is recognized by it; anything else is refused before
    /// a byte is written), then opens the named databases, creating them in a new store.
    private static func openLayout(_ env: Environment, access: Access, hadData: Bool, path: String) throws -> StoreLayout {
        let existingMeta: StoreMeta? = try env.read { txn -> StoreMeta? in
            guard let meta = try openDatabase(txn, "meta", path: path) else { return nil }
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
        guard case .readWrite(let create) = access else {
            guard existingMeta != nil else { throw LedgerError.notAStore(path: path, reason: "it has no 'meta' database") }
            return try env.read { txn in
                try StoreLayout.open { name in
                    guard let db = try openDatabase(txn, name, path: path) else {
                        throw LedgerError.notAStore(path: path, reason: "it has no '\(name)' database")
                    }
                    return db
                }
            }
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
            let layout = try StoreLayout.open { name in try txn.openDatabase(name, create: existingMeta == nil) }
            if existingMeta == nil {
                let meta = StoreMeta(format: StoreLayout.formatVersion, head: ChainHead(sequence: 0, hash: .zero), usersSequence: 0)
                try txn.put(layout.meta, key: StoreLayout.metaKey, value: meta.encoded())
            }
            return layout
        }
    }

    /// Opens the existing database `name`; `nil` when there is none, a "not a store" error
    /// when the main database holds a plain key by that name.
    private static func openDatabase(_ txn: Transaction, _ name: String, path: String) throws -> Database? {
        let result: Result<Database, LMDBError> = Result { () throws(LMDBError) in try txn.openDatabase(name, create: false) }
        switch result {
        case .success(let db):
            return db
        case .failure(let error) where error.code == .notFound:
            return nil
        case .failure(let error) where error.code == .incompatible:
            throw LedgerError.notAStore(path: path, reason: "its main database has a '\(name)' key that is not a database")
        case .failure(let error):
            throw error
        }
    }
}
