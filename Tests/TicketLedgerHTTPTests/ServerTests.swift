import AsyncHTTPClient
import Crypto
import Foundation
import NIOHTTP1
import Testing
import TicketLedger
import TicketLedgerHTTP

@Suite("HTTP server")
struct ServerTests {
    @Test("full flow: issue over HTTP, exchange once for the user document and a verifiable HS256 token", arguments: StoreKind.all)
    func fullFlow(_ kind: StoreKind) async throws {
        try await LiveServer.with(kind: kind) { server in
            let ticket = try await server.issue()
            let reply = try await server.exchange(ticket)
            #expect(reply.status == 200)
            #expect(reply.contentType?.hasPrefix("application/json") == true)
            let doc = reply.json
            #expect(doc["_id"] as? String == "u1")
            #expect(doc["nickname"] as? String == "Ann")
            #expect(doc["phone"] as? String == "176xxxx6754")
            #expect(doc["registerMethod"] as? String == "oauth:app2wxapp")
            #expect(doc["loginsCount"] as? Int == 1)
            #expect(doc["lastLogin"] as? String == "2026-11-22T00:00:00.000Z")
            #expect(doc["tokenExpiredAt"] as? String == "2026-11-22T02:00:00.000Z")

            // The token: HS256 over header.payload with the token key; claims sub, pool, iat, exp.
            let token = try #require(doc["token"] as? String)
            let parts = token.split(separator: ".").map(String.init)
            try #require(parts.count == 3)
            let mac = HMAC<SHA256>.authenticationCode(
                for: Array((parts[0] + "." + parts[1]).utf8), using: SymmetricKey(data: Array(tokenKey.utf8)))
            #expect(base64URLDecoded(parts[2]) == Data(mac))
            let header = try JSONSerialization.jsonObject(with: try #require(base64URLDecoded(parts[0]))) as? [String: Any]
            #expect(header?["alg"] as? String == "HS256")
            let claims = try JSONSerialization.jsonObject(with: try #require(base64URLDecoded(parts[1]))) as? [String: Any]
            #expect(claims?["sub"] as? String == "u1")
            #expect(claims?["pool"] as? String == "app1")
            #expect(claims?["iat"] as? Int == 1_795_305_600)
            #expect(claims?["exp"] as? Int == 1_795_305_600 + 7200)
        }
    }

    @Test("a replayed ticket is answered 410 alreadyConsumed, and the replay is recorded in the log", arguments: StoreKind.all)
    func replay(_ kind: StoreKind) async throws {
        try await LiveServer.with(kind: kind) { server in
            let ticket = try await server.issue()
            #expect(try await server.exchange(ticket).status == 200)
            let before = try await server.ledger.head().sequence
            let again = try await server.exchange(ticket)
            #expect(again.status == 410)
            #expect(again.json["code"] as? String == "alreadyConsumed")
            #expect(try await server.ledger.head().sequence == before + 2, "the replay appended its RedemptionRejected and TokensRevoked")
            let locator = try #require(try server.ledger.locator(ofTicket: ticket))
            #expect(try await server.ledger.ticketState(locator)?.status == .consumed)
        }
    }

    @Test("a ticket past its lifetime is answered 410 expired", arguments: StoreKind.all)
    func expired(_ kind: StoreKind) async throws {
        try await LiveServer.with(kind: kind) { server in
            let ticket = try await server.issue()
            server.clock.advance(by: .seconds(121))
            let reply = try await server.exchange(ticket)
            #expect(reply.status == 410)
            #expect(reply.json["code"] as? String == "expired")
        }
    }

    @Test("a pool that requires its secret: missing → 401 secretRequired, wrong → 401 secretMismatch, right → 200", arguments: StoreKind.all)
    func secretRequired(_ kind: StoreKind) async throws {
        try await LiveServer.with(kind: kind) { server in
            let ticket = try await server.issue()
            let missing = try await server.exchange(ticket, secret: nil)
            #expect(missing.status == 401)
            #expect(missing.json["code"] as? String == "secretRequired")
            let wrong = try await server.exchange(ticket, secret: "not-the-secret")
            #expect(wrong.status == 401)
            #expect(wrong.json["code"] as? String == "secretMismatch")
            #expect(try await server.exchange(ticket).status == 200)
        }
    }

    @Test("a pool that does not require its secret exchanges without one", arguments: StoreKind.all)
    func secretNotRequired(_ kind: StoreKind) async throws {
        try await LiveServer.with(secretRequired: false, kind: kind) { server in
            let ticket = try await server.issue()
            #expect(try await server.exchange(ticket, secret: nil).status == 200)
        }
    }

    @Test("the ticket may come as the body field `tickett` or the query parameter `ticket`", arguments: StoreKind.all)
    func ticketSources(_ kind: StoreKind) async throws {
        try await LiveServer.with(kind: kind) { server in
            let first = try await server.issue()
            let viaTickett = try await server.send(
                .POST, "/oauth/app2wxapp/auth/app1", body: #"{"secret":"\#(poolSecret)","tickett":"\#(first)"}"#)
            #expect(viaTickett.status == 200)
            let second = try await server.issue()
            let viaQuery = try await server.send(
                .POST, "/oauth/app2wxapp/auth/app1?ticket=\(second)", body: #"{"secret":"\#(poolSecret)"}"#)
            #expect(viaQuery.status == 200)
        }
    }

    @Test("malformed requests are answered 400 malformed; an unknown ticket 404 unknown", arguments: StoreKind.all)
    func malformed(_ kind: StoreKind) async throws {
        try await LiveServer.with(kind: kind) { server in
            for body in [#"{"secret": "#, "[1,2]", #"{"secret":"x","ticket":42}"#, "{}", #"{"secret":"x","ticket":"nonsense"}"#] {
                let reply = try await server.send(.POST, "/oauth/app2wxapp/auth/app1", body: body)
                #expect(reply.status == 400, "body \(body)")
                #expect(reply.json["code"] as? String == "malformed", "body \(body)")
            }
            let badPool = try await server.send(.POST, "/oauth/app2wxapp/auth/bad%20pool", body: #"{"ticket":"x"}"#)
            #expect(badPool.status == 400)
            let unknown = try await server.exchange("tl1.00000000000000ff.q83vEjRWeJCrze8SNFZ4kA")
            #expect(unknown.status == 404)
            #expect(unknown.json["code"] as? String == "unknown")
        }
    }

    @Test("a body over the limit is answered 413 tooLarge")
    func bodyTooLarge() async throws {
        try await LiveServer.with(maxBodySize: 1024) { server in
            let padding = String(repeating: "x", count: 4096)
            let reply = try await server.send(.POST, "/oauth/app2wxapp/auth/app1", body: #"{"pad":"\#(padding)"}"#)
            #expect(reply.status == 413)
            #expect(reply.json["code"] as? String == "tooLarge")
            // The server still answers afterwards.
            #expect(try await server.send(.GET, "/healthz").status == 200)
        }
    }

    @Test("50 concurrent connections exchanging the same ticket: exactly one 200, the rest 410", arguments: StoreKind.all)
    func concurrentExchange(_ kind: StoreKind) async throws {
        try await LiveServer.with(kind: kind) { server in
            let ticket = try await server.issue()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<50 { group.addTask { try await server.exchange(ticket).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 50)
            #expect(statuses.filter { $0 == 200 }.count == 1)
            #expect(statuses.filter { $0 == 410 }.count == 49)
            #expect(try await server.ledger.userDocument(pool: try PoolID("app1"), user: try UserID("u1"))?.loginsCount == 1)
        }
    }

    @Test("POST /tickets needs the bearer issue key, and answers the app reply form when asked", arguments: StoreKind.all)
    func issueEndpoint(_ kind: StoreKind) async throws {
        try await LiveServer.with(kind: kind) { server in
            let body = #"{"pool":"app1","user":"u2"}"#
            let anonymous = try await server.send(.POST, "/tickets", body: body)
            #expect(anonymous.status == 401)
            #expect(anonymous.json["code"] as? String == "unauthorized")
            let wrongKey = try await server.send(.POST, "/tickets", body: body, headers: [("Authorization", "Bearer nope")])
            #expect(wrongKey.status == 401)

            let form = try await server.send(
                .POST, "/tickets?format=query", body: body, headers: [("Authorization", "Bearer \(issueKey)")])
            #expect(form.status == 200)
            #expect(form.body.hasPrefix("code=200&message=ok&ticket=tl2."))
            let reply = try MiniProgramReply(parsing: form.body)
            #expect(try await server.exchange(reply.ticket).status == 200)

            let accept = try await server.send(
                .POST, "/tickets", body: body,
                headers: [("Authorization", "Bearer \(issueKey)"), ("Accept", "application/x-www-form-urlencoded")])
            #expect(accept.contentType == "application/x-www-form-urlencoded")
            #expect((try? MiniProgramReply(parsing: accept.body)) != nil)

            let unconfigured = try await server.send(
                .POST, "/tickets?format=query", body: #"{"pool":"nowhere","user":"u2"}"#,
                headers: [("Authorization", "Bearer \(issueKey)")])
            #expect(unconfigured.status == 404)
            #expect(throws: MiniProgramReplyError.self) { try MiniProgramReply(parsing: unconfigured.body) }

            // A pool id that is not well formed is `malformed`, as in the exchange's path.
            let badPool = try await server.send(
                .POST, "/tickets", body: #"{"pool":"no spaces","user":"u2"}"#,
                headers: [("Authorization", "Bearer \(issueKey)")])
            #expect(badPool.status == 400)
            #expect(badPool.json["code"] as? String == "malformed")
            let badUser = try await server.send(
                .POST, "/tickets", body: #"{"pool":"app1","user":""}"#, headers: [("Authorization", "Bearer \(issueKey)")])
            #expect(badUser.json["code"] as? String == "invalidArgument")
        }
    }

    @Test("GET /healthz answers ok; GET /metrics counts exchanges in Prometheus text", arguments: StoreKind.all)
    func healthAndMetrics(_ kind: StoreKind) async throws {
        try await LiveServer.with(kind: kind) { server in
            let health = try await server.send(.GET, "/healthz")
            #expect(health.status == 200)
            #expect(health.body == "ok\n")
            let ticket = try await server.issue()
            _ = try await server.exchange(ticket)
            _ = try await server.exchange(ticket)
            let metrics = try await server.send(.GET, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains(#"ticket_exchanges_total{outcome="redeemed"} 1"#))
            #expect(metrics.body.contains(#"ticket_exchanges_total{outcome="alreadyConsumed"} 1"#))
            #expect(metrics.body.contains("ticket_exchange_duration_seconds_count 2"))
            #expect(!metrics.body.contains(ticket), "tickets never reach the metrics")
        }
    }

    @Test("a configuration with short keys is refused")
    func configuration() throws {
        #expect(throws: ServerConfigurationError.self) {
            try TicketServer.Configuration(issueKey: "short", tokenKey: tokenKey).validate()
        }
        #expect(throws: ServerConfigurationError.self) {
            try TicketServer.Configuration(issueKey: issueKey, tokenKey: "too-short-for-hs256").validate()
        }
        #expect(throws: ServerConfigurationError.invalid("sweep interval", "must be positive")) {
            try TicketServer.Configuration(issueKey: issueKey, tokenKey: tokenKey, sweepInterval: .zero).validate()
        }
        #expect(throws: ServerConfigurationError.invalid("sweep grace period", "must be between 0 and 30 days")) {
            try TicketServer.Configuration(issueKey: issueKey, tokenKey: tokenKey, sweepGrace: .seconds(-1)).validate()
        }
        #expect(throws: Never.self) {
            try TicketServer.Configuration(issueKey: issueKey, tokenKey: tokenKey, sweepInterval: nil).validate()
        }
    }

    @Test("the sweeper expires due tickets and drops settled ones while the server runs, and stops with it", arguments: StoreKind.all)
    func sweeper(_ kind: StoreKind) async throws {
        try await LiveServer.with(sweepInterval: .milliseconds(20), sweepGrace: .seconds(10), kind: kind) { server in
            let pool = try PoolID("app1")
            let due = try await server.ledger.issueTicket(IssueRequest(pool: pool, user: try UserID("u1")))
            let consumed = try await server.ledger.issueTicket(IssueRequest(pool: pool, user: try UserID("u2")))
            #expect(try await server.ledger.redeem(ticket: consumed.ticket.text, pool: pool, secret: poolSecret).document != nil)
            server.clock.advance(by: .seconds(121))
            try await waitUntil { try server.ledger.ticketState(due.ticket.locator)?.status == .expired }
            #expect(try await server.ledger.ticketState(consumed.ticket.locator)?.status == .consumed)  // in its grace period
            server.clock.advance(by: .seconds(10))
            try await waitUntil { try server.ledger.ticketState(consumed.ticket.locator) == nil }
            #expect(try await server.ledger.ticketState(due.ticket.locator) == nil)
        }
    }
}

/// Polls `condition` every 20 ms for up to 10 s; records a failure when it never holds.
private func waitUntil(_ condition: () throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0..<500 {
        if try condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("the condition did not hold within 10 s", sourceLocation: sourceLocation)
}

private func base64URLDecoded(_ text: String) -> Data? {
    var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while s.count % 4 != 0 { s += "=" }
    return Data(base64Encoded: s)
}
