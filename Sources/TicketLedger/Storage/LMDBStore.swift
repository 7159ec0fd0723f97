import LMDB

/// The LMDB store behind the writer (``LedgerStore``): one environment in one directory,
/// opened by ``StoreOpener``. A batch and a snapshot are both ``LMDBProjections`` over the
/// transaction; LMDB serializes write transactions across processes.
struct LMDBStore: LedgerStore {
    let opened: OpenedStore
    /// The key of the store's ticket texts (made on the first open for writing).
    let locatorCipher: LocatorCipher

    /// Opens (or, with `create`, creates) the store in `path` to read and write.
    static func open(at path: String, create: Bool, durability: Ledger.Durability, initialMapSize: Int) throws(LedgerError) -> LMDBStore {
        var options = EnvironmentOptions()
        options.mapSize = initialMapSize
        options.maxDatabases = 16
        switch durability {
        case .durable: options.sync = .durable
        case .noMetaSync: options.sync = .noMetaSync
        case .none: options.sync = .none
        }
        let opened = try StoreOpener.open(path: path, access: .readWrite(create: create), options: options)
        do {
            return LMDBStore(opened: opened, locatorCipher: try LocatorKeyRecord.ensure(opened.handle))
        } catch {
            opened.close()
            throw error
        }
    }

    /// The environment and layout.
    var handle: StoreHandle { opened.handle }
    var path: String { opened.handle.path }
    var commitsWaitForDisk: Bool { opened.handle.environment.options.sync != .none }

    /// One write transaction (LMDB is in this process: nothing to read ahead).
    func write<R>(readingAhead _: ReadAhead?, _ body: (LMDBProjections) throws -> R) throws(LedgerError) -> R {
        let handle = opened.handle
        do {
            return try handle.environment.write { txn in
                try body(LMDBProjections(txn: txn, layout: handle.layout, path: handle.path, vault: handle.vault))
            }
        } catch {
            throw ledgerError(error, path: handle.path)
        }
    }

    func read<R>(_ body: (LMDBProjections) throws -> R) throws(LedgerError) -> R {
        let handle = opened.handle
        return try handle.read { txn in try body(LMDBProjections(txn: txn, layout: handle.layout, path: handle.path, vault: handle.vault)) }
    }

    var readAccess: LedgerReadAccess { LedgerReadAccess(kind: .lmdb(handle)) }

    func close() { opened.close() }
}

extension LedgerWriter where Store == LMDBStore {
    /// The LMDB environment (maintenance and tests).
    var environment: Environment { store.handle.environment }
    /// The LMDB layout (maintenance and tests).
    var layout: StoreLayout { store.handle.layout }

    /// Runs `body` in an LMDB read transaction (maintenance and tests).
    func read<R>(_ body: (Transaction) throws -> R) throws(LedgerError) -> R {
        try store.handle.read(body)
    }
}
