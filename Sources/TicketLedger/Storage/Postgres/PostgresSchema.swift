import PostgresNIO

/// The PostgreSQL schema of a store, versioned: `ticket_ledger_meta.schema` says which version
/// a database holds; `migrate(_:)` creates or upgrades it, and a database newer than this
/// build is refused as ``LedgerError/newerFormat(path:found:supported:)``.
///
/// The tables hold what an LMDB store holds, in the same binary records:
/// - `ticket_ledger_events`: `seq` (gap-free from 1) → `record` (the `EventCodec` record, its
///   chain hash included), with its `kind` and `locator` so that a unique partial index makes a
///   second consume of a ticket impossible, whatever a writer does.
/// - `ticket_ledger_tickets`: `locator` → `record`, with `live` and `expires_at` for the
///   expiry index (a partial index over live tickets).
/// - `ticket_ledger_pools`, `ticket_ledger_users`: key → record.
/// - `ticket_ledger_secrets` (schema 2): `name` → `value`; `locator` holds the key of the
///   store's ticket texts (``LocatorCipher``), outside the log.
/// - `ticket_ledger_user_keys` (schema 3): `user_key` (`pool ‖ 0 ‖ user`) → `generation` and
///   `key`, the user's ``PersonalKey`` (`NULL` once destroyed: the user was forgotten).
/// - `ticket_ledger_meta`: one row: schema version, format, head sequence and hash, the users
///   checkpoint's sequence. Every batch locks it first (`FOR UPDATE`): that is what serializes
///   writers across hosts, and keeps the sequence gap-free.
enum PostgresSchema {
    /// The schema this build writes, and the newest it opens.
    static let version = 3

    static let statements: [String] = [
        """
        CREATE TABLE IF NOT EXISTS ticket_ledger_meta (
            id int PRIMARY KEY CHECK (id = 1), schema int NOT NULL, format int NOT NULL,
            head bigint NOT NULL, hash bytea NOT NULL, users_sequence bigint NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS ticket_ledger_events (
            seq bigint PRIMARY KEY CHECK (seq > 0), kind smallint NOT NULL, locator bigint, record bytea NOT NULL)
        """,
        """
        CREATE UNIQUE INDEX IF NOT EXISTS ticket_ledger_events_one_consume
            ON ticket_ledger_events (locator) WHERE kind = \(EventCodec.Kind.ticketConsumed.rawValue)
        """,
        """
        CREATE TABLE IF NOT EXISTS ticket_ledger_tickets (
            locator bigint PRIMARY KEY, live boolean NOT NULL, expires_at bigint NOT NULL, record bytea NOT NULL)
        """,
        """
        CREATE INDEX IF NOT EXISTS ticket_ledger_tickets_due
            ON ticket_ledger_tickets (expires_at, locator) WHERE live
        """,
        "CREATE TABLE IF NOT EXISTS ticket_ledger_pools (id text PRIMARY KEY, record bytea NOT NULL)",
        "CREATE TABLE IF NOT EXISTS ticket_ledger_users (key bytea PRIMARY KEY, record bytea NOT NULL)",
    ] + (upgrades[1] ?? []) + (upgrades[2] ?? [])

    /// What takes a database from schema `n` to `n + 1`, by `n`.
    static let upgrades: [Int: [String]] = [
        1: ["CREATE TABLE IF NOT EXISTS ticket_ledger_secrets (name text PRIMARY KEY, value bytea NOT NULL)"],
        2: ["CREATE TABLE IF NOT EXISTS ticket_ledger_user_keys (user_key bytea PRIMARY KEY, generation bigint NOT NULL, key bytea)"],
    ]

    /// The key of the store's ticket texts: made from the system's CSPRNG on the first call
    /// (every host that opens the database then reads the same one).
    static func locatorKey(_ session: PostgresSession) throws(LedgerError) -> LocatorCipher {
        let fresh = ByteBuffer(bytes: LocatorCipher.random().key)
        try session.run(
            "INSERT INTO ticket_ledger_secrets (name, value) VALUES ('locator', \(fresh)) ON CONFLICT (name) DO NOTHING",
            "make the ticket-text key")
        let rows = try session.run("SELECT value FROM ticket_ledger_secrets WHERE name = 'locator'", "read the ticket-text key")
        guard let buffer = rows.first.flatMap({ try? $0.decode(ByteBuffer.self) }),
              let cipher = LocatorCipher(key: Array(buffer.readableBytesView))
        else {
            throw .corrupted(path: session.location.description, detail: "ticket_ledger_secrets holds no 32-byte ticket-text key")
        }
        return cipher
    }

    /// The schema version the database holds, or `nil` when it holds no store.
    static func installedVersion(_ session: PostgresSession) throws(LedgerError) -> Int? {
        let exists = try session.run("SELECT to_regclass('ticket_ledger_meta') IS NOT NULL", "look for the schema")
        guard let row = exists.first, (try? row.decode(Bool.self)) == true else { return nil }
        let rows = try session.run("SELECT schema FROM ticket_ledger_meta WHERE id = 1", "read the schema version")
        guard let version = rows.first.flatMap({ try? $0.decode(Int.self) }) else {
            throw .notAStore(path: session.location.description, reason: "ticket_ledger_meta has no row")
        }
        return version
    }

    /// Creates the schema (in one transaction) when the database holds none; refuses a newer
    /// one. Returns the version it found before (`nil`: it created the store).
    @discardableResult
    static func migrate(_ session: PostgresSession) throws(LedgerError) -> Int? {
        if let found = try installedVersion(session) {
            guard found <= version else {
                throw .newerFormat(path: session.location.description, found: UInt16(clamping: found), supported: UInt16(version))
            }
            if found < version { try upgrade(session) }
            return found
        }
        try session.run("BEGIN", "begin the migration")
        do {
            // Two programs migrating at once: the second waits here, then finds the schema.
            try session.run("SELECT pg_advisory_xact_lock(7402114858)", "lock the migration")
            if try installedVersion(session) == nil {
                for statement in statements { try session.runSQL(statement, "create the schema") }
                let zero = ByteBuffer(bytes: [UInt8](repeating: 0, count: 32))
                let format = Int(StoreLayout.formatVersion)
                try session.run(
                    "INSERT INTO ticket_ledger_meta VALUES (1, \(version), \(format), 0, \(zero), 0)", "create the meta row")
            }
            try session.run("COMMIT", "commit the migration")
        } catch {
            _ = try? session.run("ROLLBACK", "roll back the migration")
            throw error
        }
        return nil
    }

    /// Takes an older schema to ``version``, one step at a time, in one transaction (under the
    /// migration lock, so two programs upgrading at once do it once). The tables it adds are
    /// new; nothing written before changes.
    static func upgrade(_ session: PostgresSession) throws(LedgerError) {
        try session.run("BEGIN", "begin the upgrade")
        do {
            try session.run("SELECT pg_advisory_xact_lock(7402114858)", "lock the migration")
            if var found = try installedVersion(session), found < version {
                while found < version {
                    for statement in upgrades[found] ?? [] { try session.runSQL(statement, "upgrade the schema") }
                    found += 1
                }
                try session.run("UPDATE ticket_ledger_meta SET schema = \(version) WHERE id = 1", "record the schema version")
            }
            try session.run("COMMIT", "commit the upgrade")
        } catch {
            _ = try? session.run("ROLLBACK", "roll back the upgrade")
            throw error
        }
    }
}
