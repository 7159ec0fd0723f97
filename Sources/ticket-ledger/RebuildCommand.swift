import ArgumentParser
import TicketLedger

struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild the projections from the log, atomically (a crash halfway leaves the old ones).",
        discussion: """
            Replays the log (checking its chain and rules), then replaces the tickets, pools, \
            expiry-index and users projections in one write transaction. For after an upgrade or \
            a bug fix; run `audit` first to see what differs.

            Example:
              ticket-ledger rebuild ./store
            """
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        try runIsolated(store: store.dir)
        let ledger = try store.open()
        defer { ledger.close() }
        let report = try ledger.rebuildProjections()
        if store.json {
            printJSON(report)
        } else {
            print("rebuilt at \(report.sequence): \(report.tickets) tickets, \(report.pools) pools, \(report.due) due, \(report.users) users in \(report.seconds) s")
        }
    }
}
