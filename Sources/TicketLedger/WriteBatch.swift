import LMDB

/// The commands run in one write transaction: each is decided against the state left by
/// the ones before it, its events appended to the log and applied to the projections.
/// Nothing is visible to anyone until the transaction commits.
struct WriteBatch {
    private let txn: Transaction
    private let layout: StoreLayout
    private var projections: LMDBProjections
    private let clock: any LedgerClock
    private let path: String
    /// Where the log stands, read from `meta` inside this transaction, so appends made by
    /// other processes since our last batch are accounted for.
    private(set) var head: ChainHead
    private let startSequence: UInt64

    init(txn: Transaction, layout: StoreLayout, path: String, clock: any LedgerClock) throws {
        self.txn = txn
        self.layout = layout
        self.path = path
        self.clock = clock
        self.projections = LMDBProjections(txn: txn, layout: layout, path: path)
        let meta = try txn.withValue(layout.meta, key: StoreLayout.metaKey) { bytes in
            guard let bytes else { throw LedgerError.corrupted(path: path, detail: "the ledger metadata record is missing") }
            return try StoreMeta(decoding: bytes)
        }
        self.head = meta.head
        self.startSequence = meta.head.sequence
    }

    /// Appends `event` at the next sequence number, chains it and applies it. Returns its sequence.
    mutating func append(_ event: LedgerEvent) throws -> UInt64 {
        let sequence = head.sequence + 1
        let (record, hash) = EventCodec.record(of: event, after: head.hash)
        try txn.put(layout.events, key: sequence.bigEndianBytes, value: record, append: true)
        try Projector.apply(event, sequence: sequence, to: &projections)
        head = ChainHead(sequence: sequence, hash: hash)
        return sequence
    }

    /// Writes the new head to `meta`; call once, after the last command.
    func finish() throws {
        guard head.sequence != startSequence else { return }
        try txn.put(layout.meta, key: StoreLayout.metaKey, value: StoreMeta(format: StoreLayout.formatVersion, head: head).encoded())
    }

    mutating func issue(_ request: IssueRequest, ip: IPAddress?) throws -> IssuedTicket {
        let ticket = Ticket.random(at: TicketLocator(sequence: head.sequence + 1))
        let event = try Decider.issue(
            request, ip: ip, verifierDigest: ticket.verifierDigest, poolState: try projections.pool(request.pool),
            now: clock.now()
        ).get()
        _ = try append(.ticketIssued(event))
        return IssuedTicket(ticket: ticket, expiresAt: event.expiresAt, issuedAt: event.at)
    }

    mutating func redeem(_ ticket: Ticket?, pool: PoolID, secret: String?) throws -> RedemptionOutcome {
        let ticketState = try ticket.map { try projections.ticket($0.locator) } ?? nil
        let decision = Decider.redeem(
            presented: ticket, pool: pool, secret: secret, poolState: try projections.pool(pool),
            ticketState: ticketState, now: clock.now())
        switch decision {
        case .consume(let event):
            _ = try append(.ticketConsumed(event))
            guard let state = ticketState, let user = try projections.user(UserKey(pool: pool, user: state.user)) else {
                throw LedgerError.corrupted(path: path, detail: "the user of ticket \(event.locator) vanished while it was consumed")
            }
            return .redeemed(UserDocument(user: state.user, state: user))
        case .reject(let reason, let record):
            if let record { _ = try append(.redemptionRejected(record)) }
            return .rejected(RedemptionRejection(reason))
        }
    }

    /// Expires up to `limit` issued tickets whose expiry is at or before now.
    mutating func expireDue(limit: Int) throws -> Int {
        let now = clock.now()
        var due: [(TicketLocator, PoolID)] = []
        try txn.withCursor(layout.due) { cursor in
            var entry = try cursor.first()
            while let e = entry, due.count < limit {
                guard e.key.count == 16,
                      let expiresAt = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: e.key[0..<8])),
                      let sequence = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: e.key[8..<16]))
                else { throw LedgerError.corrupted(path: path, detail: "an expiry index key is not 16 bytes") }
                guard Int64(bitPattern: expiresAt) <= now.millisecondsSince1970 else { break }
                due.append((TicketLocator(sequence: sequence), PoolID(unchecked: "")))
                entry = try cursor.next()
            }
        }
        var expired = 0
        for (locator, _) in due {
            guard let state = try projections.ticket(locator), state.status == .issued else {
                throw LedgerError.corrupted(path: path, detail: "the expiry index lists ticket \(locator), which is not issued")
            }
            _ = try append(.ticketExpired(TicketExpired(pool: state.pool, at: now, locator: locator)))
            expired += 1
        }
        return expired
    }
}
