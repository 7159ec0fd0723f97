import LMDB

/// An open environment and its layout: what the audit, export and inspect functions work
/// on, whether it came from a ``Ledger`` or a read-only ``LedgerReader``.
struct StoreHandle: Sendable {
    let environment: Environment
    let layout: StoreLayout
    let path: String
    /// The users' personal-data keys (``KeyVault``); `nil` for a store that has none (opened
    /// read-only before anything was sealed in it).
    var vault: KeyVault? = nil

    /// Runs `body` in a read transaction, turning storage failures into ``LedgerError``s.
    func read<R>(_ body: (Transaction) throws -> R) throws(LedgerError) -> R {
        do {
            return try environment.read(body)
        } catch {
            throw ledgerError(error, path: path)
        }
    }

    /// The metadata record as `txn` sees it.
    func meta(_ txn: Transaction) throws -> StoreMeta {
        try LMDBProjections(txn: txn, layout: layout, path: path, vault: vault).meta()
    }
}
