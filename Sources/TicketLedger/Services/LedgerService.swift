public import ServiceLifecycle

/// Holds an open ``Ledger`` for the life of a swift-service-lifecycle `ServiceGroup`, and
/// closes it (users checkpoint, writer stopped, store closed) at graceful shutdown — off the
/// cooperative pool, since closing waits for the writer and the disk.
///
/// Put it **first** in the group: services stop in reverse order, so the servers and the
/// ``Sweeper`` after it finish their in-flight calls before the ledger closes. It needs no
/// HTTP framework.
///
/// ```swift
/// let ledger = try await Ledger.open(at: "/var/lib/tickets", create: true)
/// let group = ServiceGroup(configuration: .init(services: [
///     .init(service: LedgerService(ledger: ledger)),
///     .init(service: app),   // a Hummingbird or Vapor application
/// ], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
/// try await group.run()
/// ```
public struct LedgerService: Service {
    /// The ledger closed at shutdown.
    public let ledger: Ledger

    /// A service that closes `ledger` at graceful shutdown (or when the group is cancelled).
    public init(ledger: Ledger) {
        self.ledger = ledger
    }

    /// Waits for graceful shutdown or cancellation, then closes the ledger.
    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            // Cancelled: the group is ending; close all the same.
        }
        let ledger = self.ledger
        _ = try? await offloaded { () throws(LedgerError) in ledger.close() }
    }
}
