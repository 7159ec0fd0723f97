import Foundation
import Testing
@testable import TicketLedgerHTTP

@Suite("Token signer")
struct TokenSignerTests {
    @Test("claims JSON parses back to the same strings, whatever they hold",
          arguments: ["u1", "quote\"and\\backslash", "line\nbreak\ttab\r", "\u{01}\u{1F}control", "用户/ñ/😀", ""])
    func claims(_ text: String) throws {
        let json = TokenSigner.claimsJSON(sub: text, pool: "pool-" + text, iat: 1_795_305_600, exp: 1_795_312_800)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        #expect(object["sub"] as? String == text)
        #expect(object["pool"] as? String == "pool-" + text)
        #expect(object["iat"] as? Int == 1_795_305_600)
        #expect(object["exp"] as? Int == 1_795_312_800)
        #expect(String(decoding: json, as: UTF8.self).hasPrefix(#"{"exp":1795312800,"iat":1795305600,"pool":"#))
    }

    @Test("base64url equals Foundation's base64 with the URL alphabet and no padding, for every length mod 3")
    func base64URL() {
        var rng = SystemRandomNumberGenerator()
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var ours: [UInt8] = []
            appendBase64URL(bytes, to: &ours)
            let foundation = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(String(decoding: ours, as: UTF8.self) == foundation, "length \(length)")
        }
    }
}
