public import Hummingbird
public import Logging
import HummingbirdCore
import NIOCore
public import Prometheus
import ServiceLifecycle
public import TicketLedger
import UnixSignals

/// The ticket exchange over HTTP: a Hummingbird application around an open `Ledger`.
///
/// Routes:
/// - `POST /oauth/app2wxapp/auth/:userPoolId` — the app's server exchanges a ticket, once,
///   for the user document plus a signed `token` (HS256 JWT) and `tokenExpiredAt`.
/// - `POST /tickets` — the mini program's backend issues a ticket (bearer issue key).
/// - `GET /healthz` — `ok` while the ledger answers reads.
/// - `GET /metrics` — Prometheus text (with ``Configuration/metricsKey``, only for its bearer).
/// - `POST /oauth/introspect` — RFC 7662 token introspection (bearer ``Configuration/introspectKey``).
/// - `POST /users/forget` — forget a user (bearer ``Configuration/adminKey``).
///
/// ```swift
/// let ledger = try Ledger.open(at: "/var/lib/tickets")
/// let server = try TicketServer(ledger: ledger, configuration: .init(issueKey: issueKey, tokenKey: tokenKey))
/// try await server.run()   // until SIGTERM or SIGINT; in-flight requests finish first
/// ledger.close()
/// ```
///
/// The server never closes the ledger, and never logs tickets, secrets or keys.
public struct TicketServer: Sendable {
    /// Where and how the server listens, and its keys.
    public struct Configuration: Sendable {
        /// The address to bind (default `127.0.0.1`: loopback only).
        public var host: String
        /// The TCP port (default 8080; 0 picks a free one, see `onServerRunning`).
        public var port: Int
        /// The bearer key the mini program's backend presents to `POST /tickets`.
        public var issueKey: String
        /// The HMAC-SHA256 key that signs the exchange's tokens (at least 32 bytes, RFC 7518 §3.2).
        public var tokenKey: String
        /// Keys that signed tokens before ``tokenKey`` (each at least 32 bytes): introspection
        /// still verifies their tokens, by the `kid` each token names (derived from the key),
        /// until they expire. Rotate by signing with a new key and moving the old one here for
        /// one token lifetime. Empty by default.
        public var previousTokenKeys: [String] = []
        /// How long a token is valid after the exchange (default 2 hours).
        public var tokenLifetime: Duration
        /// The largest request body accepted; a bigger one is answered 413 (default 16 KiB).
        public var maxBodySize: Int
        /// How long a request body may take to arrive; a slower one is answered 408 (default 10 s).
        public var bodyTimeout: Duration
        /// How long a connection may sit idle (before a request, or between requests) before it
        /// is closed (default 30 s).
        public var idleTimeout: Duration
        /// How often ``TicketServer/run(onServerRunning:)`` sweeps the ledger: expires due
        /// tickets and drops settled ones past `sweepGrace` (default 30 s; `nil`: never, when
        /// something else runs `ticket-ledger expire`).
        public var sweepInterval: Duration?
        /// How long a consumed or expired ticket stays after its expiry before the sweeper
        /// drops it (default `Ledger.ticketGracePeriod`, 300 s; at most 30 days).
        public var sweepGrace: Duration
        /// The most connections open at once (default 4,096). At the cap the server stops
        /// accepting; clients wait in the listen backlog until a connection closes. Keep it
        /// below the process's file descriptor limit, so that `accept` never fails for want
        /// of descriptors (`ticket-ledger serve` raises the soft limit to the hard one).
        public var maxConnections: Int
        /// The bearer key `GET /metrics` requires (`Authorization: Bearer …`; at least 16
        /// bytes). `nil` (the default) serves the metrics to anyone who can reach the port:
        /// they include login counts, so set a key when the port is reachable by others.
        public var metricsKey: String?
        /// The `kid` header of the tokens, naming the token key for key rotation (1–64
        /// printable ASCII characters). `nil` (the default): the first 8 bytes of SHA-256 of
        /// the token key, in hexadecimal.
        public var tokenKeyID: String?

        /// The `kid` the tokens carry: ``tokenKeyID``, or the one derived from the token key.
        public var effectiveTokenKeyID: String { tokenKeyID ?? TokenSigner.keyID(for: tokenKey) }

        /// The bearer key `POST /oauth/introspect` requires (at least 16 bytes). `nil` (the
        /// default): introspection answers 401 to everyone.
        public var introspectKey: String?

        /// The bearer key `POST /users/forget` requires (at least 16 bytes). `nil` (the
        /// default): forgetting over HTTP answers 401 to everyone.
        public var adminKey: String?

        /// A configuration; see each property for its default.
        public init(
            host: String = "127.0.0.1", port: Int = 8080, issueKey: String, tokenKey: String,
            tokenLifetime: Duration = .seconds(7200), maxBodySize: Int = 16 * 1024,
            bodyTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(30),
            sweepInterval: Duration? = .seconds(30), sweepGrace: Duration = Ledger.ticketGracePeriod,
            maxConnections: Int = 4096, metricsKey: String? = nil, tokenKeyID: String? = nil, introspectKey: String? = nil,
            adminKey: String? = nil
        ) {
            self.introspectKey = introspectKey
            self.adminKey = adminKey
            self.host = host
            self.port = port
            self.issueKey = issueKey
            self.tokenKey = tokenKey
            self.tokenLifetime = tokenLifetime
            self.maxBodySize = maxBodySize
            self.bodyTimeout = bodyTimeout
            self.idleTimeout = idleTimeout
            self.sweepInterval = sweepInterval
            self.sweepGrace = sweepGrace
            self.maxConnections = maxConnections
            self.metricsKey = metricsKey
            self.tokenKeyID = tokenKeyID
        }

