import ArgumentParser
import Foundation
import TicketLedger

struct ExpireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "Expire every issued ticket past its lifetime; prints how many.",
        discussion: """
            Consumed and expired tickets stay in the tickets projection for --grace seconds after
            their expiry (so a replayed ticket is told alreadyConsumed), then this drops them;
            the log keeps their history.

            Example:
              ticket-ledger expire ./store --grace 3600
            """
    )

    @OptionGroup var store: StoreOptions
    @Option(help: "Seconds a consumed or expired ticket stays after its expiry before it is dropped (0…2592000).")
    var grace: Int = 300

    func validate() throws {
        guard (0...2_592_000).contains(grace) else { throw ValidationError("--grace must be between 0 and 2592000 seconds (30 days)") }
    }

    func run() throws {
        try runIsolated(store: store.dir, writes: true)
        let ledger = try store.open()
        defer { ledger.close() }
        var total = 0
        while true {
            let n = try ledger.expireDue(grace: .seconds(grace))
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
