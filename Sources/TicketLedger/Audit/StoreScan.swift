/// A read transaction as the audit, export, inspect, rebuild and copy read it: whole stored
/// records in key order, and the projections as they are stored. LMDB (`Storage/LMDBScan.swift`)
/// and PostgreSQL (`Storage/Postgres/PostgresBatch+Scan.swift`) provide it, so those reads are
/// written once for both stores.
///
/// A scan may fetch in pages; the bytes handed to a body are valid only during that call.
/// Keys the store cannot read as keys come as `nil`, for the audit to report.
protocol StoreScan: StoreSnapshot {
    /// The store, for errors.
    var path: String { get }
    /// Calls `body` with each stored event record (chain hash included) from `first` on, in
    /// sequence order, until it returns `false`. A gap is not an error here: the audit reports it.
    func scanRecords(from first: UInt64, _ body: (UInt64?, UnsafeRawBufferPointer) throws -> Bool) throws
    /// The last stored event's sequence (`nil`: none).
    func lastRecordSequence() throws -> UInt64?
    /// The stored event record at `sequence`.
    func record(at sequence: UInt64) throws -> [UInt8]?
    /// Calls `body` with each stored ticket record, by locator.
    func scanStoredTickets(_ body: (UInt64?, UnsafeRawBufferPointer) throws -> Void) throws
    /// Whether the tickets projection holds `locator`.
    func hasStoredTicket(_ locator: UInt64) throws -> Bool
    /// Calls `body` with each stored pool record, by id.
    func scanStoredPools(_ body: (PoolID, UnsafeRawBufferPointer) throws -> Void) throws
    /// Whether the pools projection holds `id`.
    func hasStoredPool(_ id: PoolID) throws -> Bool
    /// Calls `body` with each entry of the expiry index, oldest first.
    func scanDueEntries(_ body: (DueEntry?) throws -> Void) throws
    /// Whether the expiry index holds `entry`.
    func hasDueEntry(_ entry: DueEntry) throws -> Bool
    /// Calls `body` with each stored user's key and record bytes, by key.
    func scanStoredUsers(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws
    /// Whether the stored users projection holds `key`.
    func hasStoredUser(_ key: UserKey) throws -> Bool
    /// How much the projections hold, to size a replay: tickets, users and their records' bytes.
    func storedCounts() throws -> (tickets: Int, users: Int, userBytes: Int)
}

extension StoreScan {
    /// Calls `body` with each event from `first` through `last` that decodes, in order, until
    /// it returns `false`; a record that does not decode throws
    /// ``LedgerError/corrupted(path:detail:)`` naming its sequence when `strict`, else is skipped.
    func scanEvents(
        from first: UInt64, through last: UInt64 = .max, strict: Bool, _ body: (LoggedEvent) throws -> Bool
    ) throws {
        guard first <= last else { return }
        try scanRecords(from: max(first, 1)) { sequence, record in
            guard let sequence else {
                if strict { throw LedgerError.corrupted(path: path, detail: "an events key is not a sequence number") }
                return true
            }
            if sequence > last { return false }
            let event: LedgerEvent
            do {
                event = try EventCodec.decode(record: record)
            } catch {
                if strict { throw LedgerError.corrupted(path: path, detail: "event \(sequence): \(error)") }
                return true
            }
            return try body(LoggedEvent(sequence: sequence, event: event))
        }
    }
}
