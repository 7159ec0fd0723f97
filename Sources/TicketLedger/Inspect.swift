import LMDB

/// A ticket's state in the projection and its history in the log.
public struct TicketReport: Sendable, Encodable {
    /// The ticket asked about.
    public var locator: TicketLocator
    /// Its state in the tickets projection, or `nil` when the projection does not hold it
    /// (never issued, or purged after its grace period: see ``history``).
    public var state: TicketState?
    /// Every event about the ticket, in order (issue, rejections, consume or expiry, purge).
    public var history: [LoggedEvent]

    enum CodingKeys: String, CodingKey { case ticket, state, history }
    enum StateKeys: String, CodingKey { case status, pool, user, issuedAt, expiresAt, consumedAt, expiredAt, ip }

    /// `ticket` (the locator), `state` (times in ISO 8601; never the verifier digest) and `history`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(locator.description, forKey: .ticket)
        if let state {
            var s = c.nestedContainer(keyedBy: StateKeys.self, forKey: .state)
            try s.encode(state.status.rawValue, forKey: .status)
            try s.encode(state.pool.rawValue, forKey: .pool)
            try s.encode(state.user.rawValue, forKey: .user)
            try s.encode(state.issuedAt.iso8601, forKey: .issuedAt)
            try s.encode(state.expiresAt.iso8601, forKey: .expiresAt)
            try s.encode(state.consumedAt?.iso8601, forKey: .consumedAt)
            try s.encode(state.expiredAt?.iso8601, forKey: .expiredAt)
            try s.encode(state.ip?.text, forKey: .ip)
        } else {
            try c.encodeNil(forKey: .state)
        }
        try c.encode(history, forKey: .history)
    }
}

/// A user's document as every event left it, and the events about them.
public struct UserReport: Sendable, Encodable {
    /// The pool asked about.
    public var pool: PoolID
    /// The user asked about.
    public var user: UserID
    /// The user document, or `nil` when no ticket was ever issued to the user in the pool.
    public var document: UserDocument?
    /// The tickets issued to the user and every event about them, in order.
    public var history: [LoggedEvent]

    enum CodingKeys: String, CodingKey { case pool, user, document, history }

    /// `pool`, `user`, `document` (the product's user document, or `null`) and `history`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pool.rawValue, forKey: .pool)
        try c.encode(user.rawValue, forKey: .user)
        try c.encode(document, forKey: .document)
        try c.encode(history, forKey: .history)
    }
}

/// What a store holds and how much room it takes.
public struct StoreStatistics: Sendable, Encodable {
    /// The chain head.
    public var head: ChainHead
    /// Events in the log.
    public var events: Int
    /// Bytes of the map the log's pages take.
    public var logBytes: Int
    /// Tickets in the projection that are issued (live, or past expiry and not yet swept).
    public var ticketsIssued: Int
    /// Consumed tickets still in their grace period.
    public var ticketsConsumed: Int
    /// Expired tickets still in their grace period.
    public var ticketsExpired: Int
    /// Entries of the expiry index (issued tickets).
    public var due: Int
    /// Configured pools.
    public var pools: Int
    /// Users in the stored users projection (as of ``usersCheckpoint``).
    public var usersStored: Int
    /// The sequence the stored users projection reflects.
    public var usersCheckpoint: UInt64
    /// The memory map's size.
    public var mapSize: Int
    /// Bytes of the map in use (up to the last used page).
    public var mapUsedBytes: Int
    /// The size of `data.mdb`.
    public var fileBytes: Int

    enum CodingKeys: String, CodingKey {
        case head, events, logBytes, ticketsIssued, ticketsConsumed, ticketsExpired, due, pools, usersStored,
             usersCheckpoint, mapSize, mapUsedBytes, fileBytes
    }

    /// Every field, the head as `SEQ:HEX`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(head.description, forKey: .head)
        try c.encode(events, forKey: .events)
        try c.encode(logBytes, forKey: .logBytes)
        try c.encode(ticketsIssued, forKey: .ticketsIssued)
        try c.encode(ticketsConsumed, forKey: .ticketsConsumed)
        try c.encode(ticketsExpired, forKey: .ticketsExpired)
        try c.encode(due, forKey: .due)
        try c.encode(pools, forKey: .pools)
        try c.encode(usersStored, forKey: .usersStored)
        try c.encode(usersCheckpoint, forKey: .usersCheckpoint)
        try c.encode(mapSize, forKey: .mapSize)
        try c.encode(mapUsedBytes, forKey: .mapUsedBytes)
        try c.encode(fileBytes, forKey: .fileBytes)
    }
}

