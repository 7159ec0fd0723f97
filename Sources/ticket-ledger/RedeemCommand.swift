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

            With --tickets-from FILE (- for standard input; FIFOs and process substitution \
            work) it reads the input as a stream, redeems one ticket per line as it arrives and \
            prints one JSON line each: {"line": N, "user": {…}} or {"line": N, "reason": …, \
            "message": …}, N the line's number in the input. Blank lines are skipped (and \
            counted); a line over 1024 bytes is refused as malformed. It exits 1 when any was \
            refused. SIGINT or SIGTERM stops it after the line in progress.

            With --idempotency-key KEY (1 to 255 printable ASCII bytes, one per exchange you may \
            repeat) the consume records the key's digest, and a retry of the same ticket with \
            the same key gets the same user document again, without counting a second login, \
            until the ticket's grace period ends; without the key, or with another, the retry \
            is alreadyConsumed.

            A ticket is exact text, as issue printed it: its hexadecimal digits are lowercase, \
            and any other spelling is malformed.

            Examples:
              T=$(ticket-ledger issue ./store --pool app1 --user u1)
              ticket-ledger redeem ./store --pool app1 --ticket "$T" --secret s3cret
              T=$(ticket-ledger issue ./store --pool app1 --user u1)
              ticket-ledger redeem ./store --pool app1 --ticket "$T" --secret s3cret \\
                --idempotency-key attempt-7f3a
              ticket-ledger redeem ./store --pool app1 --ticket "$T" --secret s3cret \\
                --idempotency-key attempt-7f3a
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
    @Option(name: .customLong("idempotency-key"), help: "Makes this redemption safe to retry with the same key (--ticket only).")
    var idempotencyKey: String?

    func validate() throws {
        _ = try poolID(pool)
        guard (ticket == nil) != (ticketsFrom == nil) else {
            throw ValidationError("give exactly one of --ticket and --tickets-from")
        }
        if let idempotencyKey {
            guard ticket != nil else { throw ValidationError("--idempotency-key goes with --ticket") }
            do { _ = try RetryKey(idempotencyKey) } catch { throw ValidationError(error.description) }
        }
    }

    func run() throws {
        try runIsolated(store: store.dir, writes: true)
        // Opened before the store: an input that cannot be read is refused before anything is written.
        let lines = try ticketsFrom.map { path in try LineReader(path: path, maxLength: Self.maxLineBytes) }
        let ledger = try store.open()
        defer { ledger.close() }
        let pool = try poolID(pool)
        let secret = resolvedSecret(secret)
        if let ticket {
            switch try ledger.redeem(ticket: ticket, pool: pool, secret: secret, idempotencyKey: idempotencyKey) {
            case .redeemed(let document):
                printJSON(document)
            case .rejected(let rejection):
                printJSON(RejectionLine(line: nil, reason: rejection.reason.rawValue, message: rejection.message))
                throw ExitCode(1)
            }
            return
        }
        Interruption.catchSignals()
        var refused = false
        var answered = 0
        func stop() throws {
            if let signal = Interruption.signal {
                try Interruption.stop(signal, "after answering \(answered) tickets, every answer printed above")
            }
        }
        while true {
            try stop()
            let next: LineReader.Line?
            do {
                next = try lines?.next()
            } catch is Interruption.Interrupted {
                try stop()
                throw ExitCode(2)  // not reached: a signal was received
            }
            guard let line = next else { break }
            switch line {
            case .tooLong(let number):
                refused = true
                printJSON(RejectionLine(
                    line: number, reason: RejectionReason.malformed.rawValue,
                    message: "the line is over \(Self.maxLineBytes) bytes; a ticket is 43"))
            case .text(let text, let number):
                let ticket = text.trimmingCharacters(in: .whitespaces)
                if ticket.isEmpty { continue }
                switch try ledger.redeem(ticket: ticket, pool: pool, secret: secret) {
                case .redeemed(let document):
                    printJSON(RedeemedLine(line: number, user: document))
                case .rejected(let rejection):
                    refused = true
                    printJSON(RejectionLine(line: number, reason: rejection.reason.rawValue, message: rejection.message))
                }
            }
            fflush(nil)  // each answer as soon as it is durable, also into a pipe (nil: every stream; stdout is a C global)
            answered += 1
        }
        if refused { throw ExitCode(1) }
    }

    /// The longest line `--tickets-from` reads (a ticket is 43 bytes).
    static let maxLineBytes = 1024
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
