import ArgumentParser
import Foundation
import Logging
import TicketLedger

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or check the schema of a PostgreSQL store.",
        discussion: """
            Safe to run again, and from several hosts at once. A schema newer than this \
            program is refused (exit 2). The password comes from PGPASSWORD or the password \
            file (PGPASSFILE, else ~/.pgpass), never from the URL.

            Example (it exits 2 when the database cannot be reached):
              ticket-ledger migrate postgres://app@localhost/tickets  # exit 2 if down
            """)

    @Argument(help: "The database: postgres://USER@HOST:PORT/DATABASE (add ?sslmode=require for TLS).")
    var url: String

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func run() throws {
        let location = try PostgresLocation(url: url, environment: ProcessInfo.processInfo.environment)
        let report = try Ledger.migrate(location, logger: Logger(label: "ticket-ledger"))
        if json {
            printJSON(report)
        } else if let before = report.before {
            print("\(location): schema \(before), this program's is \(report.now): nothing to do")
        } else {
            print("\(location): schema \(report.now) created")
        }
    }
}
