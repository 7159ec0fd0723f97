import ArgumentParser
import Foundation
import Logging
import TicketLedger

struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a ledger between stores (LMDB to PostgreSQL and back), checking the chain.",
        discussion: """
            Reads SOURCE's log in one read transaction (SOURCE may stay in use), checks every \
            record's chain hash and rule on the way, writes the same records into DEST and builds \
            DEST's projections from the same replay. DEST must hold no ledger: an empty or missing \
            directory, or a PostgreSQL database without events (its schema is created). A log with \
            a gap, a broken chain or an event that cannot follow the ones before it is refused and \
            nothing is left in DEST. Either side may be a directory or a postgres:// URL (the \
            password from PGPASSWORD or ~/.pgpass).

            The copy keeps the chain, so a digest taken from SOURCE proves it: \
            `ticket-ledger audit DEST --expect-digest DIGEST`.

            Exit codes: 0 copied; 2 SOURCE cannot be read or copied, or DEST is not empty.

            Example:
              ticket-ledger copy ./store ./copy
              ticket-ledger audit ./copy --expect-digest "$(ticket-ledger digest ./store)"
            """
    )

    @Argument(help: "The ledger to copy: a directory or a postgres:// URL.")
    var source: String

    @Argument(help: "Where to copy it: an empty or missing directory, or a postgres:// URL of a database with no events.")
    var destination: String

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        guard !source.isEmpty, !destination.isEmpty else { throw ValidationError("SOURCE and DEST must not be empty") }
    }

    func run() throws {
        try runIsolated(store: source, writes: true)
        let environment = ProcessInfo.processInfo.environment
        let from = try StoreLocation(parsing: source, environment: environment)
        var to = try StoreLocation(parsing: destination, environment: environment)
        if case .directory(let path) = to, case .directory(let sourcePath) = from,
           URL(fileURLWithPath: path).standardizedFileURL == URL(fileURLWithPath: sourcePath).standardizedFileURL {
            throw ValidationError("DEST must be another store than SOURCE")
        }
        if case .directory(let path) = to { to = .directory(URL(fileURLWithPath: path).standardizedFileURL.path) }
        let report = try Ledger.copy(from: from, to: to, logger: Logger(label: "ticket-ledger"))
        if json {
            printJSON(report)
        } else {
            print("copied \(from) to \(to): \(report.events) events, head \(report.head), \(report.tickets) tickets, \(report.pools) pools, \(report.users) users in \(String(format: "%.2f", report.seconds)) s")
        }
    }
}
