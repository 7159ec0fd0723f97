import LMDB

/// Where an LMDB store keeps the key of its ticket texts (``LocatorCipher``): the `meta`
/// database under `"locatorKey"`, 32 bytes. Outside the log (an export never shows it), inside
/// `data.mdb` (a backup carries it, so a restored store redeems the tickets it issued).
enum LocatorKeyRecord {
    static let key = Array("locatorKey".utf8)

    /// The store's key as `txn` sees it, or `nil` when it has none yet (a store written before).
    static func read(_ txn: Transaction, _ handle: StoreHandle) throws -> LocatorCipher? {
        guard let bytes = try txn.value(handle.layout.meta, key: key) else { return nil }
        guard let cipher = LocatorCipher(key: bytes) else {
            throw LedgerError.corrupted(
                path: handle.path, detail: "the ticket-text key in meta is \(bytes.count) bytes, not \(LocatorCipher.keyLength)")
        }
        return cipher
    }

    /// The store's key, made from the system's CSPRNG and stored (in one write transaction,
    /// so two processes opening the store at once agree) when it has none.
    static func ensure(_ handle: StoreHandle) throws(LedgerError) -> LocatorCipher {
        if let cipher = try handle.read({ txn in try read(txn, handle) }) { return cipher }
        do {
            return try handle.environment.write { txn in
                if let cipher = try read(txn, handle) { return cipher }
                let cipher = LocatorCipher.random()
                try txn.put(handle.layout.meta, key: key, value: cipher.key)
                return cipher
            }
        } catch {
            throw ledgerError(error, path: handle.path)
        }
    }

    /// Makes `cipher` the store's key (a copy keeps its source's), in its own write transaction.
    static func write(_ cipher: LocatorCipher, into handle: StoreHandle) throws(LedgerError) {
        do {
            try handle.environment.write { txn in try txn.put(handle.layout.meta, key: key, value: cipher.key) }
        } catch {
            throw ledgerError(error, path: handle.path)
        }
    }
}
