import NIOCore
import PostgresNIO

/// One PostgreSQL transaction of the writer (``StoreBatch``) or of a reader
/// (``StoreSnapshot``). Reads go to the database once and are kept; writes are kept in memory
/// and sent by ``flush()`` in a few statements over arrays (`unnest`), so a batch of any size
/// makes a handful of round trips: begin and lock the head, read ahead the batch's pools and
/// tickets, flush, commit. A reference type: copies work on the same transaction.
final class PostgresBatch: StoreBatch {
    let session: PostgresSession
    private let startMeta: StoreMeta
    private var newMeta: StoreMeta?
    /// Rows read (`nil`: the database has none).
    private var readTickets: [UInt64: TicketState?] = [:]
    private var readPools: [PoolID: PoolState?] = [:]
    private var readUsers: [UserKey: UserState?] = [:]
    /// Rows written in this transaction (`nil`: removed), sent by ``flush()``.
    private var writtenTickets: [UInt64: TicketState?] = [:]
    private var writtenPools: [PoolID: PoolState] = [:]
    private var events: [(sequence: UInt64, kind: EventCodec.Kind, locator: UInt64, record: [UInt8])] = []
    private var users: [(key: UserKey, state: UserState)] = []
    /// Personal-data keys read (`nil`: none), and those made in this transaction.
    private var readKeys: [UserKey: StoredKey?] = [:]
    private var newKeys: [UserKey: PersonalKey] = [:]
    private var destroyedKeys: [UserKey] = []
    var path: String { session.location.description }

    /// A row of `ticket_ledger_user_keys`: the generation, and the key unless destroyed.
    struct StoredKey {
        var generation: UInt32
        var key: PersonalKey?
    }

    init(session: PostgresSession, meta: StoreMeta) {
        self.session = session
        self.startMeta = meta
    }

    /// Reads the meta row (`FOR UPDATE` in a write transaction: the lock that serializes writers).
    static func readMeta(_ session: PostgresSession, forUpdate: Bool) throws(LedgerError) -> StoreMeta {
        try decodeMeta(try session.run(metaQuery(forUpdate: forUpdate), "read the head"), path: session.location.description)
    }

    /// The query of the meta row.
    static func metaQuery(forUpdate: Bool) -> PostgresQuery {
        forUpdate
            ? "SELECT format, head, hash, users_sequence FROM ticket_ledger_meta WHERE id = 1 FOR UPDATE"
            : "SELECT format, head, hash, users_sequence FROM ticket_ledger_meta WHERE id = 1"
    }

    /// The meta row of `rows` (``metaQuery(forUpdate:)``'s answer).
    static func decodeMeta(_ rows: PostgresQueryResult, path: String) throws(LedgerError) -> StoreMeta {
        guard let row = rows.first else {
            throw .notAStore(path: path, reason: "ticket_ledger_meta has no row")
        }
        do {
            let (format, head, hash, users) = try row.decode((Int, Int64, ByteBuffer, Int64).self)
            guard hash.readableBytes == 32 else { throw DecodingFailure("meta", "the head hash is not 32 bytes") }
            let digest = hash.withUnsafeReadableBytes { SHA256Digest($0) }
            return StoreMeta(
                format: UInt16(clamping: format), head: ChainHead(sequence: UInt64(head), hash: digest),
                usersSequence: UInt64(users))
        } catch {
            throw .corrupted(path: path, detail: "the meta row: \(error)")
        }
    }

    // MARK: - Reads

    func meta() throws -> StoreMeta { newMeta ?? startMeta }

    func pool(_ id: PoolID) throws -> PoolState? {
        if let written = writtenPools[id] { return written }
        if let read = readPools[id] { return read }
        try prefetch(pools: [id], tickets: [], users: [])
        return readPools[id] ?? nil
    }

    func ticket(_ locator: TicketLocator) throws -> TicketState? {
        if let written = writtenTickets[locator.sequence] { return written }
        if let read = readTickets[locator.sequence] { return read }
        try prefetch(pools: [], tickets: [locator], users: [])
        return readTickets[locator.sequence] ?? nil
    }

    func checkpointedUser(_ key: UserKey) throws -> UserState? {
        if let read = readUsers[key] { return read }
        try readUsers(of: [key])
        return readUsers[key] ?? nil
    }

