import ArgumentParser
import Foundation
import TicketLedger

struct ForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Forget a user: destroy the key of their personal data, keeping the chain.",
        discussion: """
            Destroys the key that sealed the user's profile, phone, openid/unionid and IPs and \
            appends UserForgotten: those fields open no more, in the log, the projections or \
            the store's files, while the audit and every digest taken before still check. The \
            user's earlier tickets are refused; their next ticket starts a new record. Prints \
            the event's sequence (nothing to do when the user was already forgotten).

            Example:
              ticket-ledger forget ./store app1 u1
            """
    )

    @OptionGroup var store: StoreOptions
    @Argument(help: "The pool's id.") var pool: String
    @Argument(help: "The user's id in the pool.") var user: String

    func run() throws {
        let pool = try poolID(pool)
        let user = try UserID(user)
        try runIsolated(store: store.dir, writes: true)
        let ledger = try store.open()
        defer { ledger.close() }
        let report = try ledger.forget(pool: pool, user: user)
        if store.json {
            printJSON(ForgetJSON(report))
        } else if let sequence = report.sequence {
            print("forgot user \(PrintableText.escaping(user.rawValue)) of pool \(PrintableText.escaping(pool.rawValue)) at event \(sequence)"
                + (report.keyGeneration == 0 ? " (no key: their tickets were issued before sealing, and keep their fields)" : ""))
        } else {
            print("user \(PrintableText.escaping(user.rawValue)) of pool \(PrintableText.escaping(pool.rawValue)) was already forgotten")
        }
    }
}

/// `forget --json`'s line.
struct ForgetJSON: Encodable {
    var pool: String
    var user: String
    var sequence: UInt64?
    var keyGeneration: UInt32

    init(_ r: ForgetReport) {
        pool = r.pool.rawValue
        user = r.user.rawValue
        sequence = r.sequence
        keyGeneration = r.keyGeneration
    }
}
