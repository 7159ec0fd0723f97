import Foundation
import NIOHTTP1
import Testing
import TicketLedger

/// `ticket-ledger serve` bootstraps swift-metrics into the registry `GET /metrics` emits, so
/// the ledger's own metrics appear beside the server's.
@Suite("Observability", .enabled(if: FileManager.default.isExecutableFile(atPath: SpawnedServer.executable("ticket-ledger").path),
                                "build the CLI first: swift build --build-tests"))
struct ObservabilityTests {
    @Test("after one exchange, /metrics of serve shows ticket_ledger_commit_seconds, the batch size and the redemption")
    func ledgerMetricsOnServe() async throws {
        let root = NSTemporaryDirectory() + "ticket-ledger-metrics-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await SpawnedServer.storeWithPool(in: root)
        let server = try await SpawnedServer(
            "ticket-ledger", ["serve", store, "--port", "0", "--sweep-interval", "0", "--durability", "none"],
            environment: ["TICKET_LEDGER_ISSUE_KEY": issueKey, "TICKET_LEDGER_TOKEN_KEY": tokenKey],
            portPrefix: "serving 127.0.0.1:")
        let issued = try await server.send(
            .POST, "/tickets", body: #"{"pool":"app1","user":"u1"}"#, headers: [("Authorization", "Bearer \(issueKey)")])
        let ticket = try #require((try JSONSerialization.jsonObject(with: Data(issued.body.utf8)) as? [String: Any])?["ticket"] as? String)
        let exchanged = try await server.send(.POST, "/oauth/app2wxapp/auth/app1", body: #"{"secret":"\#(poolSecret)","ticket":"\#(ticket)"}"#)
        #expect(exchanged.status == 200, "\(exchanged)")
        let metrics = try await server.send(.GET, "/metrics")
        _ = try await server.stop()
        let lines = metrics.body.split(separator: "\n").map(String.init)
        #expect(metrics.status == 200)
        #expect(lines.contains { $0.hasPrefix("ticket_ledger_commit_seconds_count") && !$0.hasSuffix(" 0") }, "\(metrics.body)")
        #expect(lines.contains { $0.hasPrefix("ticket_ledger_batch_size_count") }, "\(metrics.body)")
        #expect(lines.contains(#"ticket_ledger_redemptions_total{outcome="redeemed"} 1"#), "\(metrics.body)")
        #expect(lines.contains(#"ticket_ledger_tickets_issued_total 1"#), "\(metrics.body)")
        #expect(lines.contains { $0.hasPrefix("ticket_exchanges_total") }, "the server's own metrics stay: \(metrics.body)")
    }
}