enum Inspector {
    /// The ticket's state and its events: the log is scanned from its issue (the locator is
    /// the sequence) to its purge, or to the head.
    static func ticket(_ store: StoreHandle, _ locator: TicketLocator) throws(LedgerError) -> TicketReport {
        try store.read { txn in
            let state = try LMDBProjections(txn: txn, layout: store.layout, path: store.path).ticket(locator)
            var history: [LoggedEvent] = []
            guard locator.sequence >= 1 else { return TicketReport(locator: locator, state: state, history: []) }
            try scanDecoded(store, txn: txn, from: locator.sequence) { logged in
                if logged.sequence == locator.sequence {
                    guard case .ticketIssued = logged.event else { return false }  // no ticket was issued here
                    history.append(logged)
                    return true
                }
                if case .ticketsPurged(let e) = logged.event, e.locators.contains(locator) {
                    history.append(logged)
                    return false  // nothing refers to a purged ticket afterwards
                }
                if logged.locator == locator { history.append(logged) }
                return true
            }
            return TicketReport(locator: locator, state: state, history: history)
        }
    }

    /// The user's document (the stored projection plus the log after its checkpoint) and the
    /// events about their tickets; scans the whole log.
    static func user(_ store: StoreHandle, pool: PoolID, user: UserID) throws(LedgerError) -> UserReport {
        try store.read { txn in
            let tickets = LMDBProjections(txn: txn, layout: store.layout, path: store.path)
            let meta = try tickets.meta()
            var overlay = UsersView.Overlay(base: meta.usersSequence, applied: meta.usersSequence, users: [:])
            try UsersView.catchUp(&overlay, with: tickets, meta: meta)
            let key = UserKey(pool: pool, user: user)
            let state = try overlay.user(key) ?? tickets.checkpointedUser(key)
            var mine: Set<UInt64> = []
            var history: [LoggedEvent] = []
            try scanDecoded(store, txn: txn, from: 1) { logged in
                switch logged.event {
                case .ticketIssued(let e):
                    if e.pool == pool && e.user == user {
                        mine.insert(logged.sequence)
                        history.append(logged)
                    }
                case .ticketsPurged(let e):
                    if e.locators.contains(where: { mine.contains($0.sequence) }) { history.append(logged) }
                default:
                    if let locator = logged.locator, mine.contains(locator.sequence) { history.append(logged) }
                }
                return true
            }
            return UserReport(pool: pool, user: user, document: state.map { UserDocument(user: user, state: $0) }, history: history)
        }
    }

    static func statistics(_ store: StoreHandle) throws(LedgerError) -> StoreStatistics {
        let info: EnvironmentInfo
        let file: (fileBytes: Int, neededBytes: Int)
        do {
            info = try store.environment.info()
            file = try store.environment.dataFileCheck()
        } catch {
            throw ledgerError(error, path: store.path)
        }
        return try store.read { txn in
            let meta = try store.meta(txn)
            let log = try txn.statistics(store.layout.events)
            var counts: [TicketStatus: Int] = [:]
            try txn.forEachEntry(store.layout.tickets) { e in
                // Byte 1 of a ticket record is its status (see `TicketState.encoded`).
                if e.value.count > 1, let status = TicketStatus(code: e.value[1]) { counts[status, default: 0] += 1 }
                return true
            }
            return StoreStatistics(
                head: meta.head, events: log.entries, logBytes: log.bytes, ticketsIssued: counts[.issued] ?? 0,
                ticketsConsumed: counts[.consumed] ?? 0, ticketsExpired: counts[.expired] ?? 0,
                due: try txn.count(store.layout.due), pools: try txn.count(store.layout.pools),
                usersStored: try txn.count(store.layout.users), usersCheckpoint: meta.usersSequence,
                mapSize: info.mapSize, mapUsedBytes: info.usedBytes, fileBytes: file.fileBytes)
        }
    }

    /// Calls `body` with each decodable event from `first` on until it returns `false`.
    static func scanDecoded(_ store: StoreHandle, txn: Transaction, from first: UInt64, _ body: (LoggedEvent) throws -> Bool) throws {
        var trimmer = ResidentPageTrimmer(environment: store.environment)
        defer { trimmer.trim() }
        try txn.withCursor(store.layout.events) { cursor in
            var entry = try cursor.seek(atLeast: first.bigEndianBytes)
            while let e = entry {
                trimmer.saw(e.value)
                if let sequence = UInt64(bigEndianBytes: e.key), let (payload, _) = try? EventCodec.split(e.value),
                   let event = try? EventCodec.decode(payload: payload) {
                    guard try body(LoggedEvent(sequence: sequence, event: event)) else { return }
                }
                entry = try cursor.next()
            }
        }
    }
}
