import ArgumentParser
import TicketLedger

struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print the last sequence and the chain head (SEQ:HEX), to keep elsewhere for later audits.",
        discussion: """
            Opens the store read-only. Keep the line somewhere the store's host cannot rewrite, \
            then check it later with `ticket-ledger audit DIR --expect-digest SEQ:HEX`.

            Example:
              ticket-ledger digest ./store
            """
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        try runIsolated(store: store.dir)
        let reader = try openReader(store.dir)
        defer { reader.close() }
        let head = try reader.head()
        if store.json {
            printJSON(DigestOutput(sequence: head.sequence, hash: head.hash.hex, digest: head.description))
        } else {
            print(head)
        }
    }
}

struct DigestOutput: Encodable {
    var sequence: UInt64
    var hash: String
    var digest: String
}
