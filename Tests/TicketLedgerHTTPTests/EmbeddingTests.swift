import Foundation
import NIOHTTP1
import Testing
import TicketLedger

/// The example app (`Examples/EmbeddedExchange`): its own route and the exchange on one port,
/// and the ledger closed by `LedgerService` at shutdown.
@Suite("Embedding", .enabled(if: FileManager.default.isExecutableFile(atPath: SpawnedServer.executable("EmbeddedExchange").path),
                            "build the example first: swift build --build-tests"))
struct EmbeddingTests {
    @Test("the example app serves its own route and the exchange on one port, and closes the ledger on SIGTERM")
    func exampleApp() async throws {
        let root = NSTemporaryDirectory() + "ticket-ledger-example-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await SpawnedServer.storeWithPool(in: root)
        let app = try await SpawnedServer(
            "EmbeddedExchange", [store, "0"],
            environment: ["TICKET_LEDGER_ISSUE_KEY": issueKey, "TICKET_LEDGER_TOKEN_KEY": tokenKey],
            portPrefix: "listening on 127.0.0.1:")
        let hello = try await app.send(.GET, "/hello")
        #expect(hello.status == 200 && hello.body == "hello from the app\n", "\(hello)")
        let issued = try await app.send(
            .POST, "/tickets", body: #"{"pool":"app1","user":"u1","ip":"192.168.0.106"}"#,
            headers: [("Authorization", "Bearer \(issueKey)")])
        #expect(issued.status == 200, "\(issued)")
        let ticket = try #require((try JSONSerialization.jsonObject(with: Data(issued.body.utf8)) as? [String: Any])?["ticket"] as? String)
        let exchanged = try await app.send(.POST, "/oauth/app2wxapp/auth/app1", body: #"{"secret":"\#(poolSecret)","ticket":"\#(ticket)"}"#)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(exchanged.body.utf8)) as? [String: Any])
        #expect(exchanged.status == 200, "\(exchanged)")
        #expect(document["_id"] as? String == "u1" && document["loginsCount"] as? Int == 1 && document["token"] is String)
        let again = try await app.send(.POST, "/oauth/app2wxapp/auth/app1", body: #"{"secret":"\#(poolSecret)","ticket":"\#(ticket)"}"#)
        #expect(again.status == 410, "\(again)")
        let unknownRoute = try await app.send(.GET, "/healthz")  // not added: the example asked for the exchange and the issue only
        #expect(unknownRoute.status == 404)

        let status = try await app.stop()
        #expect(status == 0, "\(app.errorOutput)")
        // LedgerService closed the ledger: closing checkpoints the users projection at the head,
        // which nothing else does this early (every 32,768 users otherwise).
        let reader = try LedgerReader.open(at: store)
        defer { reader.close() }
        let report = try await reader.audit()
        #expect(report.ok, "\(report.findings)")
        #expect(report.usersCheckpoint == report.head.sequence, "users checkpoint \(report.usersCheckpoint), head \(report.head)")
    }
}
