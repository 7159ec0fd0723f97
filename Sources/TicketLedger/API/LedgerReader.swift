public import Logging
import Synchronization

/// A store opened read-only, for audits, exports and inspection: it never writes a byte of
/// the store (LMDB: `MDB_RDONLY`, only read transactions; PostgreSQL: `READ ONLY`
/// transactions), so it can run beside live writers in other processes and hosts. One per
/// LMDB store per process, like ``Ledger``. Its reads are ``LedgerReading``'s.
public final class LedgerReader: LedgerReading {
    private enum Opened {
        case lmdb(OpenedStore)
        case postgres(PostgresStore)
    }

    private let opened: Opened
    private let isClosed = Atomic<Bool>(false)

    private init(opened: Opened) {
        self.opened = opened
    }

    deinit { close() }

    /// Opens the store in directory `path` read-only.
    ///
    /// - Throws: ``LedgerError`` when the directory is missing, holds no store (or a truncated
    ///   one), has a newer format, cannot be read, or is already open in this process.
    public static func open(at path: String) throws(LedgerError) -> LedgerReader {
        guard !PostgresLocation.isURL(path) else {
            throw .invalidArgument("store", "'\(path)' is a PostgreSQL URL: open it with LedgerReader.open(_:) and a StoreLocation")
        }
        return LedgerReader(opened: .lmdb(try StoreOpener.open(path: path, access: .readOnly)))
    }

    /// Opens the store at `location` read-only: a directory as ``open(at:)``, or a PostgreSQL
    /// database (which must hold the schema; reads run in `REPEATABLE READ READ ONLY`
    /// transactions on a connection of their own).
    ///
    /// - Throws: as ``open(at:)``; for PostgreSQL ``LedgerError/storeUnavailable(path:reason:)``,
    ///   ``LedgerError/notAStore(path:reason:)`` or ``LedgerError/newerFormat(path:found:supported:)``.
    public static func open(_ location: StoreLocation, logger: Logger = Logger(label: "TicketLedger")) throws(LedgerError) -> LedgerReader {
        switch location {
        case .directory(let path): return try open(at: path)
        case .postgres(let database): return LedgerReader(opened: .postgres(try PostgresStore.open(database, create: false, logger: logger)))
        }
    }

    /// The store's directory, or its URL without the password.
    public var path: String {
        switch opened {
        case .lmdb(let store): store.handle.path
        case .postgres(let store): store.path
        }
    }

    /// The open LMDB environment and layout (tests look inside).
    var store: StoreHandle {
        get throws(LedgerError) { try readAccess.lmdb("a look inside") }
    }

    /// The open store; ``LedgerError/closed`` once closed.
    public var readAccess: LedgerReadAccess {
        get throws(LedgerError) {
            guard !isClosed.load(ordering: .acquiring) else { throw .closed }
            switch opened {
            case .lmdb(let store): return LedgerReadAccess(kind: .lmdb(store.handle))
            case .postgres(let store): return store.readAccess
            }
        }
    }

    /// Closes the store; calling it twice is harmless.
    public func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        switch opened {
        case .lmdb(let store): store.close()
        case .postgres(let store): store.close()
        }
    }
}
