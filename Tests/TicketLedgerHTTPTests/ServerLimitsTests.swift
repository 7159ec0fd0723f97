import Foundation
import NIOHTTP1
import Testing
import TicketLedger
import TicketLedgerHTTP

/// What a client can hold or read of the server: connections up to the cap, metrics only
/// with the key when one is set.
@Suite("Server limits")
struct ServerLimitsTests {
    @Test("at the connection cap a new connection waits, and is served once another closes")
    func connectionCap() async throws {
        try await LiveServer.with(maxConnections: 2) { server in
            let idle = [try RawConnection(port: server.port), try RawConnection(port: server.port)]
            try await Task.sleep(for: .milliseconds(200))  // both accepted
            let third = try RawConnection(port: server.port, timeout: 2)
            let waiting = await third.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(waiting.text.isEmpty, "served past the cap: \(waiting.text)")
            idle[0].shut()
            // Served once the server sees the close: allow for a loaded machine (the answer ends
            // the read at once, as the request asked the server to close).
            third.setReadTimeout(30)
            let served = await third.receive()
            #expect(served.text.hasPrefix("HTTP/1.1 200"), "\(served.text)")
        }
    }

    @Test("with a metrics key, GET /metrics needs it as a bearer key (401 otherwise)")
    func metricsKey() async throws {
        let key = "metrics-key-0123456789"
        try await LiveServer.with(metricsKey: key) { server in
            let anonymous = try await server.send(.GET, "/metrics")
            #expect(anonymous.status == 401)
            #expect(!anonymous.body.contains("ticket_exchanges_total"))
            let wrong = try await server.send(.GET, "/metrics", headers: [("Authorization", "Bearer not-the-metrics-key")])
            #expect(wrong.status == 401)
            let keyed = try await server.send(.GET, "/metrics", headers: [("Authorization", "Bearer \(key)")])
            #expect(keyed.status == 200)
            #expect(keyed.body.contains("http_requests_total"), "\(keyed.body.prefix(300))")
        }
        #expect(throws: ServerConfigurationError.self) {
            try TicketServer.Configuration(issueKey: issueKey, tokenKey: tokenKey, metricsKey: "short").validate()
        }
    }
}
