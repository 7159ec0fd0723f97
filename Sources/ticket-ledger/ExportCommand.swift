import ArgumentParser
import Foundation
import TicketLedger

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print events as JSON Lines: seq, type, at, pool, ticket (the locator) and the event's fields.",
        discussion: """
            One object per line (JSON Lines, with or without --json), for jq and other tools. \
            Never prints verifier or secret digests, nor profiles. Opens the store read-only.

            Example:
              ticket-ledger export ./store --from 2 --to 20 \\
                | jq -c 'select(.type == "TicketConsumed")'
            """
    )

    @Argument(help: "The store's directory, or a postgres:// URL.") var dir: String
    @Option(help: "The first sequence to print.") var from: UInt64 = 1
    @Option(help: "The last sequence to print.") var to: UInt64 = .max
    @Flag(help: "Print JSON Lines (what export always prints).") var json = false

    func validate() throws {
        guard from >= 1 else { throw ValidationError("--from must be at least 1 (sequences start at 1)") }
        guard from <= to else { throw ValidationError("--from must not be after --to") }
    }

    func run() throws {
        try runIsolated(store: dir)
        let reader = try openReader(dir)
        defer { reader.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var buffer = Data()
        buffer.reserveCapacity(1 << 16)
        try reader.exportEvents(from: from, through: to) { logged in
            buffer.append(try encoder.encode(logged))
            buffer.append(0x0A)
            if buffer.count >= 1 << 16 {
                FileHandle.standardOutput.write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(buffer)
    }
}
