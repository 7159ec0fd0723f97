import LMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Copies `environment` into `destination` (an empty or missing directory), syncs the copy,
/// and reads its head back.
func backupEnvironment(_ environment: Environment, path: String, to destination: String) throws(LedgerError) -> BackupReport {
    var created = false
    var st = stat()
    if stat(destination, &st) == 0 {
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw .invalidArgument("backup destination", "'\(destination)' exists and is not a directory")
        }
        guard let entries = directoryEntries(destination) else {
            throw .permissionDenied(path: destination, operation: "list the backup destination")
        }
        guard entries.isEmpty else {
            throw .invalidArgument("backup destination", "'\(destination)' is not empty; a backup never overwrites anything")
        }
    } else {
        let err = errno
        guard err == ENOENT else {
            throw .storage(path: destination, operation: "stat", message: String(cString: strerror(err)))
        }
        guard mkdir(destination, 0o755) == 0 else {
            let e = errno
            if e == EACCES { throw .permissionDenied(path: destination, operation: "mkdir") }
            throw .storage(path: destination, operation: "mkdir", message: String(cString: strerror(e)))
        }
        created = true
    }
    let dataFile = destination + "/data.mdb"
    func removePartial() {
        _ = unlink(dataFile)
        _ = unlink(destination + "/lock.mdb")
        if created { _ = rmdir(destination) }
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
    var copied = stat()
    let bytes = stat(dataFile, &copied) == 0 ? Int(copied.st_size) : 0
    let (copy, canonical) = try openStoreReadOnly(path: destination)
    defer {
        copy.environment.close()
        _ = openStores.withLock { $0.remove(canonical) }
    }
    let head = try copy.read { txn in try copy.meta(txn).head }
    return BackupReport(destination: destination, head: head, bytes: bytes)
}

/// The names in directory `path` other than `.` and `..`, or `nil` when it cannot be read.
private func directoryEntries(_ path: String) -> [String]? {
    guard let dir = opendir(path) else { return nil }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// `fsync`s the file or directory at `path`.
private func syncFile(_ path: String) throws(LMDBError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw LMDBError(code: LMDBResultCode(rawValue: errno), operation: "open(\(path))") }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw LMDBError(code: LMDBResultCode(rawValue: errno), operation: "fsync(\(path))") }
}
