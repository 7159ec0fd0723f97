import LMDB

/// Copies `environment` into `destination` (an empty or missing directory, made with its
/// missing parents), syncs the copy, and reads its head back.
func backupEnvironment(_ environment: Environment, path: String, to destination: String) throws(LedgerError) -> BackupReport {
    let created = try claimEmptyDirectory(destination, for: "backup")
    let dataFile = destination + "/data.mdb"
    func removePartial() {
        POSIX.removeFile(dataFile)
        POSIX.removeFile(destination + "/lock.mdb")
        POSIX.removeFile(destination + "/" + KeyVault.fileName)
        if created { POSIX.removeDirectory(destination) }
    }
    do {
        try environment.copy(to: destination, compact: true)
        try syncFile(dataFile)
        try syncFile(destination)
    } catch where error.code == .noSpace {
        removePartial()
        throw .diskFull(path: destination)
    } catch {
        removePartial()
        throw .storage(path: path, operation: error.operation, message: error.message)
    }
    do throws(LedgerError) {
        // After data.mdb: see ``KeyVault/copyFile(fromStore:toDirectory:)``.
        try KeyVault.copyFile(fromStore: path, toDirectory: destination)
        if case .failure(let failure) = POSIX.sync(destination) {
            throw LedgerError.storage(path: destination, operation: failure.call, message: failure.errno.description)
        }
    } catch {
        removePartial()
        throw error
    }
    var bytes = 0
    if case .success(.regularFile(let size)) = POSIX.fileKind(dataFile) { bytes = Int(size) }
    let copy = try StoreOpener.open(path: destination, access: .readOnly)
    defer { copy.close() }
    let head = try copy.handle.read { txn in try copy.handle.meta(txn).head }
    return BackupReport(destination: destination, head: head, bytes: bytes)
}

/// Makes sure `destination` is an empty directory, making it (with its missing parents) when
/// it does not exist; returns whether it made it. `what` (`backup`, `copy`) names the caller
/// in errors: neither ever writes over anything.
func claimEmptyDirectory(_ destination: String, for what: String) throws(LedgerError) -> Bool {
    switch POSIX.fileKind(destination) {
    case .success(let kind):
        guard kind == .directory else {
            throw .invalidArgument("\(what) destination", "'\(destination)' exists and is not a directory")
        }
        guard let entries = POSIX.directoryEntries(destination) else {
            throw .permissionDenied(path: destination, operation: "list the \(what) destination")
        }
        guard entries.isEmpty else {
            throw .invalidArgument("\(what) destination", "'\(destination)' is not empty; a \(what) never overwrites anything")
        }
        return false
    case .failure(let e) where e == .noEntry:
        try StoreOpener.makeDirectories(destination)  // and its missing parents, as `mkdir -p`
        return true
    case .failure(let e):
        throw .storage(path: destination, operation: "stat", message: e.description)
    }
}

/// `fsync`s the file or directory at `path`.
private func syncFile(_ path: String) throws(LMDBError) {
    if case .failure(let failure) = POSIX.sync(path) {
        throw LMDBError(code: LMDBResultCode(rawValue: failure.errno.code), operation: failure.call)
    }
}
