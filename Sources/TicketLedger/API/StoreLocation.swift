public import Logging
/// Where a store is: a directory (LMDB, one host) or a PostgreSQL database (several hosts).
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// An LMDB store in this directory.
    case directory(String)
    /// A store in this PostgreSQL database.
    case postgres(PostgresLocation)

    /// A `postgres://USER@HOST:PORT/DATABASE` URL (the password from `PGPASSWORD` or a password
    /// file in `environment`), else a directory path.
    public init(parsing text: String, environment: [String: String]) throws(LedgerError) {
        if PostgresLocation.isURL(text) {
            self = .postgres(try PostgresLocation(url: text, environment: environment))
        } else {
            self = .directory(text)
        }
    }

    /// The directory, or the URL without its password.
    public var description: String {
        switch self {
        case .directory(let path): path
        case .postgres(let location): location.description
        }
    }
}

extension Ledger {
    /// Opens the store at `location`: `open(at:create:options:clock:logger:)` for a directory,
    /// `open(postgres:create:options:clock:logger:)` for a PostgreSQL database.
    public static func open(
        _ location: StoreLocation, create: Bool = false, options: Options = Options(),
        clock: any LedgerClock = SystemClock(), logger: Logger = Logger(label: "TicketLedger")
    ) throws(LedgerError) -> Ledger {
        switch location {
        case .directory(let path): try open(at: path, create: create, options: options, clock: clock, logger: logger)
        case .postgres(let database): try open(postgres: database, create: create, options: options, clock: clock, logger: logger)
        }
    }
}

/// What `Ledger/migrate(_:)` found and left.
public struct MigrationReport: Sendable, Hashable, Encodable {
    /// The schema version the database held before (`nil`: none; it was created).
    public var before: Int?
    /// The schema version it holds now.
    public var now: Int
}

extension Ledger {
    /// Creates the PostgreSQL schema, or checks an existing one; refuses a schema newer than
    /// this build (``LedgerError/newerFormat(path:found:supported:)``). Safe to run again, and
    /// from several hosts at once.
    public static func migrate(_ location: PostgresLocation, logger: Logger = Logger(label: "TicketLedger")) throws(LedgerError) -> MigrationReport {
        let session = PostgresSession(location: location, logger: logger)
        defer { session.close() }
        let before = try PostgresSchema.migrate(session)
        return MigrationReport(before: before, now: PostgresSchema.version)
    }
}
