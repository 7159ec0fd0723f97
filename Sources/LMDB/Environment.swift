internal import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How durably a write transaction's commit reaches the disk.
package enum SyncMode: Sendable {
    /// Every commit flushes data and meta pages (`fsync`) before it returns.
    case durable
    /// Data pages are flushed, the meta page is not (`MDB_NOMETASYNC`): a crash of the
    /// system may lose the last commit, never corrupt the store.
    case noMetaSync
    /// Nothing is flushed (`MDB_NOSYNC`): a crash of the system may lose or corrupt data.
    case none
}

/// What an environment is opened with.
package struct EnvironmentOptions: Sendable {
    package var mapSize: Int = 1 << 30
    package var maxDatabases: UInt32 = 16
    package var maxReaders: UInt32 = 510
    package var sync: SyncMode = .durable
    package var readOnly: Bool = false
    package init() {}
}

/// Map use, as `mdb_env_info` and `mdb_env_stat` report it.
package struct EnvironmentInfo: Sendable {
    package var mapSize: Int
    package var lastPageNumber: Int
    package var pageSize: Int
    package var lastTransactionID: Int
    package var readersInUse: Int
    /// Bytes of the map in use.
    /// (`Int.max` when damaged numbers would overflow: a damaged store must not trap).
    package var usedBytes: Int {
        let (pages, tooMany) = lastPageNumber.addingReportingOverflow(1)
        let (bytes, tooBig) = pages.multipliedReportingOverflow(by: pageSize)
        return tooMany || tooBig ? .max : bytes
    }
}

