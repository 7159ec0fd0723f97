import Foundation
import Testing
import TicketLedger
import TicketLedgerHTTP

/// After an answer with `Connection: close` the server reads no further request on that
/// connection (RFC 9112 §9.6): requests pipelined behind it are never run.
@Suite("Connection: close")
struct ConnectionCloseTests {
    @Test("a request pipelined behind a 413 is not run: its ticket stays live, and the connection ends after the 413")
    func pipelinedAfterTooLarge() async throws {
        try await LiveServer.with(maxBodySize: 1024) { server in
            let ticket = try await server.issue()
            let padding = String(repeating: "x", count: 4096)
            let big = #"{"pad":"\#(padding)"}"#
            let exchange = #"{"ticket":"\#(ticket)","secret":"\#(poolSecret)"}"#
            let connection = try RawConnection(port: server.port)
            let (answer, closed) = await connection.exchange(
                "POST /oauth/app2wxapp/auth/app1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(big.utf8.count)\r\n\r\n\(big)"
                + "POST /oauth/app2wxapp/auth/app1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(exchange.utf8.count)\r\n\r\n\(exchange)")
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
            #expect(answer.components(separatedBy: "HTTP/1.1 ").count == 2, "more than one answer: \(answer)")
            #expect(closed, "the connection stayed open after Connection: close")
            let locator = try #require(try server.ledger.locator(ofTicket: ticket))
            #expect(try await server.ledger.ticketState(locator)?.status == .issued, "the pipelined exchange was run")
            // Keep-alive answers still serve pipelined requests in order.
            let second = try RawConnection(port: server.port)
            let (both, _) = await second.exchange(
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(both.components(separatedBy: "HTTP/1.1 200").count == 3, "\(both)")
        }
    }
}
