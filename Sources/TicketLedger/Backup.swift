import LMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What ``Ledger/backup(to:)`` and ``LedgerReader/backup(to:)`` wrote.
public struct BackupReport: Sendable, Hashable, Encodable {
    /// The directory holding the copy.
    public var destination: String
    /// The copy's chain head: every event up to it is in the copy.
    public var head: ChainHead
    /// The size of the copy's `data.mdb`.
    public var bytes: Int

    private enum CodingKeys: String, CodingKey { case destination, head, bytes }

    /// Encodes the head as `SEQ:HEX`, as `digest` prints it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(destination, forKey: .destination)
        try c.encode(head.description, forKey: .head)
        try c.encode(bytes, forKey: .bytes)
    }
}

extension Ledger {
    /// Writes a consistent, compacted copy of the store into `destination` while the store
    /// stays in use (`mdb_env_copy2` with `MDB_CP_COMPACT`: one read transaction's snapshot).
    ///
    /// - Parameter destination: a directory that does not exist (it is created) or is empty.
    /// - Throws: ``LedgerError/invalidArgument(_:_:)`` when `destination` is not an empty
    ///   directory (a backup never overwrites), ``LedgerError/diskFull(path:)``, or another
    ///   storage error; then no partial copy is left behind.
    public func backup(to destination: String) throws(LedgerError) -> BackupReport {
        _ = try head()  // throws `closed` once closed
        return try backupEnvironment(engine.environment, path: path, to: destination)
    }
}

extension LedgerReader {
    /// Writes a consistent, compacted copy of the store into `destination`; see ``Ledger/backup(to:)``.
    public func backup(to destination: String) throws(LedgerError) -> BackupReport {
        _ = try head()  // throws `closed` once closed
        return try backupEnvironment(store.environment, path: path, to: destination)
    }
}

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