/// An LMDB environment: one directory holding `data.mdb` and `lock.mdb`.
///
/// Transactions are closures (`read { txn in … }`, `write { txn in … }`): a write commits when
/// the closure returns and aborts when it throws. A transaction handle is valid only inside
/// its closure.
///
/// `@unchecked Sendable`: the `MDB_env` is thread-safe per LMDB's documentation (opened with
/// `MDB_NOTLS`, so read transactions are not tied to threads); growing the map, the only
/// operation that needs no live transactions in the process, takes `resizeLock` exclusively,
/// while every transaction holds it shared.
package final class Environment: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The directory this environment lives in.
    package let path: String
    package let options: EnvironmentOptions
    private let resizeLock: UnsafeMutablePointer<pthread_rwlock_t>
    private var closed = false
    /// Whether LMDB mapped the file read-only (opened without `MDB_WRITEMAP`, as
    /// `mdb_env_get_flags` reports): then ``dropResidentPages(from:to:)`` is safe.
    package let mapIsReadOnly: Bool

    /// Opens (and with `create`, creates) the environment in directory `path`.
    package init(path: String, options: EnvironmentOptions) throws(LMDBError) {
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: .invalid, operation: "mdb_env_create") }
        var flags = UInt32(MDB_NOTLS)
        switch options.sync {
        case .durable: break
        case .noMetaSync: flags |= UInt32(MDB_NOMETASYNC)
        case .none: flags |= UInt32(MDB_NOSYNC)
        }
        if options.readOnly { flags |= UInt32(MDB_RDONLY) }
        do {
            try check(mdb_env_set_maxdbs(env, options.maxDatabases), "mdb_env_set_maxdbs")
            try check(mdb_env_set_maxreaders(env, options.maxReaders), "mdb_env_set_maxreaders")
            try check(mdb_env_set_mapsize(env, options.mapSize), "mdb_env_set_mapsize")
            // data.mdb and lock.mdb are created private to their owner (0600 less the umask):
            // the store holds phone numbers, openids and IP addresses.
            try check(mdb_env_open(env, path, flags, 0o600), "mdb_env_open(\(path))")
            var opened: UInt32 = 0
            try check(mdb_env_get_flags(env, &opened), "mdb_env_get_flags(\(path))")
            self.mapIsReadOnly = opened & UInt32(MDB_WRITEMAP) == 0
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.handle = env
        self.path = path
        self.options = options
        self.resizeLock = .allocate(capacity: 1)
        pthread_rwlock_init(resizeLock, nil)
    }

    deinit {
        close()
        pthread_rwlock_destroy(resizeLock)
        resizeLock.deallocate()
    }

    /// Closes the environment. No transaction may be running; calling it twice is harmless.
    package func close() {
        pthread_rwlock_wrlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        if !closed {
            closed = true
            mdb_env_close(handle)
        }
    }

    /// Clears reader slots left behind by processes that died; returns how many.
    @discardableResult
    package func clearStaleReaders() throws(LMDBError) -> Int {
        var dead: Int32 = 0
        try check(mdb_reader_check(handle, &dead), "mdb_reader_check(\(path))")
        return Int(dead)
    }

    /// Flushes the data buffers to disk (needed only with `.noMetaSync` or `.none`).
    package func sync(force: Bool = true) throws(LMDBError) {
        try check(mdb_env_sync(handle, force ? 1 : 0), "mdb_env_sync(\(path))")
    }

    /// Map size and use.
    package func info() throws(LMDBError) -> EnvironmentInfo {
        var info = MDB_envinfo()
        var stat = MDB_stat()
        try check(mdb_env_info(handle, &info), "mdb_env_info(\(path))")
        try check(mdb_env_stat(handle, &stat), "mdb_env_stat(\(path))")
        return EnvironmentInfo(
            mapSize: info.me_mapsize, lastPageNumber: info.me_last_pgno, pageSize: Int(stat.ms_psize),
            lastTransactionID: info.me_last_txnid, readersInUse: Int(info.me_numreaders))
    }

    /// Tells the kernel that this process will not need the map's pages between `start` and
    /// `end` soon (`madvise(MADV_DONTNEED)`), so that a long scan does not grow the resident set
    /// with the file: the pages leave this process's resident set but stay in the page cache,
    /// and fault back in, with the same bytes, when they are read again. Views that are still
    /// valid stay valid.
    ///
    /// The range is widened to whole pages of the operating system: the page holding `start`
    /// to the one holding the byte before `end`. Both must lie inside the map, which is one
    /// contiguous mapping of the file: take them from views this environment's transactions
    /// returned in a read transaction (any address between two such views is inside it too; a
    /// write transaction's views may be pages it copied to the heap). Nothing else may be
    /// passed: outside the map the advice would discard other memory of the process.
    ///
    /// Safe because LMDB maps the file read-only (`PROT_READ`, `MAP_SHARED`) unless the
    /// environment was opened with `MDB_WRITEMAP`, which this wrapper never sets (checked at
    /// open, see ``mapIsReadOnly``): no page of the map holds changes of its own.
    ///
    /// - Throws: ``LMDBError`` with ``LMDBResultCode/incompatible`` when the map is writable,
    ///   with `EINVAL` when the range is longer than the map (so not inside it), or with the
    ///   `errno` of `madvise` when the kernel refuses the advice.
    package func dropResidentPages(from start: UnsafeRawPointer, to end: UnsafeRawPointer) throws(LMDBError) {
        guard mapIsReadOnly else {
            throw LMDBError(code: .incompatible, operation: "dropping resident pages of the map of \(path) (it is writable: MDB_WRITEMAP)")
        }
        let page = Self.systemPageSize
        guard end > start else { return }
        let low = Int(bitPattern: start) / page * page
        let high = (Int(bitPattern: end) + page - 1) / page * page
        guard let base = UnsafeMutableRawPointer(bitPattern: low) else { return }
        // A range longer than the map cannot lie inside it (e.g. one end in a page a write
        // transaction copied to the heap): refuse it rather than discard other memory.
        let mapSize = try info().mapSize
        guard high - low <= mapSize else {
            throw LMDBError(
                code: LMDBResultCode(rawValue: EINVAL),
                operation: "dropping \(high - low) resident bytes of the map of \(path), which is only \(mapSize) bytes: the range is not inside it")
        }
        if madvise(base, high - low, Int32(MADV_DONTNEED)) != 0 {
            throw LMDBError(
                code: LMDBResultCode(rawValue: errno),
                operation: "madvise(MADV_DONTNEED) of \(high - low) bytes of the map of \(path)")
        }
    }

    /// The operating system's page size (4,096 bytes if it cannot be read).
    package static let systemPageSize: Int = {
        let size = Int(sysconf(Int32(_SC_PAGESIZE)))
        return size > 0 ? size : 4096
    }()

    /// The size of `data.mdb` and the bytes its last used page needs: a file shorter than
    /// that would fault (SIGBUS) when the missing pages are read.
    package func dataFileCheck() throws(LMDBError) -> (fileBytes: Int, neededBytes: Int) {
        let info = try self.info()
        var st = stat()
        guard stat(path + "/data.mdb", &st) == 0 else { throw LMDBError(code: LMDBResultCode(rawValue: errno), operation: "stat(\(path)/data.mdb)") }
        return (Int(st.st_size), info.usedBytes)
    }

    /// Writes a consistent copy of the environment into the existing, empty directory `path`,
    /// while other transactions go on. The copy's `data.mdb` is created here, new (`O_EXCL`)
    /// and private to its owner (mode 0600 whatever the umask; `mdb_env_copy2` would make it
    /// 0666 less the umask), and LMDB writes into it (`mdb_env_copyfd2`).
    /// When another process grew the map meanwhile, the new size is adopted and the copy
    /// started again (the partial file is removed first).
    package func copy(to destination: String, compact: Bool = true) throws(LMDBError) {
        let file = destination + "/data.mdb"
        while true {
            let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw LMDBError(code: LMDBResultCode(rawValue: errno), operation: "open(\(file))") }
            do throws(LMDBError) {
                defer { closeDescriptor(fd) }
                guard fchmod(fd, 0o600) == 0 else { throw LMDBError(code: LMDBResultCode(rawValue: errno), operation: "fchmod(\(file))") }
                pthread_rwlock_rdlock(resizeLock)
                defer { pthread_rwlock_unlock(resizeLock) }
                try check(
                    mdb_env_copyfd2(handle, fd, compact ? UInt32(MDB_CP_COMPACT) : 0),
                    "mdb_env_copyfd2(\(path) → \(destination))")
                return
            } catch where error.code == .mapResized {
                _ = unlink(file)
                try adoptMapSize()
            }
        }
    }

    /// Runs `body` in a read-only transaction.
    package func read<R>(_ body: (Transaction) throws -> R) throws -> R {
        while true {
            do {
                return try run(readOnly: true, body)
            } catch let error as LMDBError where error.code == .mapResized {
                try adoptMapSize()
            } catch let error as LMDBError where error.code == .readersFull {
                // Slots of processes that died inside a read transaction: free them, try again.
                guard try clearStaleReaders() > 0 else { throw error }
            }
        }
    }

    /// Runs `body` in a write transaction and commits it when `body` returns.
    ///
    /// When the map is full the transaction is aborted, the map doubled, and `body` run again,
    /// so `body` must not have effects outside the transaction before it returns.
    package func write<R>(_ body: (Transaction) throws -> R) throws -> R {
        while true {
            do {
                return try run(readOnly: false, body)
            } catch let error as LMDBError where error.code == .mapFull {
                try grow(from: error)
            } catch let error as LMDBError where error.code == .mapResized {
                try adoptMapSize()
            }
        }
    }

    private func run<R>(readOnly: Bool, _ body: (Transaction) throws -> R) throws -> R {
        pthread_rwlock_rdlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        let txn = try begin(readOnly: readOnly)
        let result: R
        do {
            result = try body(txn)
        } catch {
            mdb_txn_abort(txn.handle)
            throw error
        }
        // Read-only transactions are committed too: that keeps database handles they opened.
        try check(mdb_txn_commit(txn.handle), "mdb_txn_commit(\(path))")
        return result
    }

    /// Another process grew the map: adopt its size (needs no live transaction here).
    private func adoptMapSize() throws(LMDBError) {
        pthread_rwlock_wrlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        try check(mdb_env_set_mapsize(handle, 0), "mdb_env_set_mapsize(\(path))")
    }

    /// Doubles the map (never shrinking it below what another process already set).
    private func grow(from error: LMDBError) throws {
        pthread_rwlock_wrlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        var info = MDB_envinfo()
        try check(mdb_env_info(handle, &info), "mdb_env_info(\(path))")
        let next = info.me_mapsize.multipliedReportingOverflow(by: 2)
        guard !next.overflow else { throw error }
        try check(mdb_env_set_mapsize(handle, next.partialValue), "mdb_env_set_mapsize(\(path))")
    }

    private func begin(readOnly: Bool) throws(LMDBError) -> Transaction {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(handle, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "mdb_txn_begin(\(path))")
        guard let txn else { throw LMDBError(code: .invalid, operation: "mdb_txn_begin(\(path))") }
        return Transaction(handle: txn)
    }

    /// Opens (with `create`, creates) the named database inside a transaction of its own.
    package func openDatabase(_ name: String, create: Bool) throws -> Database {
        if create {
            return try write { txn in try txn.openDatabase(name, create: true) }
        }
        return try read { txn in try txn.openDatabase(name, create: false) }
    }
}

/// `close(2)` (inside `Environment`, `close` names its own method).
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
