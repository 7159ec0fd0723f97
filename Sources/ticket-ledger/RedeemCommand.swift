import ArgumentParser
import Foundation
import TicketLedger

struct RedeemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeem",
        abstract: "Exchange a ticket, once, for the user's document (JSON). Exits 1 when refused.",
        discussion: """
            A refusal prints {"reason": …, "message": …}; the reasons are malformed, unknown, \
            alreadyConsumed, expired, secretRequired and secretMismatch. The secret may come \
            from TICKET_LEDGER_SECRET instead of --secret.

            With --tickets-from FILE (- for standard input) it redeems one ticket per line and \
            prints one JSON line each: {"line": N, "user": {…}} or {"line": N, "reason": …, \
            "message": …}; it exits 1 when any was refused.

            A ticket is exact text, as issue printed it: its hexadecimal digits are lowercase, \
            and any other spelling is malformed.

            Examples:
              T=$(ticket-ledger issue ./store --pool app1 --user u1)
              ticket-ledger redeem ./store --pool app1 --ticket "$T" --secret s3cret
              ticket-ledger issue ./store --pool app1 --user u2 --count 3 > tickets.txt
              ticket-ledger redeem ./store --pool app1 --tickets-from tickets.txt \\
                --secret s3cret
            """
    )

    @OptionGroup var store: StoreOptions
    @Option(help: "The pool's id.") var pool: String
    @Option(help: "The ticket the app received.") var ticket: String?
    @Option(name: .customLong("tickets-from"), help: "Redeem every ticket in this file, one per line (- for stdin).")
    var ticketsFrom: String?
    @Option(help: "The pool secret.") var secret: String?

    func validate() throws {
        _ = try poolID(pool)
        guard (ticket == nil) != (ticketsFrom == nil) else {
            throw ValidationError("give exactly one of --ticket and --tickets-from")
        }
    }

    func run() throws {
        try runIsolated(store: store.dir, writes: true)
        let ledger = try store.open()
        defer { ledger.close() }
        let pool = try poolID(pool)
        let secret = resolvedSecret(secret)
        if let ticket {
            switch try ledger.redeem(ticket: ticket, pool: pool, secret: secret) {
            case .redeemed(let document):
                printJSON(document)
            case .rejected(let rejection):
                printJSON(RejectionLine(line: nil, reason: rejection.reason.rawValue, message: rejection.message))
                throw ExitCode(1)
            }
            return
        }
        var refused = false
        for (index, line) in try readLines(ticketsFrom ?? "-").enumerated() {
            switch try ledger.redeem(ticket: line, pool: pool, secret: secret) {
            case .redeemed(let document):
                printJSON(RedeemedLine(line: index + 1, user: document))
            case .rejected(let rejection):
                refused = true
                printJSON(RejectionLine(line: index + 1, reason: rejection.reason.rawValue, message: rejection.message))
            }
        }
        if refused { throw ExitCode(1) }
    }
}

struct RedeemedLine: Encodable {
    var line: Int
    var user: UserDocument
}

struct RejectionLine: Encodable {
    var line: Int?
    var reason: String
    var message: String
}

/// The lines of `path` (`-` for standard input), without their line ends.
func readLines(_ path: String) throws -> [String] {
    let data: Data
    if path == "-" {
        data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read '\(path)'")
        }
        data = contents
    }
    return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
}
