import Dispatch
public import Logging
public import ServiceLifecycle
public import TicketLedger

/// Expires due tickets and drops settled ones (``Ledger/expireDue(limit:grace:)``) every
/// `interval` while it runs, so a server left alone keeps its tickets projection and expiry
/// index to the live tickets. ``TicketServer/run(onServerRunning:)`` runs one when
/// ``TicketServer/Configuration/sweepInterval`` is set; to run the application in your own
/// `ServiceGroup`, add ``TicketServer/makeSweeper()`` beside it.
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

    /// One sweep, on a Dispatch thread: `expireDue` blocks until its commit is durable, and
    /// the concurrency pool must not block.
    func sweep() async {
        let (ledger, grace, logger) = (self.ledger, self.grace, self.logger)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                do {
                    while try ledger.expireDue(limit: Self.limit, grace: grace) == Self.limit {}
                } catch LedgerError.closed {
                    // The ledger closed under us: the server is stopping.
                } catch {
                    logger.warning("sweeping expired tickets failed; trying again later", metadata: ["error": "\(error)"])
                }
                done.resume()
            }
        }
    }
}
