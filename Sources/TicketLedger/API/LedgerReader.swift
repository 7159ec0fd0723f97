import Synchronization

/// A store opened read-only, for audits, exports and inspection: it never writes a byte of
/// the store (`MDB_RDONLY`; only read transactions), so it can run beside live writers in
/// other processes. One per store per process, like ``Ledger``. Its reads are
/// ``LedgerReading``'s.
public final class LedgerReader: LedgerReading {
    private let opened: OpenedStore
    private let isClosed = Atomic<Bool>(false)

    private init(opened: OpenedStore) {
        self.opened = opened
    }

    deinit { close() }

    /// Opens the store in directory `path` read-only.
    ///
    /// - Throws: ``LedgerError`` when the directory is missing, holds no store (or a truncated
    ///   one), has a newer format, cannot be read, or is already open in this process.
    public static func open(at path: String) throws(LedgerError) -> LedgerReader {
        guard !PostgresLocation.isURL(path) else {
            throw .invalidArgument(
                "store", "a read-only open (audit, export, inspect, backup) of a PostgreSQL store is not built yet; digest works")
        }
        return LedgerReader(opened: try StoreOpener.open(path: path, access: .readOnly))
    }

    /// The store's directory.
    public var path: String { opened.handle.path }

    /// The open environment and layout (tests look inside).
    var store: StoreHandle { opened.handle }

    /// The open store; ``LedgerError/closed`` once closed.
    public var readAccess: LedgerReadAccess {
        get throws(LedgerError) {
            guard !isClosed.load(ordering: .acquiring) else { throw .closed }
            return LedgerReadAccess(kind: .lmdb(opened.handle))
        }
    }

    /// Closes the store; calling it twice is harmless.
    public func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        opened.close()
    }
}
