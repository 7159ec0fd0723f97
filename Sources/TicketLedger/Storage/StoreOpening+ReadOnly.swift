import LMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens an existing store read-only (`MDB_RDONLY`): nothing is created or written, not even
/// the layout. Refuses a directory that holds no store, a newer format, or a `data.mdb`
/// shorter than its own metadata says (reading the missing pages would fault).
func openStoreReadOnly(path: String) throws(LedgerError) -> (StoreHandle, String) {
    var st = stat()
    if stat(path, &st) != 0 {
        let err = errno
        if err == ENOENT { throw .storeNotFound(path: path) }
        if err == EACCES { throw .permissionDenied(path: path, operation: "stat") }
        throw .storage(path: path, operation: "stat", message: String(cString: strerror(err)))
    }
    guard st.st_mode & S_IFMT == S_IFDIR else { throw .notAStore(path: path, reason: "it is not a directory") }
    var dataStat = stat()
    guard stat(path + "/data.mdb", &dataStat) == 0 else {
        if errno == EACCES { throw .permissionDenied(path: path, operation: "stat data.mdb") }
        throw .notAStore(path: path, reason: "the directory holds no data.mdb")
    }
    guard dataStat.st_mode & S_IFMT == S_IFREG else { throw .notAStore(path: path, reason: "data.mdb is not a regular file") }
    guard dataStat.st_size > 0 else { throw .notAStore(path: path, reason: "data.mdb is empty") }
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
        return (try openEnvironmentReadOnly(path: path), canonical)
    } catch {
        _ = openStores.withLock { $0.remove(canonical) }
        throw ledgerError(error, path: path)
    }
}

/// Opens the existing database `name`, as a "not a store" error when it is missing.
private func openExisting(_ txn: Transaction, _ name: String, path: String) throws -> Database {
    let result: Result<Database, LMDBError> = Result { () throws(LMDBError) in try txn.openDatabase(name, create: false) }
    switch result {
    case .success(let db):
        return db
    case .failure(let error) where error.code == .notFound:
        throw LedgerError.notAStore(path: path, reason: "it has no '\(name)' database")
    case .failure(let error) where error.code == .incompatible:
        throw LedgerError.notAStore(path: path, reason: "its '\(name)' key is not a database")
    case .failure(let error):
        throw error
    }
}

/// Opens the environment read-only and checks it is a store this build reads.
private func openEnvironmentReadOnly(path: String) throws -> StoreHandle {
    var options = EnvironmentOptions()
    options.readOnly = true
    options.mapSize = 0  // the size the environment records
    let env = try Environment(path: path, options: options)
    do {
        // Reader slots of dead processes live in lock.mdb, not the store: freeing them is safe.
        _ = try? env.clearStaleReaders()
        let (fileBytes, neededBytes) = try env.dataFileCheck()
        guard fileBytes >= neededBytes else {
            throw LedgerError.corrupted(
                path: path, detail: "data.mdb is \(fileBytes) bytes, shorter than the \(neededBytes) its last page needs (truncated)")
        }
        let layout = try env.read { txn -> StoreLayout in
            let meta = try openExisting(txn, "meta", path: path)
            let existing = try txn.withValue(meta, key: StoreLayout.metaKey) { bytes -> StoreMeta in
                guard let bytes else { throw LedgerError.notAStore(path: path, reason: "the meta database has no ledger record") }
                do {
                    return try StoreMeta(decoding: bytes)
                } catch {
                    throw LedgerError.notAStore(path: path, reason: String(describing: error))
                }
            }
            if existing.format > StoreLayout.formatVersion {
                throw LedgerError.newerFormat(path: path, found: existing.format, supported: StoreLayout.formatVersion)
            }
            return StoreLayout(
                events: try openExisting(txn, "events", path: path), tickets: try openExisting(txn, "tickets", path: path), users: try openExisting(txn, "users", path: path),
                pools: try openExisting(txn, "pools", path: path), due: try openExisting(txn, "due", path: path), meta: meta)
        }
        return StoreHandle(environment: env, layout: layout, path: path)
    } catch {
        env.close()
        throw error
    }
}