    func forEachEvent(after sequence: UInt64, through last: UInt64, _ body: (UInt64, LedgerEvent) throws -> Void) throws {
        var next = sequence + 1
        while next <= last {
            let end = min(last, next + 9_999)
            let rows = try session.run(
                "SELECT seq, record FROM ticket_ledger_events WHERE seq BETWEEN \(Int64(next)) AND \(Int64(end)) ORDER BY seq",
                "read the log")
            for row in rows {
                let (seq, record) = try row.decode((Int64, ByteBuffer).self)
                guard UInt64(seq) == next else {
                    throw LedgerError.corrupted(path: path, detail: "the log has a gap before event \(next)")
                }
                let event = try record.withUnsafeReadableBytes { try EventCodec.decode(record: $0) }
                try body(UInt64(seq), event)
                next += 1
            }
            guard next > end else {
                throw LedgerError.corrupted(path: path, detail: "the log ends at \(next - 1), before its head \(last)")
            }
        }
    }

    func purgedTicket(_ locator: TicketLocator) throws -> TicketState? {
        let rows = try session.run(
            "SELECT record FROM ticket_ledger_events WHERE seq = \(Int64(bitPattern: locator.sequence))", "read an issue")
        guard let row = rows.first else { return nil }
        let record = try row.decode(ByteBuffer.self)
        guard case .ticketIssued(let e) = try record.withUnsafeReadableBytes({ try EventCodec.decode(record: $0) }) else { return nil }
        return TicketState(issuedBy: e)
    }

    func personalKey(for user: UserKey) throws -> PersonalKey? {
        if let made = newKeys[user] { return made }
        return try storedKey(user)?.key
    }

    func ensurePersonalKey(for user: UserKey) throws -> PersonalKey? {
        if let key = try personalKey(for: user) { return key }
        let generation = try storedKey(user).map { $0.generation &+ 1 } ?? 1
        guard let key = PersonalKey(bytes: PersonalKey.randomBytes(), generation: generation) else {
            throw LedgerError.storage(path: path, operation: "make a key", message: "the random key was all zero")
        }
        newKeys[user] = key
        return key
    }

    /// Sets the key's column to `NULL` when the batch flushes (the row keeps the generation).
    func destroyPersonalKey(for user: UserKey) throws {
        guard let stored = try storedKey(user) else { return }
        newKeys[user] = nil
        readKeys[user] = StoredKey(generation: stored.generation, key: nil)
        destroyedKeys.append(user)
    }

    /// `user`'s row of the keys table, read once per transaction (read ahead with the users).
    private func storedKey(_ user: UserKey) throws -> StoredKey? {
        if let read = readKeys[user] { return read }
        readKeys[user] = .some(nil)
        let rows = try session.run(
            "SELECT generation, key FROM ticket_ledger_user_keys WHERE user_key = \(ByteBuffer(bytes: user.bytes))", "read a user's key")
        if let row = rows.first {
            let (generation, key) = try row.decode((Int64, ByteBuffer?).self)
            readKeys[user] = try Self.storedKey(generation: generation, key: key, path: path)
        }
        return readKeys[user] ?? nil
    }

    /// A keys-table row decoded; an out-of-range generation or a key of the wrong length is
    /// ``LedgerError/corrupted(path:detail:)``.
    static func storedKey(generation: Int64, key: ByteBuffer?, path: String) throws(LedgerError) -> StoredKey {
        guard let g = UInt32(exactly: generation), g >= 1 else {
            throw .corrupted(path: path, detail: "a user key's generation \(generation) is out of range")
        }
        guard let key, key.readableBytes > 0 else { return StoredKey(generation: g, key: nil) }
        guard let personal = PersonalKey(bytes: Array(key.readableBytesView), generation: g) else {
            throw .corrupted(path: path, detail: "a user key is \(key.readableBytes) bytes or all zero")
        }
        return StoredKey(generation: g, key: personal)
    }

    func readAhead(tickets: [TicketLocator]) throws {
        guard !tickets.isEmpty else { return }
        try prefetch(pools: [], tickets: tickets, users: [])
    }

    /// Reads every pool, ticket and user asked for and not read yet in one query, then the
    /// users of the tickets it found in a second: what a batch reads, in two round trips.
    func prefetch(pools: [PoolID], tickets: [TicketLocator], users: [UserKey]) throws {
        let ask = unread(ReadAhead(pools: pools, tickets: tickets, users: users))
        guard !ask.isEmpty else { return }
        try absorb(try session.run(Self.readAheadQuery(ask), "read ahead"), asked: ask)
    }

