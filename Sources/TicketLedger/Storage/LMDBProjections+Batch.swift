import LMDB

/// ``LMDBProjections`` as the writer's ``StoreBatch`` and ``StoreSnapshot``: the log, the
/// metadata record, the users checkpoint and the sweep's scans, in one LMDB transaction.
extension LMDBProjections: StoreBatch, StoreSnapshot {
    mutating func removeTicket(_ locator: TicketLocator) throws {
        try txn.delete(layout.tickets, key: locator.sequence.bigEndianBytes)
    }

    mutating func append(record: [UInt8], of event: LedgerEvent, at sequence: UInt64) throws {
        try txn.put(layout.events, key: IntegerKey(sequence), value: record, append: true)
    }

    mutating func setMeta(_ meta: StoreMeta) throws {
        try txn.put(layout.meta, key: StoreLayout.metaKey, value: meta.encoded())
    }

    /// Puts the users in key order through one cursor (see ``UserRecords``).
    mutating func checkpoint(users: [(key: UserKey, state: UserState)]) throws {
        var records = UserRecords(capacity: users.count)
        for user in users { records.append(user.key, user.state) }
        try records.putInKeyOrder(txn, layout.users)
    }

    func scanDue(into plan: inout ExpiryPlan) throws {
        try txn.withCursor(layout.due) { cursor in
            var entry = try cursor.first()
            while let e = entry {
                guard e.key.count == 16,
                      let expiresAt = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: e.key[0..<8])),
                      let sequence = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: e.key[8..<16]))
                else { throw LedgerError.corrupted(path: path, detail: "an expiry index key is not 16 bytes") }
                let at = Timestamp(millisecondsSince1970: Int64(bitPattern: expiresAt))
                guard plan.offer(TicketLocator(sequence: sequence), expiresAt: at) else { return }
                entry = try cursor.next()
            }
        }
    }

    func scanTickets(into plan: inout PurgePlan) throws {
        try txn.withCursor(layout.tickets) { cursor in
            var entry = try cursor.first()
            while let e = entry {
                guard let sequence = UInt64(bigEndianBytes: e.key) else {
                    throw LedgerError.corrupted(path: path, detail: "a tickets key is not 8 bytes")
                }
                guard plan.offer(TicketLocator(sequence: sequence), state: try TicketState(decoding: e.value)) else { return }
                entry = try cursor.next()
            }
        }
    }

    /// A ticket the sweeper already purged, as its `TicketIssued` event describes it (status
    /// `issued`): enough for the users half of `apply`, which needs only its pool, user and IP.
    /// The users catch-up from the log tail (`UsersView`) needs it when a ticket consumed after
    /// the last users checkpoint has since been purged. `nil` when the log has no such issue.
    func purgedTicket(_ locator: TicketLocator) throws -> TicketState? {
        try txn.withValue(layout.events, key: locator.sequence.bigEndianBytes) { bytes -> TicketState? in
            guard let bytes, case .ticketIssued(let e) = try EventCodec.decode(record: bytes) else { return nil }
            return TicketState(issuedBy: e)
        }
    }
}