        /// Checks the bounds that ``TicketServer/init(ledger:configuration:metrics:logger:)`` enforces:
        /// keys long enough, limits and timeouts positive, a port in range.
        public func validate() throws(ServerConfigurationError) {
            guard (0...65_535).contains(port) else { throw .invalid("port", "must be between 0 and 65535") }
            guard issueKey.utf8.count >= 16 else { throw .invalid("issue key", "must be at least 16 bytes") }
            guard tokenKey.utf8.count >= 32 else {
                throw .invalid("token key", "must be at least 32 bytes (HS256 needs a key as long as its hash, RFC 7518 §3.2)")
            }
            if previousTokenKeys.contains(where: { $0.utf8.count < 32 }) {
                throw .invalid("previous token key", "must be at least 32 bytes, as the token key")
            }
            guard tokenLifetime >= .seconds(1) else { throw .invalid("token lifetime", "must be at least 1 second") }
            guard maxBodySize >= 256 else { throw .invalid("body size limit", "must be at least 256 bytes") }
            guard bodyTimeout > .zero, idleTimeout > .zero else { throw .invalid("timeouts", "must be positive") }
            if let sweepInterval, sweepInterval <= .zero { throw .invalid("sweep interval", "must be positive") }
            guard (Duration.zero...Ledger.maxGracePeriod).contains(sweepGrace) else {
                throw .invalid("sweep grace period", "must be between 0 and 30 days")
            }
            guard maxConnections >= 1 else { throw .invalid("connection limit", "must be at least 1") }
            if let metricsKey, metricsKey.utf8.count < 16 { throw .invalid("metrics key", "must be at least 16 bytes") }
            if let tokenKeyID, !(1...64).contains(tokenKeyID.utf8.count) || tokenKeyID.utf8.contains(where: { !(0x21...0x7E).contains($0) }) {
                throw .invalid("token key id", "must be 1 to 64 printable ASCII characters, no spaces")
            }
            if let introspectKey, introspectKey.utf8.count < 16 { throw .invalid("introspection key", "must be at least 16 bytes") }
            if let adminKey, adminKey.utf8.count < 16 { throw .invalid("admin key", "must be at least 16 bytes") }
        }
    }

    /// The ledger the routes call.
    public let ledger: Ledger
    /// The configuration the server was made with.
    public let configuration: Configuration
    /// Where `GET /metrics` reads from; the server's own metrics are registered here.
    public let metrics: PrometheusCollectorRegistry
    let logger: Logger

    /// A server around `ledger`, which must stay open while the server runs.
    ///
    /// - Parameters:
    ///   - ledger: the open ledger the routes call; the server never closes it.
    ///   - configuration: the address, keys and limits (``Configuration``).
    ///   - metrics: the registry `GET /metrics` emits (pass the one your process already
    ///     exports, or let the server make its own).
    ///   - logger: where the server logs, at `info` and below.
    /// - Throws: ``ServerConfigurationError`` when a key is too short or a limit is out of bounds.
    public init(
        ledger: Ledger, configuration: Configuration, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger = Logger(label: "TicketLedgerHTTP")
    ) throws(ServerConfigurationError) {
        try configuration.validate()
        self.ledger = ledger
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    /// The Hummingbird application, to run in your own `ServiceGroup`.
    ///
    /// - Parameter onServerRunning: called once the server listens, with the bound port
    ///   (useful with port 0).
    public func makeApplication(
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let routes = Routes(
            ledger: ledger, configuration: configuration, signer: TokenSigner(configuration),
            metrics: ServerMetrics(registry: metrics), logger: logger)
        let router = Router()
        // A span per request (a no-op unless a tracer is bootstrapped), with the query's
        // ticket redacted: traces must never carry a ticket.
        router.add(middleware: TracingMiddleware(redactingQueryParameters: ["ticket"]))
        // On the router, not a group: unmatched requests are counted too.
        router.add(middleware: RequestMetricsMiddleware(metrics: routes.metrics))
        routes.register(on: router, Set(TicketRoutes.Route.allCases))
        return Application(
            router: router,
            server: .http1(configuration: .init(
                additionalChannelHandlers: [ConnectionCloseHandler()], idleTimeout: .init(configuration.idleTimeout))),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "ticket-ledger",
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections, logger: logger)),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// The sweeper for this server's ledger, at ``Configuration/sweepInterval`` (30 s when
    /// that is `nil`) and ``Configuration/sweepGrace``, to run in your own `ServiceGroup`.
    public func makeSweeper() -> Sweeper {
        Sweeper(
            ledger: ledger, interval: configuration.sweepInterval ?? .seconds(30), grace: configuration.sweepGrace,
            logger: logger)
    }

    /// Runs the server (and, when ``Configuration/sweepInterval`` is set, the sweeper) until
    /// SIGTERM or SIGINT, then shuts down gracefully: it stops accepting connections and lets
    /// in-flight requests (and their commits) finish. It does not close the ledger; to have
    /// it closed at shutdown, run ``makeApplication(onServerRunning:)`` in your own
    /// `ServiceGroup` after a `LedgerService`.
    ///
    /// - Parameter onServerRunning: called once the server listens, with the bound port.
    public func run(onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }) async throws {
        var services = [ServiceGroupConfiguration.ServiceConfiguration(service: makeApplication(onServerRunning: onServerRunning))]
        if configuration.sweepInterval != nil {
            // Shut down first (services stop in reverse order); its end must not cancel the server.
            services.append(.init(service: makeSweeper(), successTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

/// A server setting out of bounds: which, and why.
public enum ServerConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `setting` is out of bounds: why.
    case invalid(_ setting: String, _ reason: String)

    public var description: String {
        switch self {
        case let .invalid(setting, reason): "invalid \(setting): \(reason)"
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
