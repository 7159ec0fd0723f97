import LMDB

/// An LMDB read transaction as the audit, export, inspect, rebuild and copy read it
/// (``StoreScan``): cursors over the store's databases, trimming the pages a long scan has
/// passed from the resident set (``ResidentPageTrimmer``).
struct LMDBScan: StoreScan {
    let projections: LMDBProjections
    let environment: Environment

    init(_ store: StoreHandle, txn: Transaction) {
        projections = LMDBProjections(txn: txn, layout: store.layout, path: store.path, vault: store.vault)
        environment = store.environment
    }

    private var txn: Transaction { projections.txn }
    private var layout: StoreLayout { projections.layout }
    var path: String { projections.path }

    // MARK: StoreSnapshot

    func meta() throws -> StoreMeta { try projections.meta() }
    func pool(_ id: PoolID) throws -> PoolState? { try projections.pool(id) }
    func ticket(_ locator: TicketLocator) throws -> TicketState? { try projections.ticket(locator) }
    func checkpointedUser(_ key: UserKey) throws -> UserState? { try projections.checkpointedUser(key) }
    func forEachEvent(after sequence: UInt64, through last: UInt64, _ body: (UInt64, LedgerEvent) throws -> Void) throws {
        try projections.forEachEvent(after: sequence, through: last, body)
    }
    func purgedTicket(_ locator: TicketLocator) throws -> TicketState? { try projections.purgedTicket(locator) }
    func personalKey(for user: UserKey) throws -> PersonalKey? { try projections.personalKey(for: user) }

    // MARK: StoreScan

    func scanRecords(from first: UInt64, _ body: (UInt64?, UnsafeRawBufferPointer) throws -> Bool) throws {
        var trimmer = ResidentPageTrimmer(environment: environment)
        defer { trimmer.trim() }
        try txn.withCursor(layout.events) { cursor in
            var entry = try cursor.seek(atLeast: first.bigEndianBytes)
            while let e = entry {
                trimmer.saw(e.value)
                guard try body(UInt64(bigEndianBytes: e.key), e.value) else { return }
                entry = try cursor.next()
            }
        }
    }

    func lastRecordSequence() throws -> UInt64? {
        try txn.withCursor(layout.events) { cursor in try cursor.last().flatMap { UInt64(bigEndianBytes: $0.key) } }
    }

    func record(at sequence: UInt64) throws -> [UInt8]? {
        try txn.withValue(layout.events, key: sequence.bigEndianBytes) { $0.map { Array($0) } }
    }

    func scanStoredTickets(_ body: (UInt64?, UnsafeRawBufferPointer) throws -> Void) throws {
        var trimmer = ResidentPageTrimmer(environment: environment, blocksPerTrim: ResidentPageTrimmer.blocksPerScatteredTrim)
        defer { trimmer.trim() }
        try txn.forEachEntry(layout.tickets) { e in
            trimmer.saw(e.value)
            try body(UInt64(bigEndianBytes: e.key), e.value)
            return true
        }
    }

    func hasStoredTicket(_ locator: UInt64) throws -> Bool {
        try txn.withValue(layout.tickets, key: locator.bigEndianBytes) { $0 != nil }
    }

    func scanStoredPools(_ body: (PoolID, UnsafeRawBufferPointer) throws -> Void) throws {
        try txn.forEachEntry(layout.pools) { e in
            try body(PoolID(unchecked: String(decoding: e.key, as: UTF8.self)), e.value)
            return true
        }
    }

    func hasStoredPool(_ id: PoolID) throws -> Bool {
        try txn.withValue(layout.pools, key: Array(id.rawValue.utf8)) { $0 != nil }
    }

    func scanDueEntries(_ body: (DueEntry?) throws -> Void) throws {
        try txn.forEachEntry(layout.due) { e in
            guard e.key.count == 16,
                  let expires = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: e.key[0..<8])),
                  let sequence = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: e.key[8..<16]))
            else {
                try body(nil)
                return true
            }
            try body(DueEntry(expiresAt: Int64(bitPattern: expires), locator: sequence))
            return true
        }
    }

    func hasDueEntry(_ entry: DueEntry) throws -> Bool {
        try txn.withValue(layout.due, key: entry.key) { $0 != nil }
    }

    func scanStoredUsers(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        var trimmer = ResidentPageTrimmer(environment: environment, blocksPerTrim: ResidentPageTrimmer.blocksPerScatteredTrim)
        defer { trimmer.trim() }
        try txn.forEachEntry(layout.users) { e in
            trimmer.saw(e.value)
            try body(e.key, e.value)
            return true
        }
    }

    func hasStoredUser(_ key: UserKey) throws -> Bool {
        try txn.withValue(layout.users, key: key.bytes) { $0 != nil }
    }

    func storedCounts() throws -> (tickets: Int, users: Int, userBytes: Int) {
        let limit = try environment.info().usedBytes / 16
        let users = try txn.statistics(layout.users)
        return (min(try txn.count(layout.tickets), limit), min(users.entries, limit), min(users.bytes, limit))
    }
}
