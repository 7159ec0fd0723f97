import ArgumentParser
import TicketLedger

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a ticket's state and history, a user's document and history, or store statistics.",
        discussion: """
            Opens the store read-only. A ticket may be given as its text (tl2.… or an old tl1.…) \
            or as its locator (16 hexadecimal digits, as export shows it); the ticket text is \
            never printed. Ticket and user histories are \
            found by scanning the log (from the ticket's issue; the whole log for a user). \
            Exits 1 when the log has no such ticket or user (with --json, after the report).

            Examples:
              ticket-ledger inspect ./store ticket 0000000000000002
              ticket-ledger inspect ./store user app1 u1 --json
              ticket-ledger inspect ./store stats
            """
    )

    @Argument(help: "The store's directory, or a postgres:// URL.") var dir: String
    @Argument(help: "What to inspect: ticket T | user POOL ID | stats.") var what: String
    @Argument(help: "The ticket (T), or the pool and user id (POOL ID).") var operands: [String] = []
    @Flag(help: "Print machine-readable JSON.") var json = false

    func validate() throws {
        switch what {
        case "ticket":
            guard operands.count == 1 else { throw ValidationError("usage: inspect DIR ticket TICKET-OR-LOCATOR") }
            guard Ticket.isWellFormed(operands[0]) || TicketLocator(operands[0].lowercased()) != nil else {
                throw ValidationError("'ticket' takes a ticket (tl2.… or tl1.…) or its locator (16 hexadecimal digits)")
            }
        case "user":
            guard operands.count == 2 else { throw ValidationError("usage: inspect DIR user POOL ID") }
            _ = try poolID(operands[0])
            do { _ = try UserID(operands[1]) } catch { throw ValidationError(error.description) }
        case "stats":
            guard operands.isEmpty else { throw ValidationError("usage: inspect DIR stats") }
        default:
            throw ValidationError("inspect what? 'ticket', 'user' or 'stats', not '\(what)'")
        }
    }


    func run() throws {
        try runIsolated(store: dir)
        let reader = try openReader(dir)
        defer { reader.close() }
        switch what {
        case "ticket":
            guard let locator = try reader.locator(ofTicket: operands[0]) ?? TicketLocator(operands[0].lowercased()) else {
                throw ValidationError("not a ticket or locator")
            }
            let report = try reader.ticketReport(locator)
            if json {
                printJSON(report)
                if report.state == nil && report.history.isEmpty { throw ExitCode(1) }
                return
            }
            if let s = report.state {
                print("ticket \(locator): \(s.status.rawValue), pool \(s.pool), user \(s.user), issued \(s.issuedAt), expires \(s.expiresAt)"
                      + (s.consumedAt.map { ", consumed \($0)" } ?? "") + (s.expiredAt.map { ", expired \($0)" } ?? ""))
            } else if report.history.isEmpty {
                print("ticket \(locator): no such ticket in the log")
                throw ExitCode(1)
            } else {
                print("ticket \(locator): no longer in the tickets projection (purged after its grace period)")
            }
            for entry in report.history { print("  \(entry.sequence)\t\(entry.event.at)\t\(entry.event.typeName)\(detail(entry.event))") }
        case "user":
            let pool = try poolID(operands[0])
            let user = try UserID(operands[1])
            let report = try reader.userReport(pool: pool, user: user)
            if json {
                printJSON(report)
                if report.document == nil && report.history.isEmpty { throw ExitCode(1) }
                return
            }
            guard let doc = report.document else {
                print("no user '\(user)' in pool '\(pool)'")
                throw ExitCode(1)
            }
            printJSON(doc)
            for entry in report.history {
                let ticket = entry.locator.map { " \($0)" } ?? ""
                print("  \(entry.sequence)\t\(entry.event.at)\t\(entry.event.typeName)\(ticket)\(detail(entry.event))")
            }
        default:
            let stats = try reader.statistics()
            if json { return printJSON(stats) }
            print("head            \(stats.head)")
            print("events          \(stats.events) (\(stats.logBytes) bytes of log pages)")
            print("tickets         \(stats.ticketsIssued) issued, \(stats.ticketsConsumed) consumed, \(stats.ticketsExpired) expired (in the projection)")
            print("expiry index    \(stats.due)")
            print("pools           \(stats.pools)")
            print("users stored    \(stats.usersStored) (checkpoint at \(stats.usersCheckpoint))")
            print("map             \(stats.mapUsedBytes) of \(stats.mapSize) bytes used; data.mdb \(stats.fileBytes) bytes")
        }
    }

    private func detail(_ event: LedgerEvent) -> String {
        switch event {
        case .redemptionRejected(let e): " (\(e.reason.rawValue))"
        case .refusalsCounted(let e): " (\(e.count) refusals)"
        case .tokensRevoked(let e): " (until \(e.until.iso8601))"
        case .ticketsPurged(let e): " (\(e.locators.count) tickets)"
        default: ""
        }
    }
}
