public import Prometheus

extension TicketServer {
    /// A swift-metrics factory over `registry`, with histogram buckets fitted to the ledger's
    /// metrics: durations from 250 µs to 1 s, batch sizes from 1 to 4,096. Bootstrap it once
    /// per process, before opening the ledger, so that the ledger's own metrics
    /// (`ticket_ledger_commit_seconds`, `ticket_ledger_batch_size`,
    /// `ticket_ledger_redemptions_total{outcome}`, …) appear on `GET /metrics` beside the server's:
    ///
    /// ```swift
    /// let registry = PrometheusCollectorRegistry()
    /// MetricsSystem.bootstrap(TicketServer.metricsFactory(registry))
    /// let ledger = try await Ledger.open(at: "/var/lib/tickets")
    /// let server = try TicketServer(ledger: ledger, configuration: configuration, metrics: registry)
    /// ```
    ///
    /// `ticket-ledger serve` does this. A library never bootstraps the metrics system itself.
    public static func metricsFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1),
        ]
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
        return factory
    }
}
