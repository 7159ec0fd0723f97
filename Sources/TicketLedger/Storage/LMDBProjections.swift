import LMDB

/// The tickets side of the projections inside an LMDB transaction: how the live path
/// applies events and decides redemptions.
struct LMDBProjections: TicketProjections {
    let txn: Transaction
    let layout: StoreLayout
    let path: String
    /// The users' personal-data keys, when the store has them.
    var vault: KeyVault? = nil

    /// `user`'s personal-data key as the transaction sees it; `nil` when there is none.
    func personalKey(for user: UserKey) throws -> PersonalKey? { try vault?.key(for: user, in: txn) }

    /// `user`'s personal-data key, made when there is none (a write transaction).
    mutating func ensurePersonalKey(for user: UserKey) throws -> PersonalKey? { try vault?.ensureKey(for: user, in: txn) }

    /// Destroys `user`'s personal-data key: its slot zeroed and synced now (see ``KeyVault``).
    mutating func destroyPersonalKey(for user: UserKey) throws { try vault?.destroyKey(for: user, in: txn) }

    func pool(_ id: PoolID) throws -> PoolState? {
        try txn.withValue(layout.pools, key: Array(id.rawValue.utf8)) { try $0.map(PoolState.init(decoding:)) }
    }

    func ticket(_ locator: TicketLocator) throws -> TicketState? {
        try txn.withValue(layout.tickets, key: IntegerKey(locator.sequence)) { try $0.map(TicketState.init(decoding:)) }
    }

    /// The user as of the last users checkpoint (the `users` database alone).
    func checkpointedUser(_ key: UserKey) throws -> UserState? {
        try txn.withValue(layout.users, key: key.bytes) { try $0.map(UserState.init(decoding:)) }
    }

    mutating func setPool(_ state: PoolState, for id: PoolID) throws {
        try txn.put(layout.pools, key: Array(id.rawValue.utf8), value: state.encoded())
    }

    mutating func setTicket(_ state: TicketState, for locator: TicketLocator) throws {
        try txn.put(layout.tickets, key: IntegerKey(locator.sequence), value: state.encoded())
    }

    mutating func setDue(_ locator: TicketLocator, at expiresAt: Timestamp, _ present: Bool) throws {
        let key = dueKey(expiresAt, locator)
        if present {
            try txn.put(layout.due, key: key, value: [UInt8]())
        } else {
            try txn.delete(layout.due, key: key)
        }
    }

    /// The metadata record.
    func meta() throws -> StoreMeta {
        try txn.withValue(layout.meta, key: StoreLayout.metaKey) { bytes in
            guard let bytes else { throw LedgerError.corrupted(path: path, detail: "the ledger metadata record is missing") }
            return try StoreMeta(decoding: bytes)
        }
    }

    /// Calls `body` with each event after `sequence` up to `last`, in order.
    func forEachEvent(after sequence: UInt64, through last: UInt64, _ body: (UInt64, LedgerEvent) throws -> Void) throws {
        guard sequence < last else { return }
        try txn.withCursor(layout.events) { cursor in
            var entry = try cursor.seek(atLeast: IntegerKey(sequence + 1))
            var expected = sequence + 1
            while let e = entry, expected <= last {
                guard let seq = UInt64(bigEndianBytes: e.key), seq == expected else {
                    throw LedgerError.corrupted(path: path, detail: "the log has a gap before event \(expected)")
                }
                let (payload, _) = try EventCodec.split(e.value)
                try body(seq, try EventCodec.decode(payload: payload))
                expected += 1
                entry = try cursor.next()
            }
            guard expected > last else {
                throw LedgerError.corrupted(path: path, detail: "the log ends at \(expected - 1), before its head \(last)")
            }
        }
    }
}

/// `expiresAt ‖ locator`, both big-endian, so keys sort by expiry. Expiry times before 1970
/// cannot be issued (the clock would have to run backwards past the epoch).
func dueKey(_ expiresAt: Timestamp, _ locator: TicketLocator) -> IntegerKey {
    IntegerKey(UInt64(bitPattern: expiresAt.millisecondsSince1970), locator.sequence)
}
