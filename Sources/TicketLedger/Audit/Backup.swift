/// What ``Ledger/backup(to:)`` and ``LedgerReader/backup(to:)`` wrote.
public struct BackupReport: Sendable, Hashable, Encodable {
    /// The directory holding the copy.
    public var destination: String
    /// The copy's chain head: every event up to it is in the copy.
    public var head: ChainHead
    /// The size of the copy's `data.mdb`.
    public var bytes: Int

    private enum CodingKeys: String, CodingKey { case destination, head, bytes }

    /// Encodes the head as `SEQ:HEX`, as `digest` prints it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(destination, forKey: .destination)
        try c.encode(head.description, forKey: .head)
        try c.encode(bytes, forKey: .bytes)
    }
}

extension Ledger {
    /// Writes a consistent, compacted copy of the store into `destination` while the store
    /// stays in use (`mdb_env_copy2` with `MDB_CP_COMPACT`: one read transaction's snapshot).
    ///
    /// - Parameter destination: a directory that does not exist (it is created) or is empty.
    /// - Throws: ``LedgerError/invalidArgument(_:_:)`` when `destination` is not an empty
    ///   directory (a backup never overwrites), ``LedgerError/diskFull(path:)``, or another
    ///   storage error; then no partial copy is left behind.
    public func backup(to destination: String) throws(LedgerError) -> BackupReport {
        _ = try head()  // throws `closed` once closed
        return try backupEnvironment(engine.environment, path: path, to: destination)
    }
}

extension LedgerReader {
    /// Writes a consistent, compacted copy of the store into `destination`; see ``Ledger/backup(to:)``.
    public func backup(to destination: String) throws(LedgerError) -> BackupReport {
        _ = try head()  // throws `closed` once closed
        return try backupEnvironment(store.environment, path: path, to: destination)
    }
}
