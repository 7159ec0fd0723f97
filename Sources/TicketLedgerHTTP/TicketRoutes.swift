public import Hummingbird
public import Logging
public import Prometheus
public import TicketLedger

/// The ticket exchange's routes, to add to your own Hummingbird router — with any request
/// context — so that your app serves them beside its own routes, on its own port.
/// ``TicketServer`` is the same routes in an application of their own.
///
/// ```swift
/// let ledger = try await Ledger.open(at: "/var/lib/tickets", create: true)
/// let router = Router(context: MyRequestContext.self)
/// router.get("/hello") { _, _ in "hello" }
/// try TicketRoutes(ledger: ledger, configuration: .init(issueKey: issueKey, tokenKey: tokenKey))
///     .add(to: router)                                   // the exchange and POST /tickets
/// let app = Application(router: router, configuration: .init(address: .hostname("0.0.0.0", port: 8080)))
/// let group = ServiceGroup(configuration: .init(services: [
///     .init(service: LedgerService(ledger: ledger)),     // closes the ledger at shutdown
///     .init(service: app),
/// ], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
/// try await group.run()
/// ```
///
/// Of the configuration, the keys, the token lifetime, the body limit and timeout and the
/// metrics key apply; the host, port, connection limits and sweeper are your application's.
/// So is tracing: when your router has Hummingbird's `TracingMiddleware`, give it
/// `redactingQueryParameters: ["ticket"]` (as ``TicketServer`` does), since the exchange
/// accepts the ticket as a query parameter and a trace must never carry one.
public struct TicketRoutes: Sendable {
    /// A route this package serves.
    public enum Route: String, Sendable, Hashable, CaseIterable {
        /// `POST /oauth/app2wxapp/auth/:userPoolId`: the exchange of a ticket for the user document and a token.
        case exchange
        /// `POST /tickets`: the mini program's backend issues a ticket (bearer issue key).
        case issue
        /// `POST /oauth/introspect`: RFC 7662 token introspection (bearer introspection key).
        case introspect
        /// `POST /users/forget`: forget a user, their personal data erased (bearer admin key).
        case forget
        /// `GET /healthz`: `ok` while the store answers a read.
        case health
        /// `GET /metrics`: the registry's Prometheus text.
        case metrics
        /// `GET /openapi.yaml`: the OpenAPI 3.1 document of these routes.
        case openAPI
    }

    let routes: Routes

    /// The registry the routes' own metrics go to (and `GET /metrics` reads).
    public var metrics: PrometheusCollectorRegistry { routes.metrics.registry }

    /// The routes around `ledger`, which must stay open while they serve.
    ///
    /// - Parameters:
    ///   - ledger: the open ledger the routes call; they never close it.
    ///   - configuration: the keys and limits (`TicketServer.Configuration`).
    ///   - metrics: where the routes count exchanges, issues and answers.
    ///   - logger: where the routes log store failures, at `warning` and below; never tickets,
    ///     secrets or keys.
    /// - Throws: ``ServerConfigurationError`` when a key is too short or a limit is out of bounds.
    public init(
        ledger: Ledger, configuration: TicketServer.Configuration,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger = Logger(label: "TicketLedgerHTTP")
    ) throws(ServerConfigurationError) {
        try configuration.validate()
        routes = Routes(
            ledger: ledger, configuration: configuration, signer: TokenSigner(configuration),
            metrics: ServerMetrics(registry: metrics), logger: logger)
    }

    /// Adds `which` routes (the exchange and the issue by default) to `router`, in a group
    /// that counts their answers in `http_requests_total`.
    public func add<Router: RouterMethods>(to router: Router, _ which: Set<Route> = [.exchange, .issue]) {
        let group = router.group().add(middleware: RequestMetricsMiddleware<Router.Context>(metrics: routes.metrics))
        routes.register(on: group, which)
    }
}
