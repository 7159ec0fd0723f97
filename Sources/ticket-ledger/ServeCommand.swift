import ArgumentParser
import Dispatch
import CoreMetrics
import Foundation
import Logging
import Prometheus
import Synchronization
import TicketLedger
import TicketLedgerHTTP

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ticket exchange over HTTP until SIGTERM or SIGINT.",
        discussion: """
            Routes: POST /oauth/app2wxapp/auth/:userPoolId (the exchange), POST /tickets (issue, \
            bearer --issue-key), GET /healthz, GET /metrics. On SIGTERM or SIGINT the server stops \
            accepting connections, lets in-flight requests finish, then closes the store. Other \
            processes (the CLI among them) may open the same store while it runs. Every \
            --sweep-interval seconds it expires due tickets and drops consumed and expired ones \
            --grace seconds after their expiry (as `ticket-ledger expire` does).

            The keys may come from TICKET_LEDGER_ISSUE_KEY, TICKET_LEDGER_TOKEN_KEY and \
            TICKET_LEDGER_METRICS_KEY instead of the options, which keeps them out of the process \
            list. Without a metrics key, GET /metrics (which counts logins) is open to anyone who \
            can reach the port.

            At start the soft limit on open files is raised to the hard limit, and \
            --max-connections (default 4096, or the limit less 64 descriptors kept for the store \
            and the process when that is lower; more is refused) caps the connections open at \
            once: at the cap the server stops accepting until one closes, so accept never fails \
            for want of descriptors.

            Example (Ctrl-C stops it):
              export TICKET_LEDGER_ISSUE_KEY=$(openssl rand -hex 16)
              export TICKET_LEDGER_TOKEN_KEY=$(openssl rand -hex 32)
              ticket-ledger serve ./store --port 8080
            """
    )

    @Argument(help: "The store's directory (created when missing).") var dir: String
    @Option(help: "The TCP port (0 picks a free one).") var port: Int = 8080
    @Option(help: "The address to bind.") var host: String = "127.0.0.1"
    @Option(name: .customLong("issue-key"), help: "Bearer key for POST /tickets (≥ 16 bytes; or TICKET_LEDGER_ISSUE_KEY).")
    var issueKey: String?
    @Option(name: .customLong("token-key"), help: "HS256 key for the tokens (≥ 32 bytes; or TICKET_LEDGER_TOKEN_KEY).")
    var tokenKey: String?
    @Option(name: .customLong("token-lifetime"), help: "Token lifetime in seconds.") var tokenLifetime: Int = 7200
    @Option(name: .customLong("max-body"), help: "The largest request body accepted, in bytes.") var maxBody: Int = 16 * 1024
    @Option(name: .customLong("sweep-interval"), help: "Seconds between sweeps that expire due tickets and drop settled ones (0: never).")
    var sweepInterval: Int = 30
    @Option(help: "Seconds a consumed or expired ticket stays after its expiry before a sweep drops it (0…2592000).")
    var grace: Int = 300
    @Option(help: "How durably commits reach the disk: durable, noMetaSync, none (unsafe; tests only).")
    var durability: DurabilityArgument = .durable
    @Option(name: .customLong("max-connections"), help: "The most connections open at once; more wait until one closes (default 4096, or the open file limit less 64 when lower).")
    var maxConnections: Int?
    @Option(name: .customLong("metrics-key"), help: "Bearer key GET /metrics requires (≥ 16 bytes; or TICKET_LEDGER_METRICS_KEY). Without one the metrics are open.")
    var metricsKey: String?
    @Option(name: .customLong("previous-token-key"), help: "A key that signed tokens before --token-key: introspection still accepts its tokens until they expire (repeatable; or TICKET_LEDGER_PREVIOUS_TOKEN_KEYS, comma-separated).")
    var previousTokenKeys: [String] = []
    @Option(name: .customLong("introspect-key"), help: "Bearer key POST /oauth/introspect requires (≥ 16 bytes; or TICKET_LEDGER_INTROSPECT_KEY). Without one introspection answers 401.")
    var introspectKey: String?

    @Option(name: .customLong("admin-key"), help: "Bearer key POST /users/forget requires (≥ 16 bytes; or TICKET_LEDGER_ADMIN_KEY). Without one forgetting over HTTP answers 401.")
    var adminKey: String?

    func validate() throws {
        do {
            try serverConfiguration().validate()
        } catch let error as ServerConfigurationError {
            throw ValidationError(error.description)
        }
    }

    func serverConfiguration(openFiles: Int = .max) throws -> TicketServer.Configuration {
        let env = ProcessInfo.processInfo.environment
        guard let issueKey = issueKey ?? env["TICKET_LEDGER_ISSUE_KEY"] else {
            throw ValidationError("an issue key is needed: --issue-key or TICKET_LEDGER_ISSUE_KEY")
        }
        guard let tokenKey = tokenKey ?? env["TICKET_LEDGER_TOKEN_KEY"] else {
            throw ValidationError("a token key is needed: --token-key or TICKET_LEDGER_TOKEN_KEY")
        }
        var configuration = TicketServer.Configuration(
            host: host, port: port, issueKey: issueKey, tokenKey: tokenKey,
            tokenLifetime: .seconds(tokenLifetime), maxBodySize: maxBody,
            sweepInterval: sweepInterval == 0 ? nil : .seconds(sweepInterval), sweepGrace: .seconds(grace),
            maxConnections: maxConnections ?? min(4096, max(1, openFiles - 64)),
            metricsKey: metricsKey ?? env["TICKET_LEDGER_METRICS_KEY"],
            introspectKey: introspectKey ?? env["TICKET_LEDGER_INTROSPECT_KEY"], adminKey: adminKey ?? env["TICKET_LEDGER_ADMIN_KEY"])
        configuration.previousTokenKeys = previousTokenKeys.isEmpty
            ? (env["TICKET_LEDGER_PREVIOUS_TOKEN_KEYS"] ?? "").split(separator: ",").map(String.init)
            : previousTokenKeys
        return configuration
    }

    func run() throws {
        let logger = Logger(label: "ticket-ledger")
        let files = raiseOpenFileLimit()
        if let maxConnections, maxConnections > files - 64 {
            throw ValidationError(
                "--max-connections \(maxConnections) is over what the open file limit allows (\(files) less 64 kept for the store): lower it, or raise the hard limit (ulimit -Hn)")
        }
        // The ledger's own metrics (commit seconds, batch sizes, redemptions by outcome) go to
        // the registry GET /metrics emits: bootstrapped before the ledger makes its instruments.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(TicketServer.metricsFactory(registry))
        var options = Ledger.Options(durability: durability.durability)
        options.tokenLifetime = .seconds(tokenLifetime)  // a reuse revokes the tokens until they expire
        let location = try StoreLocation(parsing: dir, environment: ProcessInfo.processInfo.environment)
        let ledger = try Ledger.open(location, create: true, options: options, logger: logger)
        defer { ledger.close() }
        let server: TicketServer
        do {
            server = try TicketServer(
                ledger: ledger, configuration: try serverConfiguration(openFiles: files), metrics: registry, logger: logger)
        } catch let error as ServerConfigurationError {
            throw ValidationError(error.description)
        }
        let host = self.host
        try runBlocking {
            try await server.run { port in printError("serving \(host):\(port)") }
        }
    }
}

/// Raises the soft limit on open files to the hard limit, and returns the limit in force.
/// Each connection holds a descriptor; out of them, `accept` fails (EMFILE) while the
/// connections stay open.
private func raiseOpenFileLimit() -> Int {
    var limit = rlimit()
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    guard getrlimit(resource, &limit) == 0 else { return 1024 }
    if limit.rlim_cur < limit.rlim_max {
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        if setrlimit(resource, &raised) == 0 { limit = raised }
    }
    return limit.rlim_cur > rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
}

/// Runs `body` on the concurrency pool and blocks the calling (main) thread until it returns.
private func runBlocking(_ body: @escaping @Sendable () async throws -> Void) throws {
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<Result<Void, any Error>>(.success(()))
    Task {
        do { try await body() } catch { result.withLock { $0 = .failure(error) } }
        done.signal()
    }
    done.wait()
    try result.withLock { $0 }.get()
}
