import Foundation
import NIOHTTP1
import JWTKit
import Testing
import TicketLedger
import TicketLedgerHTTP

/// The exchange's token, checked by a JWT library that is not ours (vapor/jwt-kit).
@Suite("Token interop")
struct TokenInteropTests {
    /// The product's claims, as a backend written for the product's token reads them, plus ours.
    struct ProductClaims: JWTPayload {
        struct Identity: Codable {
            var id: String
            var unionid: String
            var clientId: String
        }
        var data: Identity
        var sub: SubjectClaim
        var pool: String
        var iat: IssuedAtClaim
        var exp: ExpirationClaim

        // The test clock is in the past of the wall clock, so `exp` is compared by the test.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    @Test("jwt-kit verifies the token with the token key and its kid, and reads the product's data claim")
    func verifiesWithJWTKit() async throws {
        try await LiveServer.with { server in
            let ticket = try await server.send(
                .POST, "/tickets",
                body: #"{"pool":"app1","user":"u7","profile":{"unionid":"union-7"}}"#,
                headers: [("Authorization", "Bearer \(issueKey)")]).json["ticket"] as? String
            let reply = try await server.exchange(try #require(ticket))
            #expect(reply.status == 200, "\(reply.body)")
            let token = try #require(reply.json["token"] as? String)

            let kid = TicketServer.Configuration(issueKey: issueKey, tokenKey: tokenKey).effectiveTokenKeyID
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: tokenKey), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
            let claims = try await keys.verify(token, as: ProductClaims.self)
            #expect(claims.data.id == "u7" && claims.data.unionid == "union-7" && claims.data.clientId == "app1")
            #expect(claims.sub.value == "u7" && claims.pool == "app1")
            #expect(claims.exp.value.timeIntervalSince(claims.iat.value) == 7200)
            #expect(claims.iat.value.timeIntervalSince1970 == Double(LiveServer.epoch.millisecondsSince1970 / 1000))

            // A key that is not the token key does not verify it, under the same kid or none.
            let wrong = JWTKeyCollection()
            await wrong.add(hmac: HMACKey(from: String(tokenKey.reversed())), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
            await #expect(throws: (any Error).self) { _ = try await wrong.verify(token, as: ProductClaims.self) }
            // A changed payload does not verify.
            var payload = Array(token.split(separator: ".")[1])
            payload[8] = payload[8] == "A" ? "B" : "A"  // a middle character: its bits all count
            let parts = token.split(separator: ".")
            let forged = "\(parts[0]).\(String(payload)).\(parts[2])"
            await #expect(throws: (any Error).self) { _ = try await keys.verify(forged, as: ProductClaims.self) }
        }
    }
}