    /// The keys of `ahead` this batch has neither read nor written.
    func unread(_ ahead: ReadAhead) -> ReadAhead {
        ReadAhead(
            pools: Array(Set(ahead.pools.filter { readPools[$0] == nil && writtenPools[$0] == nil })),
            tickets: Array(Set(ahead.tickets.filter { readTickets[$0.sequence] == nil && writtenTickets[$0.sequence] == nil })),
            users: Array(Set(ahead.users.filter { readUsers[$0] == nil })))
    }

    /// The one query that reads the pools, tickets and checkpointed users of `ask`.
    static func readAheadQuery(_ ask: ReadAhead) -> PostgresQuery {
        let poolIDs = ask.pools.map(\.rawValue)
        let ticketKeys = ask.tickets.map { Int64(bitPattern: $0.sequence) }
        let userBytes = ask.users.map { ByteBuffer(bytes: $0.bytes) }
        return """
            SELECT 0, id, 0::bigint, NULL::bytea, record FROM ticket_ledger_pools WHERE id = ANY(\(poolIDs)::text[])
            UNION ALL SELECT 1, '', locator, NULL, record FROM ticket_ledger_tickets WHERE locator = ANY(\(ticketKeys)::bigint[])
            UNION ALL SELECT 2, '', 0, key, record FROM ticket_ledger_users WHERE key = ANY(\(userBytes)::bytea[])
            UNION ALL SELECT 3, '', generation, user_key, COALESCE(key, ''::bytea) FROM ticket_ledger_user_keys
                WHERE user_key = ANY(\(userBytes)::bytea[])
            """
    }

    /// Keeps ``readAheadQuery(_:)``'s answer `rows` to `ask` (what it did not find is known
    /// absent), then reads the users of the tickets it found.
    func absorb(_ rows: PostgresQueryResult, asked ask: ReadAhead) throws {
        for id in ask.pools { readPools[id] = .some(nil) }
        for locator in ask.tickets { readTickets[locator.sequence] = .some(nil) }
        for key in ask.users {
            readUsers[key] = .some(nil)
            if readKeys[key] == nil { readKeys[key] = .some(nil) }
        }
        var ticketUsers: [UserKey] = []
        for row in rows {
            let (table, id, locator, key, record) = try row.decode((Int32, String, Int64, ByteBuffer?, ByteBuffer).self)
            switch table {
            case 0:
                readPools[PoolID(unchecked: id)] = try record.withUnsafeReadableBytes { try PoolState(decoding: $0) }
            case 1:
                let state = try record.withUnsafeReadableBytes { try TicketState(decoding: $0) }
                readTickets[UInt64(bitPattern: locator)] = state
                ticketUsers.append(UserKey(pool: state.pool, user: state.user))
            case 3:
                guard let key, let userKey = key.withUnsafeReadableBytes({ UserKey(bytes: $0) }) else {
                    throw LedgerError.corrupted(path: path, detail: "a user-keys key is not pool ‖ 0 ‖ user")
                }
                readKeys[userKey] = try Self.storedKey(generation: locator, key: record, path: path)
            default:
                guard let key, let userKey = key.withUnsafeReadableBytes({ UserKey(bytes: $0) }) else {
                    throw LedgerError.corrupted(path: path, detail: "a users key is not pool ‖ 0 ‖ user")
                }
                readUsers[userKey] = try record.withUnsafeReadableBytes { try UserState(decoding: $0) }
            }
        }
        try readUsers(of: ticketUsers)
    }

    /// Reads the checkpointed users among `keys` not read yet, in one query.
    private func readUsers(of keys: [UserKey]) throws {
        let wanted = Array(Set(keys.filter { readUsers[$0] == nil }))
        guard !wanted.isEmpty else { return }
        for key in wanted { readUsers[key] = .some(nil) }
        let bytes = wanted.map { ByteBuffer(bytes: $0.bytes) }
        let rows = try session.run(
            "SELECT key, record FROM ticket_ledger_users WHERE key = ANY(\(bytes)::bytea[])", "read users")
        for row in rows {
            let (key, record) = try row.decode((ByteBuffer, ByteBuffer).self)
            guard let userKey = key.withUnsafeReadableBytes({ UserKey(bytes: $0) }) else {
                throw LedgerError.corrupted(path: path, detail: "a users key is not pool ‖ 0 ‖ user")
            }
            readUsers[userKey] = try record.withUnsafeReadableBytes { try UserState(decoding: $0) }
        }
    }

