import Foundation
import NIOHTTP1
import Testing
import TicketLedger
import TicketLedgerHTTP

/// Safe retries over HTTP (issue 18, item 3): `Idempotency-Key` on the exchange.
@Suite("Exchange retries with Idempotency-Key")
struct RetryHTTPTests {
    func exchange(_ server: LiveServer, _ ticket: String, key: String?) async throws -> LiveServer.Reply {
        try await server.send(
            .POST, "/oauth/app2wxapp/auth/app1", body: #"{"ticket":"\#(ticket)","secret":"\#(poolSecret)"}"#,
            headers: key.map { [("Idempotency-Key", $0)] } ?? [])
    }

    @Test("the connection drops after the commit; the retry with the key gets 200 and the same body, loginsCount unchanged")
    func droppedConnection() async throws {
        try await LiveServer.with { server in
            let ticket = try await server.issue()
            let locator = try #require(try server.ledger.locator(ofTicket: ticket))
            // The first attempt: sent, then the connection is dropped before the answer is read.
            let body = #"{"ticket":"\#(ticket)","secret":"\#(poolSecret)"}"#
            let raw = try RawConnection(port: server.port)
            raw.send("POST /oauth/app2wxapp/auth/app1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: try-42\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            raw.shut()
            var waited = 0
            while try await server.ledger.ticketState(locator)?.status != .consumed, waited < 100 {
                try await Task.sleep(for: .milliseconds(50))
                waited += 1
            }
            #expect(try await server.ledger.ticketState(locator)?.status == .consumed, "the dropped exchange did not commit")
            let retry = try await exchange(server, ticket, key: "try-42")
            #expect(retry.status == 200, "\(retry.body)")
            #expect(retry.json["loginsCount"] as? Int == 1)
            let again = try await exchange(server, ticket, key: "try-42")
            #expect(again.status == 200)
            #expect(again.body == retry.body, "a retry's body (token included) is the same")
            #expect(try await exchange(server, ticket, key: "other").status == 410)
            #expect(try await exchange(server, ticket, key: nil).status == 410)
            #expect(try await server.ledger.userDocument(pool: try PoolID("app1"), user: try UserID("u1"))?.loginsCount == 1)
        }
    }

    @Test("a malformed Idempotency-Key is 400 malformed, and nothing is consumed")
    func malformedKey() async throws {
        try await LiveServer.with { server in
            let ticket = try await server.issue()
            let reply = try await exchange(server, ticket, key: String(repeating: "k", count: 256))
            #expect(reply.status == 400)
            #expect(reply.json["code"] as? String == "malformed")
            let locator = try #require(try server.ledger.locator(ofTicket: ticket))
            #expect(try await server.ledger.ticketState(locator)?.status == .issued)
        }
    }
}
