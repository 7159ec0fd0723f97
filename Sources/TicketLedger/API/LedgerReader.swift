import LMDB
import Synchronization

/// A store opened read-only, for audits, exports and inspection: it never writes a byte of
/// the store (`MDB_RDONLY`; only read transactions), so it can run beside live writers in
/// other processes. One per store per process, like ``Ledger``.
public final class LedgerReader: Sendable {
    let store: StoreHandle
    private let canonicalPath: String
    private let isClosed = Atomic<Bool>(false)

    private init(store: StoreHandle, canonicalPath: String) {
        self.store = store
        self.canonicalPath = canonicalPath
    }

    deinit { close() }

    /// Opens the store in directory `path` read-only.
    ///
    /// - Throws: ``LedgerError`` when the directory is missing, holds no store (or a truncated
    ///   one), has a newer format, cannot be read, or is already open in this process.
    public static func open(at path: String) throws(LedgerError) -> LedgerReader {
        let (store, canonical) = try openStoreReadOnly(path: path)
        return LedgerReader(store: store, canonicalPath: canonical)
    }

    /// The store's directory.
    public var path: String { store.path }

    /// Closes the store; calling it twice is harmless.
    public func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        store.environment.close()
        _ = openStores.withLock { $0.remove(canonicalPath) }
    }

    private func checkOpen() throws(LedgerError) {
        guard !isClosed.load(ordering: .acquiring) else { throw .closed }
    }

    /// The chain head: the last sequence number and its hash.
    public func head() throws(LedgerError) -> ChainHead {
        try checkOpen()
        return try store.read { txn in try store.meta(txn).head }
    }

    /// Replays the whole log into fresh in-memory projections and checks it; see ``AuditReport``.
    public func audit(_ options: AuditOptions = AuditOptions()) throws(LedgerError) -> AuditReport {
        try checkOpen()
        return try Auditor.run(store, options: options)
    }

    /// Calls `body` with each event from `first` through `last` (clamped to the head), in order.
    public func exportEvents(from first: UInt64 = 1, through last: UInt64 = .max, _ body: (LoggedEvent) throws -> Void) throws {
        try checkOpen()
        try Exporter.run(store, from: first, through: last, body)
    }

    /// A ticket's state and event history.
    public func ticketReport(_ locator: TicketLocator) throws(LedgerError) -> TicketReport {
        try checkOpen()
        return try Inspector.ticket(store, locator)
    }

    /// A user's document and event history.
    public func userReport(pool: PoolID, user: UserID) throws(LedgerError) -> UserReport {
        try checkOpen()
        return try Inspector.user(store, pool: pool, user: user)
    }

    /// Counts by state, events, log size and map use.
    public func statistics() throws(LedgerError) -> StoreStatistics {
        try checkOpen()
        return try Inspector.statistics(store)
    }
}
