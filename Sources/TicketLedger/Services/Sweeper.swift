public import Logging
public import ServiceLifecycle

/// Expires due tickets and drops settled ones (`Ledger/sweep(limit:grace:)`) every
/// `interval` while it runs, so a server left alone keeps its tickets projection and expiry
/// index to the live tickets. A swift-service-lifecycle `Service`: add it to your
/// `ServiceGroup` beside your server (and a ``LedgerService``); it needs no HTTP framework.
/// `TicketServer.run` runs one when its configuration's `sweepInterval` is set.
///
/// ```swift
/// let group = ServiceGroup(configuration: .init(services: [
///     .init(service: LedgerService(ledger: ledger)),
///     .init(service: app),
///     .init(service: Sweeper(ledger: ledger, interval: .seconds(30), logger: logger), successTerminationBehavior: .ignore),
/// ], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
/// ```
///
/// It stops at graceful shutdown. A sweep that fails is logged and tried again at the next
/// interval; the store's own refusals (expired tickets are refused whether swept or not)
/// do not depend on it.
public struct Sweeper: Service {
    /// The ledger swept.
    public let ledger: Ledger
    /// How long it waits between sweeps.
    public let interval: Duration
    /// How long a settled ticket stays after its expiry.
    public let grace: Duration
    let logger: Logger

    /// The most tickets one call expires (the sweep calls again while calls are full).
    static let limit = 10_000

    /// A sweeper of `ledger`; see the properties.
    public init(ledger: Ledger, interval: Duration, grace: Duration = Ledger.ticketGracePeriod, logger: Logger) {
        self.ledger = ledger
        self.interval = interval
        self.grace = grace
        self.logger = logger
    }

    /// Sweeps every `interval` until graceful shutdown (or cancellation).
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: interval)
                    await sweep()
                }
            }
        } catch is CancellationError {
            return  // shutting down
        }
    }

    /// One sweep, through the ledger's `async` API: the task suspends until each commit is
    /// durable, holding no thread of the cooperative pool.
    func sweep() async {
        do {
            while try await ledger.sweep(limit: Self.limit, grace: grace).expired == Self.limit {}
        } catch LedgerError.closed {
            // The ledger closed under us: the process is stopping.
        } catch {
            logger.warning("sweeping expired tickets failed; trying again later", metadata: ["error": "\(error)"])
        }
    }
}
