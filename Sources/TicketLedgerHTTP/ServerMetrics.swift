import HTTPTypes
import Hummingbird
import CoreMetrics
import Prometheus
import TicketLedger

/// The server's metrics, through swift-metrics into the server's own Prometheus registry
/// (no global `MetricsSystem` is touched).
struct ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let exchangeDuration: CoreMetrics.Timer
    let issued: CoreMetrics.Counter
    let issueFailed: CoreMetrics.Counter
    private let redeemed: CoreMetrics.Counter
    private let rejected: [RejectionReason: CoreMetrics.Counter]
    private let failed: CoreMetrics.Counter

    /// How an exchange ended.
    enum ExchangeOutcome {
        case redeemed
        case rejected(RejectionReason)
        /// Not decided by the ledger: a bad request, or a store failure.
        case failed
    }

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        let factory = TicketServer.metricsFactory(registry)
        self.factory = factory
        exchangeDuration = CoreMetrics.Timer(label: "ticket_exchange_duration_seconds", factory: factory)
        issued = CoreMetrics.Counter(label: "tickets_issued_total", factory: factory)
        issueFailed = CoreMetrics.Counter(label: "ticket_issue_failures_total", factory: factory)
        redeemed = CoreMetrics.Counter(label: "ticket_exchanges_total", dimensions: [("outcome", "redeemed")], factory: factory)
        failed = CoreMetrics.Counter(label: "ticket_exchanges_total", dimensions: [("outcome", "failed")], factory: factory)
        var rejected: [RejectionReason: CoreMetrics.Counter] = [:]
        for reason in RejectionReason.allCases {
            rejected[reason] = CoreMetrics.Counter(label: "ticket_exchanges_total", dimensions: [("outcome", reason.rawValue)], factory: factory)
        }
        self.rejected = rejected
    }

    func exchanged(_ outcome: ExchangeOutcome) {
        switch outcome {
        case .redeemed: redeemed.increment()
        case .rejected(let reason): rejected[reason]?.increment()
        case .failed: failed.increment()
        }
    }

    /// Counts one answered request by route template, method and status.
    func answered(route: String, method: HTTPRequest.Method, status: HTTPResponse.Status) {
        CoreMetrics.Counter(
            label: "http_requests_total",
            dimensions: [("route", route), ("method", method.rawValue), ("status", String(status.code))],
            factory: factory
        ).increment()
    }
}

/// Counts every answer in `http_requests_total`, labelled by the route's template (never
/// the raw path, which would carry pool ids and tickets into the metrics).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.answered(route: context.endpointPath ?? "unmatched", method: request.method, status: response.status)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            metrics.answered(route: context.endpointPath ?? "unmatched", method: request.method, status: status)
            throw error
        }
    }
}

extension CoreMetrics.Timer {
    /// Records the time since `start`.
    func recordInterval(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
