internal import CLMDB

/// A result code returned by LMDB, with named constants for the codes callers act on.
///
/// Match it in a `catch` with `~=`: `catch let e as LMDBError where e.code == .mapFull`.
package struct LMDBResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The raw `int` LMDB (or the C library, for `errno` values) returned.
    package let rawValue: Int32
    package init(rawValue: Int32) { self.rawValue = rawValue }

    package static let notFound = LMDBResultCode(rawValue: MDB_NOTFOUND)
    package static let keyExists = LMDBResultCode(rawValue: MDB_KEYEXIST)
    package static let corrupted = LMDBResultCode(rawValue: MDB_CORRUPTED)
    package static let pageNotFound = LMDBResultCode(rawValue: MDB_PAGE_NOTFOUND)
    package static let panic = LMDBResultCode(rawValue: MDB_PANIC)
    package static let versionMismatch = LMDBResultCode(rawValue: MDB_VERSION_MISMATCH)
    package static let invalid = LMDBResultCode(rawValue: MDB_INVALID)
    package static let mapFull = LMDBResultCode(rawValue: MDB_MAP_FULL)
    package static let databasesFull = LMDBResultCode(rawValue: MDB_DBS_FULL)
    package static let readersFull = LMDBResultCode(rawValue: MDB_READERS_FULL)
    package static let mapResized = LMDBResultCode(rawValue: MDB_MAP_RESIZED)
    package static let incompatible = LMDBResultCode(rawValue: MDB_INCOMPATIBLE)
    package static let badValueSize = LMDBResultCode(rawValue: MDB_BAD_VALSIZE)
    /// The write transaction has too many dirty pages (`MDB_TXN_FULL`).
    package static let transactionFull = LMDBResultCode(rawValue: MDB_TXN_FULL)
    /// `ENOSPC`: the disk is full.
    package static let noSpace = LMDBResultCode(rawValue: 28)
    /// `ENOENT`: no such file or directory.
    package static let noEntry = LMDBResultCode(rawValue: 2)
    /// `EACCES`: permission denied.
    package static let accessDenied = LMDBResultCode(rawValue: 13)
    /// `EIO`: an input/output error.
    package static let ioError = LMDBResultCode(rawValue: 5)

    /// `mdb_strerror`'s text for this code.
    package var description: String { String(cString: mdb_strerror(rawValue)) }

    package static func ~= (pattern: LMDBResultCode, error: any Error) -> Bool {
        (error as? LMDBError)?.code == pattern
    }
}

/// An LMDB call that failed: which call, on what, and LMDB's own explanation.
package struct LMDBError: Error, Sendable, CustomStringConvertible {
    /// The code LMDB returned.
    package let code: LMDBResultCode
    /// What was being done, e.g. `"mdb_env_open(/var/lib/tickets)"`.
    package let operation: String

    package init(code: LMDBResultCode, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// `mdb_strerror`'s text.
    package var message: String { code.description }
    package var description: String { "\(operation) failed: \(message) (\(code.rawValue))" }
}

/// Turns an LMDB return code into a thrown `LMDBError`; the one place codes are checked.
@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
    if rc != MDB_SUCCESS { throw LMDBError(code: LMDBResultCode(rawValue: rc), operation: operation()) }
}
