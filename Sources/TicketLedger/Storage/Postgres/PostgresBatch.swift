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
    /// Rows written in this transaction (`nil`: removed), sent by ``flush()``.
    private var writtenTickets: [UInt64: TicketState?] = [:]
    private var writtenPools: [PoolID: PoolState] = [:]
    private var events: [(sequence: UInt64, kind: EventCodec.Kind, locator: UInt64, record: [UInt8])] = []
    private var users: [(key: UserKey, state: UserState)] = []
    private var path: String { session.location.description }

    init(session: PostgresSession, meta: StoreMeta) {
        self.session = session
        self.startMeta = meta
    }

    /// Reads the meta row (`FOR UPDATE` in a write transaction: the lock that serializes writers).
    static func readMeta(_ session: PostgresSession, forUpdate: Bool) throws(LedgerError) -> StoreMeta {
        let sql: PostgresQuery = forUpdate
            ? "SELECT format, head, hash, users_sequence FROM ticket_ledger_meta WHERE id = 1 FOR UPDATE"
            : "SELECT format, head, hash, users_sequence FROM ticket_ledger_meta WHERE id = 1"
        let rows = try session.run(sql, "read the head")
        guard let row = rows.first else {
            throw .notAStore(path: session.location.description, reason: "ticket_ledger_meta has no row")
        }
        do {
            let (format, head, hash, users) = try row.decode((Int, Int64, ByteBuffer, Int64).self)
            guard hash.readableBytes == 32 else { throw DecodingFailure("meta", "the head hash is not 32 bytes") }
            let digest = hash.withUnsafeReadableBytes { SHA256Digest($0) }
            return StoreMeta(
                format: UInt16(clamping: format), head: ChainHead(sequence: UInt64(head), hash: digest),
                usersSequence: UInt64(users))
        } catch {
            throw .corrupted(path: session.location.description, detail: "the meta row: \(error)")
        }
    }

    // MARK: - Reads

    func meta() throws -> StoreMeta { newMeta ?? startMeta }

    func pool(_ id: PoolID) throws -> PoolState? {
        if let written = writtenPools[id] { return written }
        if let read = readPools[id] { return read }
        try prefetch(pools: [id], tickets: [])
        return readPools[id] ?? nil
    }

    func ticket(_ locator: TicketLocator) throws -> TicketState? {
        if let written = writtenTickets[locator.sequence] { return written }
        if let read = readTickets[locator.sequence] { return read }
        try prefetch(pools: [], tickets: [locator])
        return readTickets[locator.sequence] ?? nil
    }

    func checkpointedUser(_ key: UserKey) throws -> UserState? {
        let rows = try session.run(
            "SELECT record FROM ticket_ledger_users WHERE key = \(ByteBuffer(bytes: key.bytes))", "read a user")
        guard let row = rows.first else { return nil }
        return try Self.bytes(row).withUnsafeBytes { try UserState(decoding: $0) }
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
                let event = try record.withUnsafeReadableBytes { bytes in
                    try EventCodec.decode(payload: try EventCodec.split(bytes).payload)
                }
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
        let event = try Self.bytes(row).withUnsafeBytes { bytes in
            try EventCodec.decode(payload: try EventCodec.split(bytes).payload)
        }
        guard case .ticketIssued(let e) = event else { return nil }
        return TicketState(
            status: .issued, pool: e.pool, user: e.user, issuedAt: e.at, expiresAt: e.expiresAt,
            consumedAt: nil, expiredAt: nil, ip: e.ip, verifierDigest: e.verifierDigest)
    }

    /// Reads every pool and ticket not read yet, two queries in all.
    func prefetch(pools: [PoolID], tickets: [TicketLocator]) throws {
        let wantedPools = Array(Set(pools.filter { readPools[$0] == nil && writtenPools[$0] == nil }.map(\.rawValue)))
        if !wantedPools.isEmpty {
            for id in wantedPools { readPools[PoolID(unchecked: id)] = .some(nil) }
            let rows = try session.run(
                "SELECT id, record FROM ticket_ledger_pools WHERE id = ANY(\(wantedPools))", "read pools")
            for row in rows {
                let (id, record) = try row.decode((String, ByteBuffer).self)
                readPools[PoolID(unchecked: id)] = try record.withUnsafeReadableBytes { try PoolState(decoding: $0) }
            }
        }
        let wantedTickets = Array(Set(tickets.map(\.sequence).filter { readTickets[$0] == nil && writtenTickets[$0] == nil }))
        if !wantedTickets.isEmpty {
            for locator in wantedTickets { readTickets[locator] = .some(nil) }
            let keys = wantedTickets.map { Int64(bitPattern: $0) }
            let rows = try session.run(
                "SELECT locator, record FROM ticket_ledger_tickets WHERE locator = ANY(\(keys))", "read tickets")
            for row in rows {
                let (locator, record) = try row.decode((Int64, ByteBuffer).self)
                readTickets[UInt64(bitPattern: locator)] = try record.withUnsafeReadableBytes { try TicketState(decoding: $0) }
            }
        }
    }

    // MARK: - Writes, kept until flush

    func setPool(_ state: PoolState, for id: PoolID) throws { writtenPools[id] = state }
    func setTicket(_ state: TicketState, for locator: TicketLocator) throws { writtenTickets[locator.sequence] = state }
    /// The expiry index is the tickets table's `live` and `expires_at`: nothing of its own.
    func setDue(_ locator: TicketLocator, at expiresAt: Timestamp, _ present: Bool) throws {}
    func removeTicket(_ locator: TicketLocator) throws { writtenTickets[locator.sequence] = .some(nil) }

    func append(record: [UInt8], of event: LedgerEvent, at sequence: UInt64) throws {
        let locator: UInt64 = switch event {
        case .ticketIssued: sequence
        case .ticketConsumed(let e): e.locator.sequence
        case .ticketExpired(let e): e.locator.sequence
        case .redemptionRejected(let e): e.locator.sequence
        case .poolConfigured, .ticketsPurged: 0
        }
        events.append((sequence, EventCodec.Kind(of: event), locator, record))
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

    /// Sends every write of the transaction: the events, the tickets and pools written and
    /// removed, the users checkpoint and the meta row.
    func flush() throws(LedgerError) {
        if !events.isEmpty {
            let sequences = events.map { Int64(bitPattern: $0.sequence) }
            let kinds = events.map { Int16($0.kind.rawValue) }
            let locators = events.map { Int64(bitPattern: $0.locator) }
            let records = events.map { ByteBuffer(bytes: $0.record) }
            try session.run(
                """
                INSERT INTO ticket_ledger_events (seq, kind, locator, record)
                SELECT s, k, NULLIF(l, 0), r FROM unnest(\(sequences)::bigint[], \(kinds)::smallint[], \(locators)::bigint[], \(records)::bytea[]) AS t(s, k, l, r)
                """, "append events")
        }
        let upserts = writtenTickets.compactMap { locator, state in state.map { (locator, $0) } }
        if !upserts.isEmpty {
            let locators = upserts.map { Int64(bitPattern: $0.0) }
            let live = upserts.map { Rules.isLive($0.1.status) }
            let expiries = upserts.map { $0.1.expiresAt.millisecondsSince1970 }
            let records = upserts.map { ByteBuffer(bytes: $0.1.encoded()) }
            try session.run(
                """
                INSERT INTO ticket_ledger_tickets (locator, live, expires_at, record)
                SELECT * FROM unnest(\(locators)::bigint[], \(live)::boolean[], \(expiries)::bigint[], \(records)::bytea[])
                ON CONFLICT (locator) DO UPDATE SET live = EXCLUDED.live, expires_at = EXCLUDED.expires_at, record = EXCLUDED.record
                """, "write tickets")
        }
        let removed = writtenTickets.compactMap { locator, state in state == nil ? Int64(bitPattern: locator) : nil }
        if !removed.isEmpty {
            try session.run("DELETE FROM ticket_ledger_tickets WHERE locator = ANY(\(removed))", "remove tickets")
        }
        if !writtenPools.isEmpty {
            let ids = writtenPools.keys.map(\.rawValue)
            let records = writtenPools.keys.map { ByteBuffer(bytes: writtenPools[$0]?.encoded() ?? []) }
            try session.run(
                """
                INSERT INTO ticket_ledger_pools (id, record) SELECT * FROM unnest(\(ids)::text[], \(records)::bytea[])
                ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record
                """, "write pools")
        }
        if !users.isEmpty {
            var latest: [UserKey: UserState] = [:]
            for user in users { latest[user.key] = user.state }
            let keys = latest.keys.map { ByteBuffer(bytes: $0.bytes) }
            let records = latest.values.map { ByteBuffer(bytes: $0.encoded()) }
            try session.run(
                """
                INSERT INTO ticket_ledger_users (key, record) SELECT * FROM unnest(\(keys)::bytea[], \(records)::bytea[])
                ON CONFLICT (key) DO UPDATE SET record = EXCLUDED.record
                """, "write the users checkpoint")
        }
        if let newMeta, newMeta != startMeta {
            let hash = ByteBuffer(bytes: newMeta.head.hash.bytes)
            try session.run(
                """
                UPDATE ticket_ledger_meta SET head = \(Int64(bitPattern: newMeta.head.sequence)), hash = \(hash),
                users_sequence = \(Int64(bitPattern: newMeta.usersSequence)) WHERE id = 1
                """, "move the head")
        }
    }

    /// The first column of `row` as bytes.
    private static func bytes(_ row: PostgresRow) throws -> [UInt8] {
        let buffer = try row.decode(ByteBuffer.self)
        return Array(buffer.readableBytesView)
    }
}