    // MARK: - Writes, kept until flush

    func setPool(_ state: PoolState, for id: PoolID) throws { writtenPools[id] = state }
    func setTicket(_ state: TicketState, for locator: TicketLocator) throws { writtenTickets[locator.sequence] = state }
    /// The expiry index is the tickets table's `live` and `expires_at`: nothing of its own.
    func setDue(_ locator: TicketLocator, at expiresAt: Timestamp, _ present: Bool) throws {}
    func removeTicket(_ locator: TicketLocator) throws { writtenTickets[locator.sequence] = .some(nil) }

    func append(record: [UInt8], of event: LedgerEvent, at sequence: UInt64) throws {
        events.append((sequence, EventCodec.Kind(of: event), Self.locatorColumn(of: event, at: sequence), record))
    }

    /// The events table's `locator` of `event` at `sequence` (0 stands for none): the ticket it
    /// is about, which the unique index of consume events is over.
    static func locatorColumn(of event: LedgerEvent, at sequence: UInt64) -> UInt64 {
        switch event {
        case .ticketIssued: sequence
        case .ticketConsumed(let e): e.locator.sequence
        case .ticketExpired(let e): e.locator.sequence
        case .redemptionRejected(let e): e.locator.sequence
        case .refusalsCounted(let e): e.locator.sequence
        case .tokensRevoked(let e): e.locator.sequence
        case .poolConfigured, .ticketsPurged, .userForgotten: 0
        }
    }

    func setMeta(_ meta: StoreMeta) throws { newMeta = meta }
    func checkpoint(users: [(key: UserKey, state: UserState)]) throws { self.users.append(contentsOf: users) }

    // MARK: - Scans

    func scanDue(into plan: inout ExpiryPlan) throws {
        let limit = Int64(plan.limit + writtenTickets.count)
        let rows = try session.run(
            """
            SELECT locator, expires_at FROM ticket_ledger_tickets WHERE live AND expires_at <= \(plan.now.millisecondsSince1970)
            ORDER BY expires_at, locator LIMIT \(limit)
            """, "scan the expiry index")
        var candidates: [(expiresAt: Int64, locator: UInt64)] = []
        for row in rows {
            let (locator, expiresAt) = try row.decode((Int64, Int64).self)
            if writtenTickets[UInt64(bitPattern: locator)] == nil { candidates.append((expiresAt, UInt64(bitPattern: locator))) }
        }
        for (locator, state) in writtenTickets {
            if let state, Rules.isLive(state.status) { candidates.append((state.expiresAt.millisecondsSince1970, locator)) }
        }
        candidates.sort { ($0.expiresAt, $0.locator) < ($1.expiresAt, $1.locator) }
        for c in candidates {
            guard plan.offer(TicketLocator(sequence: c.locator), expiresAt: Timestamp(millisecondsSince1970: c.expiresAt)) else { return }
        }
    }

    func scanTickets(into plan: inout PurgePlan) throws {
        let limit = Int64(min(plan.remainingReads, 1 << 20) + writtenTickets.count)
        guard limit > 0 else { return }
        let rows = try session.run(
            "SELECT locator, record FROM ticket_ledger_tickets ORDER BY locator LIMIT \(limit)", "scan the tickets")
        var merged: [UInt64: TicketState] = [:]
        for row in rows {
            let (locator, record) = try row.decode((Int64, ByteBuffer).self)
            merged[UInt64(bitPattern: locator)] = try record.withUnsafeReadableBytes { try TicketState(decoding: $0) }
        }
        for (locator, state) in writtenTickets { merged[locator] = state }
        for locator in merged.keys.sorted() {
            guard let state = merged[locator] else { continue }
            guard plan.offer(TicketLocator(sequence: locator), state: state) else { return }
        }
    }

    // MARK: - Flush

    /// Sends every write of the transaction in one statement (data-modifying `WITH` clauses
    /// over arrays): the events, the tickets and pools written and removed, the users
    /// checkpoint, and the meta row's new head.
    func flush() throws(LedgerError) {
        try session.run(flushQuery(), "write the batch")
    }

