import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// One connection to PostgreSQL, used synchronously from threads that are not event loops
/// (the writer thread; a caller's thread for reads): each call waits on postgres-nio's future.
/// The connection is made on first use and made again after it is lost, so the ledger
/// recovers by itself when the database is back.
///
/// Failures become ``LedgerError``s: a connection that cannot be made or was lost is
/// ``LedgerError/storeUnavailable(path:reason:)``; a server error is
/// ``LedgerError/storage(path:operation:message:)`` with its SQLSTATE.
final class PostgresSession: Sendable {
    let location: PostgresLocation
    let logger: Logger
    private let connection = Mutex<PostgresConnection?>(nil)
    private static let ids = Atomic<Int>(0)

    init(location: PostgresLocation, logger: Logger) {
        self.location = location
        self.logger = logger
    }

    /// The open connection, made (again) when there is none.
    func connected() throws(LedgerError) -> PostgresConnection {
        if let open = connection.withLock({ $0 }), !open.isClosed { return open }
        let tls: PostgresConnection.Configuration.TLS
        if location.requireTLS {
            do {
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            } catch {
                throw .storeUnavailable(path: location.description, reason: "cannot set up TLS: \(error)")
            }
        } else {
            tls = .disable
        }
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        let id = Self.ids.add(1, ordering: .relaxed).newValue
        do {
            let made = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: id, logger: logger
            ).wait()
            let previous = connection.withLock { current -> PostgresConnection? in
                defer { current = made }
                return current
            }
            if let previous { _ = previous.close() as EventLoopFuture<Void> }
            return made
        } catch {
            throw .storeUnavailable(path: location.description, reason: Self.describe(error))
        }
    }

    /// Runs `query` and returns its rows. A lost connection is dropped (the next call
    /// reconnects) and reported as ``LedgerError/storeUnavailable(path:reason:)``.
    @discardableResult
    func run(_ query: PostgresQuery, _ what: String) throws(LedgerError) -> PostgresQueryResult {
        let open = try connected()
        do {
            return try open.query(query, logger: logger).wait()
        } catch {
            throw failure(error, during: what, on: open)
        }
    }

    /// Waits for a query sent on `open` (queued behind others: pipelined) and returns its rows;
    /// failures as in ``run(_:_:)``.
    func wait(
        _ query: EventLoopFuture<PostgresQueryResult>, during what: String, on open: PostgresConnection
    ) throws(LedgerError) -> PostgresQueryResult {
        do {
            return try query.wait()
        } catch {
            throw failure(error, during: what, on: open)
        }
    }

    /// Runs SQL text that binds no values (schema statements, maintenance and tests).
    @discardableResult
    func runSQL(_ sql: String, _ what: String) throws(LedgerError) -> PostgresQueryResult {
        try run(PostgresQuery(unsafeSQL: sql), what)
    }

    /// The ledger error for `error`, met during `what`; drops a lost connection.
    func failure(_ error: any Error, during what: String, on open: PostgresConnection) -> LedgerError {
        if let psql = error as? PSQLError, psql.code == .server {
            let state = psql.serverInfo?[.sqlState] ?? "?"
            let message = psql.serverInfo?[.message] ?? "server error"
            if state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03" {
                drop(open)
                return .storeUnavailable(path: location.description, reason: "\(what): \(message) (SQLSTATE \(state))")
            }
            return .storage(path: location.description, operation: what, message: "\(message) (SQLSTATE \(state))")
        }
        drop(open)
        return .storeUnavailable(path: location.description, reason: "\(what): \(Self.describe(error))")
    }

    /// The SQLSTATE of a server error, if `error` is one.
    static func sqlState(_ error: any Error) -> String? {
        guard let psql = error as? PSQLError, psql.code == .server else { return nil }
        return psql.serverInfo?[.sqlState]
    }

    /// Forgets `open` (closing it) so that the next call connects again.
    func drop(_ open: PostgresConnection) {
        connection.withLock { current in
            if current === open { current = nil }
        }
        _ = open.close() as EventLoopFuture<Void>
    }

    /// Closes the connection.
    func close() {
        if let open = connection.withLock({ current -> PostgresConnection? in
            defer { current = nil }
            return current
        }) {
            _ = try? (open.close() as EventLoopFuture<Void>).wait()
        }
    }

    /// A short description of a connection failure, without the password.
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            return "\(psql.code)"
        }
        return String(describing: error)
    }
}
