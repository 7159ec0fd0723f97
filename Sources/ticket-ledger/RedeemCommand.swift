import ArgumentParser
import TicketLedger

struct RedeemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeem",
        abstract: "Exchange a ticket, once, for the user's document (JSON). Exits 1 when refused.",
        discussion: """
            A refusal prints {"reason": …, "message": …}; the reasons are malformed, unknown,
            alreadyConsumed, expired, secretRequired and secretMismatch. The secret may come
            from TICKET_LEDGER_SECRET instead of --secret.

            Example:
              ticket-ledger redeem ./store --pool app1 --ticket tl1.0000000000000002.q83vEjRWeJCrze8SNFZ4kA --secret s3cret
            """
    )

    @OptionGroup var store: StoreOptions
    @Option(help: "The pool's id.") var pool: String
    @Option(help: "The ticket the app received.") var ticket: String
    @Option(help: "The pool secret.") var secret: String?

    func validate() throws { _ = try poolID(pool) }

    func run() throws {
        let ledger = try store.open()
        defer { ledger.close() }
        switch try ledger.redeem(ticket: ticket, pool: try poolID(pool), secret: resolvedSecret(secret)) {
        case .redeemed(let document):
            printJSON(document)
        case .rejected(let rejection):
            printJSON(["reason": rejection.reason.rawValue, "message": rejection.message])
            throw ExitCode(1)
        }
    }
}

struct ExpireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "Expire every issued ticket past its lifetime; prints how many.",
        discussion: """
            Example:
              ticket-ledger expire ./store
            """
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let ledger = try store.open()
        defer { ledger.close() }
        var total = 0
        while true {
            let n = try ledger.expireDue()
            total += n
            if n == 0 { break }
        }
        if store.json {
            printJSON(["expired": total])
        } else {
            print("expired \(total) ticket\(total == 1 ? "" : "s")")
        }
    }
}
