import ArgumentParser
import Foundation
import TicketLedger

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Replay the whole log into fresh projections and check it. Exits 1 with every finding.",
        discussion: """
            Checks that the sequence is gap-free from 1 and every record decodes, that the hash \
            chain recomputes to the stored head, the single-use, expiry, pool and secret-policy \
            rules, and that the stored projections equal the replayed ones field by field (users \
            at their checkpoint, the rest at the head). Opens the store read-only and never writes. \
            On a terminal, long replays show progress on stderr.

            Exit codes: 0 every check held; 1 findings (sequence, rule, detail); 2 the store cannot be read.

            Examples:
              ticket-ledger audit ./store
              ticket-ledger audit ./store --expect-digest "$(ticket-ledger digest ./store)"
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: .customLong("expect-digest"), help: "A head kept from `digest`, as SEQ:HEX: the chain at SEQ must have hash HEX.")
    var expectDigest: String?

    func validate() throws {
        if let expectDigest, ChainHead(parsing: expectDigest) == nil {
            throw ValidationError("--expect-digest must be SEQ:HEX (a sequence number, a colon, 64 hexadecimal digits)")
        }
    }

    /// One line on stderr, rewritten in place.
    @Sendable static func showProgress(_ p: AuditProgress) {
        let rate = String(format: "%.2f", p.eventsPerSecond / 1e6)
        let left = String(format: "%.0f", p.secondsLeft)
        FileHandle.standardError.write(Data("\r\(p.events) / \(p.total) events  \(rate) M events/s  \(left) s left ".utf8))
    }

    func run() throws {
        try runIsolated(store: store.dir)
        let reader = try openReader(store.dir)
        defer { reader.close() }
        let terminal = isatty(STDERR_FILENO) == 1
        var options = AuditOptions(expectedDigest: expectDigest.flatMap(ChainHead.init(parsing:)))
        if terminal { options.progress = Self.showProgress }
        let report = try reader.audit(options)
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if store.json {
            printJSON(report)
        } else {
            let rate = report.seconds > 0 ? Double(report.events) / report.seconds / 1e6 : 0
            if report.ok {
                print("ok: \(report.events) events, head \(report.head), replayed in \(String(format: "%.2f", report.seconds)) s (\(String(format: "%.2f", rate)) M events/s)")
            } else {
                let total = report.findings.count + report.findingsOmitted
                print("FAILED: \(total) finding\(total == 1 ? "" : "s") in \(report.events) events (stored head \(report.head), recomputed \(report.computedHead))")
                print("sequence\trule\tdetail")
                for finding in report.findings { print(finding) }
                if report.findingsOmitted > 0 { print("… and \(report.findingsOmitted) more") }
            }
        }
        if !report.ok { throw ExitCode(1) }
    }
}
