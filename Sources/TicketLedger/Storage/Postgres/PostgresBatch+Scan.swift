import NIOCore
import PostgresNIO

/// A PostgreSQL read transaction as the audit, export, inspect, rebuild and copy read it
/// (``StoreScan``): every scan is keyset-paged (``pageSize`` rows a query, by primary key), so
/// memory stays flat however large the tables; the transaction (`REPEATABLE READ`, see
/// ``PostgresStore/read(_:)``) keeps the pages one snapshot.
extension PostgresBatch: StoreScan {
    /// Rows a scan fetches per query.
    static let pageSize = 10_000

    func scanRecords(from first: UInt64, _ body: (UInt64?, UnsafeRawBufferPointer) throws -> Bool) throws {
        var next = Int64(clamping: first)
        while true {
            let rows = try session.run(
                "SELECT seq, record FROM ticket_ledger_events WHERE seq >= \(next) ORDER BY seq LIMIT \(Self.pageSize)",
                "read the log")
            var count = 0
            for row in rows {
                let (seq, record) = try row.decode((Int64, ByteBuffer).self)
                count += 1
                next = seq + 1
                guard try record.withUnsafeReadableBytes({ try body(UInt64(seq), $0) }) else { return }
            }
            if count < Self.pageSize { return }
        }
    }

    func lastRecordSequence() throws -> UInt64? {
        let rows = try session.run("SELECT max(seq) FROM ticket_ledger_events", "read the log's end")
        return try rows.first.flatMap { try $0.decode(Int64?.self) }.map { UInt64($0) }
    }

    func record(at sequence: UInt64) throws -> [UInt8]? {
        let rows = try session.run(
            "SELECT record FROM ticket_ledger_events WHERE seq = \(Int64(bitPattern: sequence))", "read an event")
        return try rows.first.map { try $0.decode(ByteBuffer.self) }.map { Array($0.readableBytesView) }
    }

    func scanStoredTickets(_ body: (UInt64?, UnsafeRawBufferPointer) throws -> Void) throws {
        var after = Int64.min
        while true {
            let rows = try session.run(
                "SELECT locator, record FROM ticket_ledger_tickets WHERE locator > \(after) ORDER BY locator LIMIT \(Self.pageSize)",
                "scan the tickets")
            var count = 0
            for row in rows {
                let (locator, record) = try row.decode((Int64, ByteBuffer).self)
                count += 1
                after = locator
                try record.withUnsafeReadableBytes { try body(UInt64(bitPattern: locator), $0) }
            }
            if count < Self.pageSize { return }
        }
    }

    func hasStoredTicket(_ locator: UInt64) throws -> Bool {
        try !session.run(
            "SELECT 1 FROM ticket_ledger_tickets WHERE locator = \(Int64(bitPattern: locator))", "look up a ticket"
        ).isEmpty
    }

    func scanStoredPools(_ body: (PoolID, UnsafeRawBufferPointer) throws -> Void) throws {
        // Pools are few: one query (in byte order of their ids, as LMDB keeps them).
        let rows = try session.run("SELECT id, record FROM ticket_ledger_pools ORDER BY convert_to(id, 'UTF8')", "scan the pools")
        for row in rows {
            let (id, record) = try row.decode((String, ByteBuffer).self)
            try record.withUnsafeReadableBytes { try body(PoolID(unchecked: id), $0) }
        }
    }

    func hasStoredPool(_ id: PoolID) throws -> Bool {
        try !session.run("SELECT 1 FROM ticket_ledger_pools WHERE id = \(id.rawValue)", "look up a pool").isEmpty
    }

    /// The expiry index is the tickets table's `live` rows by `(expires_at, locator)`.
    func scanDueEntries(_ body: (DueEntry?) throws -> Void) throws {
        var after = (Int64.min, Int64.min)
        while true {
            let rows = try session.run(
                """
                SELECT expires_at, locator FROM ticket_ledger_tickets WHERE live AND (expires_at, locator) > (\(after.0), \(after.1))
                ORDER BY expires_at, locator LIMIT \(Self.pageSize)
                """, "scan the expiry index")
            var count = 0
            for row in rows {
                let (expiresAt, locator) = try row.decode((Int64, Int64).self)
                count += 1
                after = (expiresAt, locator)
                try body(DueEntry(expiresAt: expiresAt, locator: UInt64(bitPattern: locator)))
            }
            if count < Self.pageSize { return }
        }
    }

    func hasDueEntry(_ entry: DueEntry) throws -> Bool {
        try !session.run(
            """
            SELECT 1 FROM ticket_ledger_tickets
            WHERE live AND locator = \(Int64(bitPattern: entry.locator)) AND expires_at = \(entry.expiresAt)
            """, "look up the expiry index"
        ).isEmpty
    }

    func scanStoredUsers(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        var after: ByteBuffer?
        while true {
            let rows: PostgresQueryResult
            if let after {
                rows = try session.run(
                    "SELECT key, record FROM ticket_ledger_users WHERE key > \(after) ORDER BY key LIMIT \(Self.pageSize)",
                    "scan the users")
            } else {
                rows = try session.run(
                    "SELECT key, record FROM ticket_ledger_users ORDER BY key LIMIT \(Self.pageSize)", "scan the users")
            }
            var count = 0
            for row in rows {
                let (key, record) = try row.decode((ByteBuffer, ByteBuffer).self)
                count += 1
                after = key
                try key.withUnsafeReadableBytes { k in try record.withUnsafeReadableBytes { v in try body(k, v) } }
            }
            if count < Self.pageSize { return }
        }
    }

    func hasStoredUser(_ key: UserKey) throws -> Bool {
        try !session.run(
            "SELECT 1 FROM ticket_ledger_users WHERE key = \(ByteBuffer(bytes: key.bytes))", "look up a user"
        ).isEmpty
    }

    func storedCounts() throws -> (tickets: Int, users: Int, userBytes: Int) {
        let rows = try session.run(
            """
            SELECT (SELECT count(*) FROM ticket_ledger_tickets), (SELECT count(*) FROM ticket_ledger_users),
                   (SELECT coalesce(sum(octet_length(key) + octet_length(record)), 0)::bigint FROM ticket_ledger_users)
            """, "count the projections")
        guard let row = rows.first else { return (0, 0, 0) }
        let (tickets, users, bytes) = try row.decode((Int64, Int64, Int64).self)
        return (Int(tickets), Int(users), Int(bytes))
    }
}
