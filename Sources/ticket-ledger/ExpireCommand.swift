import ArgumentParser
import Foundation
import TicketLedger

struct ExpireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "Expire every issued ticket past its lifetime and drop settled ones.",
        discussion: """
            Settled (consumed or expired) tickets stay in the tickets projection for --grace \
            seconds after their expiry (so a replayed ticket is told alreadyConsumed), then \
            this drops them; the log keeps their history. Prints how many tickets it expired \
            and how many it dropped.

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
        var total = SweepReport(expired: 0, purged: 0)
        while true {
            let report = try ledger.sweep(grace: .seconds(grace))
            total.expired += report.expired
            total.purged += report.purged
            if report.expired == 0 && report.purged == 0 { break }
        }
        if store.json {
            printJSON(total)
        } else {
            print("expired \(total.expired) ticket\(total.expired == 1 ? "" : "s"), dropped \(total.purged) settled")
        }
    }
}