    /// The statement ``flush()`` sends.
    func flushQuery() -> PostgresQuery {
        let sequences = events.map { Int64(bitPattern: $0.sequence) }
        let kinds = events.map { Int16($0.kind.rawValue) }
        let eventLocators = events.map { Int64(bitPattern: $0.locator) }
        let eventRecords = events.map { ByteBuffer(bytes: $0.record) }
        let upserts = writtenTickets.compactMap { locator, state in state.map { (locator, $0) } }
        let ticketLocators = upserts.map { Int64(bitPattern: $0.0) }
        let live = upserts.map { Rules.isLive($0.1.status) }
        let expiries = upserts.map { $0.1.expiresAt.millisecondsSince1970 }
        let ticketRecords = upserts.map { ByteBuffer(bytes: $0.1.encoded()) }
        let removed = writtenTickets.compactMap { locator, state in state == nil ? Int64(bitPattern: locator) : nil }
        let pools = Array(writtenPools)
        let poolIDs = pools.map(\.key.rawValue)
        let poolRecords = pools.map { ByteBuffer(bytes: $0.value.encoded()) }
        var latest: [UserKey: UserState] = [:]
        for user in users { latest[user.key] = user.state }
        let checkpointed = Array(latest)
        let userKeys = checkpointed.map { ByteBuffer(bytes: $0.key.bytes) }
        let userRecords = checkpointed.map { ByteBuffer(bytes: $0.value.encoded()) }
        let made = Array(newKeys)
        let keyUsers = made.map { ByteBuffer(bytes: $0.key.bytes) }
        let keyGenerations = made.map { Int64($0.value.generation) }
        let keyBytes = made.map { ByteBuffer(bytes: $0.value.bytes) }
        let destroyed = destroyedKeys.map { ByteBuffer(bytes: $0.bytes) }
        let meta = newMeta ?? startMeta
        let hash = ByteBuffer(bytes: meta.head.hash.bytes)
        return """
            WITH appended AS (
                INSERT INTO ticket_ledger_events (seq, kind, locator, record)
                SELECT s, k, NULLIF(l, 0), r
                FROM unnest(\(sequences)::bigint[], \(kinds)::smallint[], \(eventLocators)::bigint[], \(eventRecords)::bytea[]) AS t(s, k, l, r)
                RETURNING 1),
            tickets AS (
                INSERT INTO ticket_ledger_tickets (locator, live, expires_at, record)
                SELECT * FROM unnest(\(ticketLocators)::bigint[], \(live)::boolean[], \(expiries)::bigint[], \(ticketRecords)::bytea[])
                ON CONFLICT (locator) DO UPDATE SET live = EXCLUDED.live, expires_at = EXCLUDED.expires_at, record = EXCLUDED.record
                RETURNING 1),
            removed AS (DELETE FROM ticket_ledger_tickets WHERE locator = ANY(\(removed)::bigint[]) RETURNING 1),
            pools AS (
                INSERT INTO ticket_ledger_pools (id, record) SELECT * FROM unnest(\(poolIDs)::text[], \(poolRecords)::bytea[])
                ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record
                RETURNING 1),
            users AS (
                INSERT INTO ticket_ledger_users (key, record) SELECT * FROM unnest(\(userKeys)::bytea[], \(userRecords)::bytea[])
                ON CONFLICT (key) DO UPDATE SET record = EXCLUDED.record
                RETURNING 1),
            keys AS (
                INSERT INTO ticket_ledger_user_keys (user_key, generation, key)
                SELECT * FROM unnest(\(keyUsers)::bytea[], \(keyGenerations)::bigint[], \(keyBytes)::bytea[])
                ON CONFLICT (user_key) DO UPDATE SET generation = EXCLUDED.generation, key = EXCLUDED.key
                RETURNING 1),
            forgotten AS (UPDATE ticket_ledger_user_keys SET key = NULL WHERE user_key = ANY(\(destroyed)::bytea[]) RETURNING 1)
            UPDATE ticket_ledger_meta SET head = \(Int64(bitPattern: meta.head.sequence)), hash = \(hash),
                users_sequence = \(Int64(bitPattern: meta.usersSequence))
            WHERE id = 1
            """
    }

}
