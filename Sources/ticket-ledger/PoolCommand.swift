import ArgumentParser
import TicketLedger

struct PoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Manage user pools.",
        subcommands: [PoolConfigureCommand.self]
    )
}

struct PoolConfigureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "configure",
        abstract: "Set a pool's ticket lifetime and secret policy (creates the store if needed).",
        discussion: """
            The secret is stored only as a salted digest. It may come from TICKET_LEDGER_SECRET \
            instead of --secret, which keeps it out of the process list. Reconfiguring a pool \
            without a secret keeps the one it has.

            Examples:
              ticket-ledger pool configure ./store --pool app1 --secret s3cret
              ticket-ledger pool configure ./store --pool app1 --lifetime 300
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "The pool's id (1–64 letters, digits, '-' or '_').")
    var pool: String

    @Option(help: "Ticket lifetime in seconds (1–86400).")
    var lifetime: Int = 120

    @Option(name: .customLong("require-secret"), help: "Whether redeeming needs the pool secret (true|false).")
    var requireSecret: Bool = true

    @Option(help: "The pool secret (default: the one the pool has, if any).")
    var secret: String?

    func validate() throws {
        _ = try poolID(pool)
        guard (1...86_400).contains(lifetime) else { throw ValidationError("--lifetime must be between 1 and 86400 seconds") }
    }

    func run() throws {
        try runIsolated(store: store.dir, writes: true)
        let ledger = try store.open(create: true)
        defer { ledger.close() }
        let id = try poolID(pool)
        try ledger.configurePool(
            id, policy: PoolPolicy(ticketLifetime: .seconds(lifetime), secretRequired: requireSecret),
            secret: resolvedSecret(secret))
        if store.json {
            printJSON(ConfiguredPool(pool: id.rawValue, lifetime: lifetime, requireSecret: requireSecret))
        } else {
            print("pool \(id) configured: lifetime \(lifetime) s, secret \(requireSecret ? "required" : "not required")")
        }
    }
}

/// `pool configure --json`'s answer.
private struct ConfiguredPool: Encodable {
    var pool: String
    var lifetime: Int
    var requireSecret: Bool
}
