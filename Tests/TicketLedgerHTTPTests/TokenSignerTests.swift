import Foundation
import Testing
import TicketLedger
@testable import TicketLedgerHTTP

@Suite("Token signer")
struct TokenSignerTests {
    @Test("claims JSON parses back to the same strings, whatever they hold",
          arguments: ["u1", "quote\"and\\backslash", "line\nbreak\ttab\r", "\u{01}\u{1F}control", "用户/ñ/😀", ""])
    func claims(_ text: String) throws {
        let json = TokenSigner.claimsJSON(sub: text, unionid: "union-" + text, pool: "pool-" + text, iat: 1_795_305_600, exp: 1_795_312_800)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        let data = try #require(object["data"] as? [String: Any])
        #expect(data["id"] as? String == text)
        #expect(data["unionid"] as? String == "union-" + text)
        #expect(data["clientId"] as? String == "pool-" + text)
        #expect(object["sub"] as? String == text)
        #expect(object["pool"] as? String == "pool-" + text)
        #expect(object["iat"] as? Int == 1_795_305_600)
        #expect(object["exp"] as? Int == 1_795_312_800)
        #expect(String(decoding: json, as: UTF8.self).contains(#"},"exp":1795312800,"iat":1795305600,"pool":"#))
    }

    @Test("base64url equals Foundation's base64 with the URL alphabet and no padding, for every length mod 3")
    func base64URL() {
        var rng = SystemRandomNumberGenerator()
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let ours = TicketLedger.base64URL(bytes)
            let foundation = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(String(decoding: ours, as: UTF8.self) == foundation, "length \(length)")
        }
    }
}

@Suite("Exchange answer")
struct ExchangeAnswerTests {
    @Test("the hand-written JSON equals JSONEncoder's, with nulls, escapes and non-ASCII")
    func sameAsJSONEncoder() throws {
        let root = NSTemporaryDirectory() + "ticket-ledger-answer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger.open(at: root, create: true, options: Ledger.Options(durability: .none))
        defer { ledger.close() }
        let pool = try PoolID("app1")
        try ledger.configurePool(pool, secret: "s3cret")
        let profile = UserProfile(
            username: "a\"b\\c", nickname: "用户😀", photo: "https://x.example/p.png", phone: nil,
            openid: "line\nbreak", unionid: "\u{01}", oauth: nil, company: "", metadata: #"{"k":[1,2]}"#, emailVerified: true)
        let issued = try ledger.issueTicket(IssueRequest(pool: pool, user: try UserID("u/1"), profile: profile, ip: "10.0.0.7"))
        let outcome = try ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: "s3cret")
        var document = try #require(outcome.document)
        for variant in 0..<2 {
            if variant == 1 { document.lastLogin = nil; document.lastIP = ""; document.nickname = "" }
            let answer = Routes.ExchangeSuccess(document: document, token: "t.o.k", tokenExpiredAt: "2026-11-22T02:00:00.000Z")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            let expected = try JSONSerialization.jsonObject(with: try encoder.encode(answer)) as? NSDictionary
            let ours = try JSONSerialization.jsonObject(with: Data(answer.json())) as? NSDictionary
            #expect(ours != nil)
            #expect(ours == expected, "variant \(variant)")
        }
    }

    @Test("key rotation: a token signed with a previous key verifies while that key is listed, and not after; a token of an unknown key never")
    func previousKeys() throws {
        let old = String(repeating: "o", count: 32), new = String(repeating: "n", count: 32)
        func signer(_ key: String, previous: [String] = []) -> TokenSigner {
            var configuration = TicketServer.Configuration(issueKey: issueKey, tokenKey: key)
            configuration.previousTokenKeys = previous
            return TokenSigner(configuration)
        }
        let pool = try PoolID("app1")
        let moment = Timestamp(millisecondsSince1970: 1_795_305_600_000)
        let oldToken = signer(old).sign(user: "u1", unionid: "", pool: pool, at: moment, jti: "j1").text
        #expect(signer(new, previous: [old]).verify(oldToken)?.jti == "j1")
        #expect(signer(new).verify(oldToken) == nil, "an old key no longer listed")
        #expect(signer(new, previous: [String(repeating: "x", count: 32)]).verify(oldToken) == nil)
        #expect(signer(new, previous: [old]).verify(signer(new).sign(user: "u2", unionid: "", pool: pool, at: moment).text)?.sub == "u2")
        #expect(throws: ServerConfigurationError.self) {
            var short = TicketServer.Configuration(issueKey: issueKey, tokenKey: new)
            short.previousTokenKeys = ["short"]
            try short.validate()
        }
    }
}
