import ArgumentParser
import Foundation
import Logging
import TicketLedger

/// `ticket-ledger`: issue, redeem and audit single-use login tickets from the shell.
///
/// Exit codes: 0 success; 1 a rejection or findings; 2 usage, I/O or an unreadable store.
@main
struct TicketLedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket-ledger",
        abstract: "Issue, redeem and audit single-use login tickets kept in an LMDB event log.",
        discussion: """
            Exit codes: 0 success, 1 a rejection, findings or nothing found, 2 usage, I/O or an \
            unreadable store. --json prints machine-readable output: one object, or one per \
            line (JSON Lines) where a command prints many records. Every command takes it but \
            serve and demo, which print for people; export always prints JSON Lines.

            Example:
              ticket-ledger pool configure ./store --pool app1 --secret s3cret
              T=$(ticket-ledger issue ./store --pool app1 --user u1 --ip 192.168.0.106)
              ticket-ledger redeem ./store --pool app1 --ticket "$T" --secret s3cret
            """,
        version: TicketLedgerVersion.current,
        subcommands: [
            PoolCommand.self, IssueCommand.self, RedeemCommand.self, ExpireCommand.self, AuditCommand.self,
            DigestCommand.self, InspectCommand.self, ExportCommand.self, RebuildCommand.self, BackupCommand.self, BenchCommand.self,
            ServeCommand.self, DemoCommand.self, GenerateCommand.self, MigrateCommand.self, CopyCommand.self, ForgetCommand.self,
        ]
    )

    static func main() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["TICKET_LEDGER_LOG_LEVEL"]
                .flatMap(Logger.Level.init(rawValue:)) ?? .warning
            return handler
        }
        do {
            var command = try parseAsRoot()
            if command is TicketLedgerCommand || command is PoolCommand {
                // No subcommand: the help, as a usage error (so a script that forgot one fails).
                FileHandle.standardError.write(Data((helpMessage(for: type(of: command)) + "\n").utf8))
                Foundation.exit(2)
            }
            try command.run()
        } catch let error as LedgerError {
            printError("\(error)")
            Foundation.exit(2)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            // Usage errors quote the arguments given: escape what could drive the terminal.
            FileHandle.standardError.write(Data((PrintableText.escaping(fullMessage(for: error), keepingNewlines: true) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

/// Writes `ticket-ledger: message` to standard error, its control characters escaped
/// (paths and arguments in it must not drive the terminal).
func printError(_ message: String) {
    FileHandle.standardError.write(Data("ticket-ledger: \(PrintableText.escaping(message))\n".utf8))
}

/// The store directory and the output format, shared by every command.
struct StoreOptions: ParsableArguments {
    @Argument(help: "The store's directory, or a postgres://USER@HOST:PORT/DATABASE URL (the password from PGPASSWORD or ~/.pgpass).")
    var dir: String

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    /// Opens the store (creating it when `create`), with the system clock.
    func open(create: Bool = false) throws -> Ledger {
        try Ledger.open(try StoreLocation(parsing: dir, environment: ProcessInfo.processInfo.environment), create: create, logger: Logger(label: "ticket-ledger"))
    }
}

/// Opens the store at `text` (a directory or a `postgres://` URL) read-only.
func openReader(_ text: String) throws -> LedgerReader {
    try LedgerReader.open(try StoreLocation(parsing: text, environment: ProcessInfo.processInfo.environment), logger: Logger(label: "ticket-ledger"))
}

/// Prints `value` as one line of JSON with sorted keys.
func printJSON(_ value: some Encodable) {
    print(jsonLine(value))
}

/// `value` as one line of JSON with sorted keys (empty if it cannot be encoded).
func jsonLine(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(value) else { return "" }
    return String(decoding: data, as: UTF8.self)
}

/// Parses a pool id, as a usage error when it is not valid.
func poolID(_ text: String) throws -> PoolID {
    do {
        return try PoolID(text)
    } catch {
        throw ValidationError(error.description)
    }
}

/// The secret from `--secret`, or else from `TICKET_LEDGER_SECRET` (which keeps it out of `ps`).
func resolvedSecret(_ option: String?) -> String? {
    option ?? ProcessInfo.processInfo.environment["TICKET_LEDGER_SECRET"]
}

/// `--durability`, as the command line spells it.
enum DurabilityArgument: String, ExpressibleByArgument, CaseIterable {
    case durable, noMetaSync, none

    var durability: Ledger.Durability {
        switch self {
        case .durable: .durable
        case .noMetaSync: .noMetaSync
        case .none: .none
        }
    }
}
