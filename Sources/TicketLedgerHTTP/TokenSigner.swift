import Crypto
import Foundation
import TicketLedger

/// Signs the exchange's tokens: compact JWS, HS256 (HMAC-SHA256 with the server's key),
/// claims `sub` (the user id), `pool`, `iat` and `exp` (seconds since 1970).
struct TokenSigner: Sendable {
    /// The HMAC key's bytes (`SymmetricKey` is not `Sendable` in this swift-crypto).
    let key: [UInt8]
    let lifetimeSeconds: Int64

    init(_ configuration: TicketServer.Configuration) {
        key = Array(configuration.tokenKey.utf8)
        lifetimeSeconds = max(1, configuration.tokenLifetime.components.seconds)
    }

    struct Claims: Encodable {
        var sub: String
        var pool: String
        var iat: Int64
        var exp: Int64
    }

    /// A token for `user` in `pool` issued at `moment` (the consume time; now when absent).
    func sign(user: String, pool: PoolID, at moment: Timestamp?) -> (text: String, expiresAt: Timestamp) {
        let iat = (moment ?? SystemClock().now()).millisecondsSince1970 / 1000
        let claims = Claims(sub: user, pool: pool.rawValue, iat: iat, exp: iat + lifetimeSeconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding four plain fields cannot fail; an empty payload would only make an invalid token.
        let payload = (try? encoder.encode(claims)) ?? Data()
        let signingInput = Self.header + "." + base64URL(payload)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: key))
        return (signingInput + "." + base64URL(Data(mac)), Timestamp(millisecondsSince1970: claims.exp * 1000))
    }

    /// `{"alg":"HS256","typ":"JWT"}`, base64url-encoded.
    static let header = base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
}

/// Unpadded base64url (RFC 4648 §5), as JWS uses.
func base64URL(_ data: Data) -> String {
    var text = data.base64EncodedString()
    text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    while text.hasSuffix("=") { text.removeLast() }
    return text
}
