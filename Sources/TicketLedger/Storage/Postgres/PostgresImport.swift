import NIOCore
import PostgresNIO

/// Bulk writes of a PostgreSQL store inside one transaction that holds the head's lock
/// (``PostgresStore/exclusive(_:)``): the log copied from another store, and projections
/// replaced by a replay's (`copy` into PostgreSQL, and `rebuild`). Rows go in chunks of
/// ``chunk`` over arrays (`unnest`), never one statement per row.
enum PostgresImport {
    /// Rows per statement.
    static let chunk = 10_000

    /// Appends events (whole records, chain hashes included) to the log.
    static func appendEvents(_ session: PostgresSession, _ events: [LoggedRecord]) throws(LedgerError) {
        for start in stride(from: 0, to: events.count, by: chunk) {
            let part = events[start..<min(start + chunk, events.count)]
            let sequences = part.map { Int64(bitPattern: $0.sequence) }
            let kinds = part.map { Int16(EventCodec.Kind(of: $0.event).rawValue) }
            let locators = part.map { Int64(bitPattern: PostgresBatch.locatorColumn(of: $0.event, at: $0.sequence)) }
            let records = part.map { ByteBuffer(bytes: $0.record) }
            try session.run(
                """
                INSERT INTO ticket_ledger_events (seq, kind, locator, record)
                SELECT s, k, NULLIF(l, 0), r
                FROM unnest(\(sequences)::bigint[], \(kinds)::smallint[], \(locators)::bigint[], \(records)::bytea[]) AS t(s, k, l, r)
                """, "copy events")
        }
    }

    /// Makes `cipher` the store's ticket-text key (a copy keeps its source's).
    static func setLocatorKey(_ session: PostgresSession, _ cipher: LocatorCipher) throws(LedgerError) {
        try session.run(
            """
            INSERT INTO ticket_ledger_secrets (name, value) VALUES ('locator', \(ByteBuffer(bytes: cipher.key)))
            ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value
            """, "copy the ticket-text key")
    }

    /// Every user's personal-data key in the store (for a copy out of it).
    static func userKeys(_ session: PostgresSession) throws -> [CopiedPersonalKey] {
        let rows = try session.run("SELECT user_key, generation, key FROM ticket_ledger_user_keys ORDER BY user_key", "read the user keys")
        var out: [CopiedPersonalKey] = []
        for row in rows {
            let (userBytes, generation, key) = try row.decode((ByteBuffer, Int64, ByteBuffer?).self)
            guard let user = userBytes.withUnsafeReadableBytes({ UserKey(bytes: $0) }) else {
                throw LedgerError.corrupted(path: session.location.description, detail: "a user-keys key is not pool ‖ 0 ‖ user")
            }
            let stored = try PostgresBatch.storedKey(generation: generation, key: key, path: session.location.description)
            out.append(CopiedPersonalKey(user: user, generation: stored.generation, key: stored.key))
        }
        return out
    }

    /// Writes `keys` (a copy's, into an empty store).
    static func setUserKeys(_ session: PostgresSession, _ keys: [CopiedPersonalKey]) throws(LedgerError) {
        guard !keys.isEmpty else { return }
        let users = keys.map { ByteBuffer(bytes: $0.user.bytes) }
        let generations = keys.map { Int64($0.generation) }
        let bytes = keys.map { ByteBuffer(bytes: $0.key?.bytes ?? []) }  // empty: destroyed
        try session.run(
            """
            INSERT INTO ticket_ledger_user_keys (user_key, generation, key)
            SELECT u, g, NULLIF(k, ''::bytea) FROM unnest(\(users)::bytea[], \(generations)::bigint[], \(bytes)::bytea[]) AS t(u, g, k)
            ON CONFLICT (user_key) DO UPDATE SET generation = EXCLUDED.generation, key = EXCLUDED.key
            """, "copy the user keys")
    }

    /// Replaces the tickets, pools and users projections with `replay`'s and sets the head to
    /// `head`, the users checkpoint with it.
    static func replaceProjections(
        _ session: PostgresSession, with replay: CompactReplay, head: ChainHead
    ) throws(LedgerError) -> (tickets: Int, pools: Int, due: Int, users: Int) {
        try session.run("DELETE FROM ticket_ledger_tickets", "clear the tickets projection")
        try session.run("DELETE FROM ticket_ledger_pools", "clear the pools projection")
        try session.run("DELETE FROM ticket_ledger_users", "clear the users projection")
        var tickets: [(UInt64, TicketState)] = []
        tickets.reserveCapacity(replay.tickets.count)
        replay.tickets.forEach { tickets.append(($0.locator, replay.ticketState($0))) }
        var due = 0
        for start in stride(from: 0, to: tickets.count, by: chunk) {
            let part = tickets[start..<min(start + chunk, tickets.count)]
            let locators = part.map { Int64(bitPattern: $0.0) }
            let live = part.map { Rules.isLive($0.1.status) }
            due += live.filter { $0 }.count
            let expiries = part.map { $0.1.expiresAt.millisecondsSince1970 }
            let records = part.map { ByteBuffer(bytes: $0.1.encoded()) }
            try session.run(
                """
                INSERT INTO ticket_ledger_tickets (locator, live, expires_at, record)
                SELECT * FROM unnest(\(locators)::bigint[], \(live)::boolean[], \(expiries)::bigint[], \(records)::bytea[])
                """, "write the tickets projection")
        }
        var poolIDs: [String] = []
        var poolRecords: [ByteBuffer] = []
        for id in replay.configuredPools {
            guard let state = try? replay.pool(id) else { continue }
            poolIDs.append(id.rawValue)
            poolRecords.append(ByteBuffer(bytes: state.encoded()))
        }
        try session.run(
            "INSERT INTO ticket_ledger_pools (id, record) SELECT * FROM unnest(\(poolIDs)::text[], \(poolRecords)::bytea[])",
            "write the pools projection")
        var users: [(UserKey, UserState)] = []
        users.reserveCapacity(replay.userCount)
        for i in replay.users.indices {
            if let user = replay.userState(i) { users.append((replay.userKeys[i], user)) }
        }
        for start in stride(from: 0, to: users.count, by: chunk) {
            let part = users[start..<min(start + chunk, users.count)]
            let keys = part.map { ByteBuffer(bytes: $0.0.bytes) }
            let records = part.map { ByteBuffer(bytes: $0.1.encoded()) }
            try session.run(
                "INSERT INTO ticket_ledger_users (key, record) SELECT * FROM unnest(\(keys)::bytea[], \(records)::bytea[])",
                "write the users projection")
        }
        let sequence = Int64(bitPattern: head.sequence)
        try session.run(
            """
            UPDATE ticket_ledger_meta SET head = \(sequence), hash = \(ByteBuffer(bytes: head.hash.bytes)), users_sequence = \(sequence)
            WHERE id = 1
            """, "set the head")
        return (tickets.count, poolIDs.count, due, users.count)
    }
}
