/// What a store answers to a reader: declared and implemented once, for ``Ledger`` (through
/// its open store, beside its writer) and ``LedgerReader`` (a read-only open, beside writers
/// in other processes). Every call runs in read transactions: writers go on meanwhile, and a
/// call sees the store as it stood when the call began.
///
/// Only the two types of this library conform: ``readAccess`` is an opaque handle no one
/// else can make.
public protocol LedgerReading: Sendable {
    /// The store's directory.
    var path: String { get }

    /// The open store the reads run on.
    /// - Throws: ``LedgerError/closed`` once the ledger or reader is closed.
    var readAccess: LedgerReadAccess { get throws(LedgerError) }
}

/// The open store behind a ``LedgerReading``: opaque, made only by this library.
public struct LedgerReadAccess: Sendable {
    enum Kind: Sendable {
        case lmdb(StoreHandle)
        case postgres(PostgresStore)
    }

    let kind: Kind

    init(kind: Kind) { self.kind = kind }

    /// Runs `body` in one read transaction of the store, read as ``StoreScan``.
    func scan<R>(_ body: (any StoreScan) throws -> R) throws(LedgerError) -> R {
        switch kind {
        case .lmdb(let handle): return try handle.read { txn in try body(LMDBScan(handle, txn: txn)) }
        case .postgres(let store): return try store.read { batch in try body(batch) }
        }
    }

    /// The LMDB store, for what only LMDB has (tests look inside its files); a clear error for
    /// another store.
    func lmdb(_ what: String) throws(LedgerError) -> StoreHandle {
        switch kind {
        case .lmdb(let handle): return handle
        case .postgres(let store):
            throw .invalidArgument("store", "\(what) needs an LMDB store; \(store.path) is a PostgreSQL one")
        }
    }
}

extension LedgerReading {
    /// The chain head: the last sequence number and its hash, to keep elsewhere for audits.
    public func head() throws(LedgerError) -> ChainHead {
        switch try readAccess.kind {
        case .lmdb(let store): return try store.read { txn in try store.meta(txn).head }
        case .postgres(let store): return try store.read { snapshot in try snapshot.meta().head }
        }
    }

    /// The locator of the ticket whose text is `text` — in the `tl2.` form, under this store's
    /// key — or `nil` when `text` is not a ticket's text (or a `tl2.` text and the store has no
    /// key yet, so issued none). Says nothing of whether the ticket exists.
    public func locator(ofTicket text: String) throws(LedgerError) -> TicketLocator? {
        let cipher: LocatorCipher?
        switch try readAccess.kind {
        case .lmdb(let store): cipher = try store.read { txn in try LocatorKeyRecord.read(txn, store) }
        case .postgres(let store): cipher = store.locatorCipher
        }
        return Ticket(text, cipher: cipher)?.locator
    }

    /// Replays the whole log into fresh in-memory projections and checks it; see ``AuditReport``.
    /// The audit covers the log as it stood at its start.
    public func audit(_ options: AuditOptions = AuditOptions()) throws(LedgerError) -> AuditReport {
        switch try readAccess.kind {
        case .lmdb(let store): return try Auditor.run(store, options: options)
        case .postgres(let store): return try store.read { batch in try Auditor.run(scanning: batch, options: options) }
        }
    }

    /// Calls `body` with each event from `first` through `last` (clamped to the head), in order.
    public func exportEvents(from first: UInt64 = 1, through last: UInt64 = .max, _ body: (LoggedEvent) throws -> Void) throws {
        try readAccess.scan { scan in try Exporter.run(scan, from: first, through: last, body) }
    }

    /// A ticket's state and event history.
    public func ticketReport(_ locator: TicketLocator) throws(LedgerError) -> TicketReport {
        try readAccess.scan { scan in try Inspector.ticket(scan, locator) }
    }

    /// A user's document and event history.
    public func userReport(pool: PoolID, user: UserID) throws(LedgerError) -> UserReport {
        try readAccess.scan { scan in try Inspector.user(scan, pool: pool, user: user) }
    }

    /// Counts by state, events, log size and map use.
    public func statistics() throws(LedgerError) -> StoreStatistics {
        switch try readAccess.kind {
        case .lmdb(let store): return try Inspector.statistics(store)
        case .postgres(let store): return try store.read { batch in try batch.statistics() }
        }
    }

    /// Writes a consistent copy of the store into `destination`, an LMDB store, while the
    /// store stays in use: for LMDB `mdb_env_copy2` with `MDB_CP_COMPACT` (one read
    /// transaction's snapshot); for PostgreSQL the log as of one `REPEATABLE READ` snapshot,
    /// copied and checked as ``Ledger/copy(from:to:logger:)`` does (`pg_dump` or a replica
    /// back up the database itself).
    ///
    /// - Parameter destination: a directory that does not exist (it is created) or is empty.
    /// - Throws: ``LedgerError/invalidArgument(_:_:)`` when `destination` is not an empty
    ///   directory (a backup never overwrites), ``LedgerError/diskFull(path:)``, or another
    ///   storage error; then no partial copy is left behind.
    public func backup(to destination: String) throws(LedgerError) -> BackupReport {
        switch try readAccess.kind {
        case .lmdb(let store):
            return try backupEnvironment(store.environment, path: path, to: destination)
        case .postgres:
            let copied = try StoreCopier.copy(try readAccess, toDirectory: destination)
            var bytes = 0
            if case .success(.regularFile(let size)) = POSIX.fileKind(destination + "/data.mdb") { bytes = Int(size) }
            return BackupReport(destination: destination, head: copied.head, bytes: bytes)
        }
    }
}
