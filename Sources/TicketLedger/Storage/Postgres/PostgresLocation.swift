/// Where a PostgreSQL store is: parsed from `postgres://USER@HOST:PORT/DATABASE` (or
/// `postgresql://…`). The password never comes from the URL (it would show in process lists
/// and shell histories): it comes from `PGPASSWORD`, or from the password file (`PGPASSFILE`,
/// else `~/.pgpass`), as `psql` reads them. `?sslmode=require` asks for TLS.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// The role to connect as (`PGUSER`, else `USER`, when the URL names none).
    public var user: String
    /// The server's host name or address.
    public var host: String
    /// The server's port (5432 when the URL names none).
    public var port: Int
    /// The database holding the store.
    public var database: String
    /// Whether the connection must use TLS (`sslmode=require` or `verify-full`).
    public var requireTLS: Bool
    /// The password, when one was found; never printed.
    var password: String?

    /// Whether `text` names a PostgreSQL store rather than a directory.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a URL; `environment` supplies `PGPASSWORD`, `PGPASSFILE`, `HOME` and `USER`.
    /// - Throws: ``LedgerError/invalidArgument(_:_:)`` for a malformed URL or one that carries a password.
    public init(url: String, environment: [String: String]) throws(LedgerError) {
        guard Self.isURL(url) else {
            throw .invalidArgument("store", "'\(url.prefix(64))' is not a postgres:// URL")
        }
        var rest = url.hasPrefix("postgres://") ? url.dropFirst("postgres://".count) : url.dropFirst("postgresql://".count)
        var query = Substring("")
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        guard let slash = rest.firstIndex(of: "/") else {
            throw .invalidArgument("store", "the URL names no database (postgres://USER@HOST:PORT/DATABASE)")
        }
        let database = String(rest[rest.index(after: slash)...])
        var authority = rest[..<slash]
        var user = environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            guard !userInfo.contains(":") else {
                throw .invalidArgument("store", "the URL carries a password: give it in PGPASSWORD or a password file instead")
            }
            user = String(userInfo)
            authority = authority[authority.index(after: at)...]
        }
        var host = String(authority)
        var port = 5432
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else {
                throw .invalidArgument("store", "the URL's port is not a number from 1 to 65535")
            }
            port = p
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !database.isEmpty, !user.isEmpty else {
            throw .invalidArgument("store", "the URL needs a host and a database (postgres://USER@HOST:PORT/DATABASE)")
        }
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.requireTLS = query.split(separator: "&").contains { $0 == "sslmode=require" || $0 == "sslmode=verify-full" }
        self.password = environment["PGPASSWORD"]
            ?? Self.passwordFromFile(environment: environment, host: host, port: port, database: database, user: user)
    }

    /// `postgres://USER@HOST:PORT/DATABASE`, without the password: safe to print and log.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// The first matching line of the password file (`host:port:database:user:password`,
    /// `*` matching anything), as libpq reads it.
    static func passwordFromFile(environment: [String: String], host: String, port: Int, database: String, user: String) -> String? {
        guard let path = environment["PGPASSFILE"] ?? environment["HOME"].map({ $0 + "/.pgpass" }),
              let text = POSIX.readSmallFile(path, limit: 1 << 20)
        else { return nil }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }
}
