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

        /// A fresh database on the server at `url` (the shared test server by default).
        init(server url: String? = TestPostgres.url) throws {
            let url = try #require(url, "TICKET_LEDGER_TEST_POSTGRES is not set: run the tests with scripts/test")
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

    /// A server of a test's own (`scripts/postgres-for-tests start`), stopped when the value
    /// goes away: for a test that restarts its server while the others use the shared one.
    final class PrivateServer {
        let url: String
        let directory: String

        init() throws {
            let output = NSTemporaryDirectory() + "ticket-ledger-pg-\(UUID().uuidString).env"
            defer { try? FileManager.default.removeItem(atPath: output) }
            let status = system("timeout 120 bash '\(TestPostgres.script)' start </dev/null >'\(output)' 2>/dev/null")
            let line = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            func value(_ name: String) -> String? {
                line.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix(name + "=") }
                    .map { String($0.dropFirst(name.count + 1)) }
            }
            guard status == 0, let url = value("TICKET_LEDGER_TEST_POSTGRES"), let directory = value("TICKET_LEDGER_TEST_PGDIR") else {
                throw StartFailure(description: "postgres-for-tests start failed (status \(status)): \(line)")
            }
            self.url = url
            self.directory = directory
        }

        struct StartFailure: Error, CustomStringConvertible {
            var description: String
        }

        private var stopped = false

        /// Stops the server (and removes its directory); the test's last use of it.
        func stop() {
            guard !stopped else { return }
            stopped = true
            _ = system("timeout 60 bash '\(TestPostgres.script)' stop '\(directory)' </dev/null >/dev/null 2>&1")
        }

        deinit { stop() }
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scripts/postgres-for-tests").standardizedFileURL.path
    }

    /// Restarts the test server (`scripts/postgres-for-tests restart`: `pg_ctl restart`, as the
    /// `postgres` user when run as root).
    static func restart(_ directory: String) throws {
        // `system` (fork, exec, waitpid) rather than Foundation's Process, whose wait does not
        // return here while the restarted server, a grandchild, lives on.
        let status = system("timeout 90 bash '\(Self.script)' restart '\(directory)' </dev/null >/dev/null 2>&1")
        try #require(status == 0, "postgres-for-tests restart failed (status \(status))")
    }
}
