#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Testing
@testable import TicketLedger

/// The private PostgreSQL `scripts/test` starts (`TICKET_LEDGER_TEST_POSTGRES`). Without it the
/// PostgreSQL tests are skipped, visibly; under CI (`CI` set) its absence is a failure.
enum TestPostgres {
    static let url = ProcessInfo.processInfo.environment["TICKET_LEDGER_TEST_POSTGRES"]
    static var available: Bool { url != nil }
    static var requiredButMissing: Bool { url == nil && ProcessInfo.processInfo.environment["CI"] != nil }

    /// A fresh, empty database on the test server, dropped when the value goes away.
    final class Database {
        let location: PostgresLocation
        private let admin: PostgresSession
        private let name: String

        init() throws {
            let url = try #require(TestPostgres.url, "TICKET_LEDGER_TEST_POSTGRES is not set: run the tests with scripts/test")
            let server = try PostgresLocation(url: url, environment: ProcessInfo.processInfo.environment)
            admin = PostgresSession(location: server, logger: Logger(label: "test-admin"))
            name = "tl_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            try admin.runSQL("CREATE DATABASE \(name)", "create a test database")
            var location = server
            location.database = name
            self.location = location
        }

        deinit {
            _ = try? admin.runSQL("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", "drop a test database")
            admin.close()
        }
    }

    /// Restarts the test server (`scripts/postgres-for-tests restart`: `pg_ctl restart`, as the
    /// `postgres` user when run as root).
    static func restart(_ directory: String) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scripts/postgres-for-tests").standardizedFileURL.path
        // `system` (fork, exec, waitpid) rather than Foundation's Process, whose wait does not
        // return here while the restarted server, a grandchild, lives on.
        let status = system("timeout 90 bash '\(script)' restart '\(directory)' </dev/null >/dev/null 2>&1")
        try #require(status == 0, "postgres-for-tests restart failed (status \(status))")
    }
}
