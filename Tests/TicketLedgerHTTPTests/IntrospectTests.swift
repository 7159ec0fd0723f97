import Foundation
import NIOHTTP1
import Testing
import TicketLedger

/// Reuse revokes (issue 18, item 2) over HTTP: the token carries `jti`; a replay of the
/// consumed ticket revokes it; `POST /oauth/introspect` (RFC 7662) says so.
@Suite("Token introspection and revocation")
struct IntrospectTests {
    func introspect(_ server: LiveServer, _ token: String, key: String = introspectKey) async throws -> LiveServer.Reply {
        var request = "token=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token)
        request += "&token_type_hint=access_token"
        return try await server.sendForm(.POST, "/oauth/introspect", body: request, headers: [("Authorization", "Bearer \(key)")])
    }

    @Test("exchange → introspect active → replay → introspect inactive; a retry with the key does not revoke")
    func reuseRevokes() async throws {
        try await LiveServer.with { server in
            let ticket = try await server.issue()
            let exchanged = try await server.exchange(ticket)
            #expect(exchanged.status == 200)
            let token = try #require(exchanged.json["token"] as? String)
            let active = try await introspect(server, token)
            #expect(active.status == 200)
            #expect(active.json["active"] as? Bool == true, "\(active.body)")
            #expect(active.json["sub"] as? String == "u1")
            let jti = try #require(active.json["jti"] as? String)
            #expect(jti == server.ledger.tokenID(forTicket: ticket))
            #expect(!ticket.contains(String(format: "%016llx", try #require(try server.ledger.locator(ofTicket: ticket)).sequence)))

            #expect(try await server.exchange(ticket).status == 410)  // the reuse
            let inactive = try await introspect(server, token)
            #expect(inactive.status == 200)
            #expect(inactive.json["active"] as? Bool == false, "\(inactive.body)")
            #expect(inactive.json.count == 1)
            #expect(try server.ledger.isRevoked(tokenID: jti))

            // With an idempotency key, the retry is no reuse: its token stays active.
            let second = try await server.issue(user: "u2")
            let keyed = try await server.send(
                .POST, "/oauth/app2wxapp/auth/app1", body: #"{"ticket":"\#(second)","secret":"\#(poolSecret)"}"#,
                headers: [("Idempotency-Key", "once-9")])
            let keyedToken = try #require(keyed.json["token"] as? String)
            let retried = try await server.send(
                .POST, "/oauth/app2wxapp/auth/app1", body: #"{"ticket":"\#(second)","secret":"\#(poolSecret)"}"#,
                headers: [("Idempotency-Key", "once-9")])
            #expect(retried.status == 200)
            #expect(retried.json["token"] as? String == keyedToken)
            #expect(try await introspect(server, keyedToken).json["active"] as? Bool == true)
        }
    }

    @Test("introspection needs its key; a forged, altered or expired token is inactive")
    func guarded() async throws {
        try await LiveServer.with { server in
            let ticket = try await server.issue()
            let token = try #require(try await server.exchange(ticket).json["token"] as? String)
            #expect(try await introspect(server, token, key: "wrong-key-0123456789").status == 401)
            let noKey = try await server.sendForm(.POST, "/oauth/introspect", body: "token=\(token)", headers: [])
            #expect(noKey.status == 401)
            var altered = Array(token.utf8)
            altered[altered.count / 2] = altered[altered.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(try await introspect(server, String(decoding: altered, as: UTF8.self)).json["active"] as? Bool == false)
            #expect(try await introspect(server, "not.a.token").json["active"] as? Bool == false)
            #expect(try await server.sendForm(.POST, "/oauth/introspect", body: "nothing=1", headers: [("Authorization", "Bearer \(introspectKey)")]).status == 400)
            server.clock.advance(by: .seconds(7201))
            #expect(try await introspect(server, token).json["active"] as? Bool == false, "expired")
        }
    }
}

extension LiveServer {
    /// Sends a form-encoded body.
    func sendForm(_ method: HTTPMethod, _ path: String, body: String, headers: [(String, String)]) async throws -> Reply {
        try await send(method, path, body: body, headers: headers + [("Content-Type", "application/x-www-form-urlencoded")])
    }
}
