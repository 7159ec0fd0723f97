import LMDB

/// Copies `environment` into `destination` (an empty or missing directory, made with its
/// missing parents), syncs the copy, and reads its head back.
func backupEnvironment(_ environment: Environment, path: String, to destination: String) throws(LedgerError) -> BackupReport {
    var created = false
    switch POSIX.fileKind(destination) {
    case .success(let kind):
        guard kind == .directory else {
            throw .invalidArgument("backup destination", "'\(destination)' exists and is not a directory")
        }
        guard let entries = POSIX.directoryEntries(destination) else {
            throw .permissionDenied(path: destination, operation: "list the backup destination")
        }
        guard entries.isEmpty else {
            throw .invalidArgument("backup destination", "'\(destination)' is not empty; a backup never overwrites anything")
        }
    case .failure(let e) where e == .noEntry:
        try StoreOpener.makeDirectories(destination)  // and its missing parents, as `mkdir -p`
        created = true
    case .failure(let e):
        throw .storage(path: destination, operation: "stat", message: e.description)
    }
    let dataFile = destination + "/data.mdb"
    func removePartial() {
        POSIX.removeFile(dataFile)
        POSIX.removeFile(destination + "/lock.mdb")
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
    var bytes = 0
    if case .success(.regularFile(let size)) = POSIX.fileKind(dataFile) { bytes = Int(size) }
    let copy = try StoreOpener.open(path: destination, access: .readOnly)
    defer { copy.close() }
    let head = try copy.handle.read { txn in try copy.handle.meta(txn).head }
    return BackupReport(destination: destination, head: head, bytes: bytes)
}

/// `fsync`s the file or directory at `path`.
private func syncFile(_ path: String) throws(LMDBError) {
    if case .failure(let failure) = POSIX.sync(path) {
        throw LMDBError(code: LMDBResultCode(rawValue: failure.errno.code), operation: failure.call)
    }
}
