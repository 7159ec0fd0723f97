import LMDB

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
    guard let available = POSIX.availableBytes(onFileSystemOf: path) else { return false }
    return available < 1 << 20
}
