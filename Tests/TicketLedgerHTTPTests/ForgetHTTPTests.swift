import Foundation
import NIOHTTP1
import Testing
import TicketLedger

/// Forgetting a user (issue 18, item 1) over HTTP: `POST /users/forget` with the admin key.
@Suite("Forget a user over HTTP")
struct ForgetHTTPTests {
    @Test("exchange, forget (admin key), the old ticket refused, a new one a new record; without the key 401", arguments: StoreKind.all)
    func forget(kind: StoreKind) async throws {
        try await LiveServer.with(kind: kind) { server in
            let first = try await server.issue()
            #expect(try await server.exchange(first).json["nickname"] as? String == "Ann")
            let pending = try await server.issue()
            let body = #"{"pool":"app1","user":"u1"}"#

            #expect(try await server.send(.POST, "/users/forget", body: body).status == 401)
            #expect(try await server.send(.POST, "/users/forget", body: body, headers: [("Authorization", "Bearer \(issueKey)")]).status == 401)
            let forgot = try await server.send(.POST, "/users/forget", body: body, headers: [("Authorization", "Bearer \(adminKey)")])
            #expect(forgot.status == 200, "\(forgot.body)")
            #expect(forgot.json["keyGeneration"] as? Int == 1 && forgot.json["sequence"] is Int, "\(forgot.body)")
            let again = try await server.send(.POST, "/users/forget", body: body, headers: [("Authorization", "Bearer \(adminKey)")])
            #expect(again.status == 200 && again.json["sequence"] is NSNull, "\(again.body)")
            let unknown = try await server.send(
                .POST, "/users/forget", body: #"{"pool":"app1","user":"nobody"}"#, headers: [("Authorization", "Bearer \(adminKey)")])
            #expect(unknown.status == 400 && unknown.json["code"] as? String == "invalidArgument", "\(unknown.body)")
            let garbled = try await server.send(.POST, "/users/forget", body: "{", headers: [("Authorization", "Bearer \(adminKey)")])
            #expect(garbled.status == 400 && garbled.json["code"] as? String == "malformed", "\(garbled.body)")

            let refused = try await server.exchange(pending)
            #expect(refused.status == 404 && refused.json["code"] as? String == "unknown", "\(refused.body)")
            let next = try await server.issue()
            let doc = try await server.exchange(next)
            #expect(doc.status == 200 && doc.json["loginsCount"] as? Int == 1 && doc.json["nickname"] as? String == "Ann", "\(doc.body)")
            #expect(try await server.ledger.audit().ok)
        }
    }
}
