import Crypto
import Foundation
import TicketLedger

/// Signs the exchange's tokens: compact JWS, HS256 (HMAC-SHA256 with the server's key), a
/// `kid` header naming the key, claims `sub` (the user id), `pool`, `iat` and `exp` (seconds
/// since 1970), `jti` (the consume's token id, `Ledger.tokenID(forTicket:)`) when given, and
/// the product's own claim `data: {id, unionid, clientId}` (`clientId` is the pool), so a
/// backend written for the product's token reads ours.
struct TokenSigner: Sendable {
    /// The HMAC key's bytes (`SymmetricKey` is not `Sendable` in this swift-crypto).
    let key: [UInt8]
    let lifetimeSeconds: Int64
    /// The protected header, base64url-encoded.
    let header: [UInt8]
    /// The keys tokens are verified with, by the header that names each: the signing key's,
    /// then the previous keys' (``TicketServer/Configuration/previousTokenKeys``).
    let verifiers: [(header: [UInt8], key: [UInt8])]

    init(_ configuration: TicketServer.Configuration) {
        key = Array(configuration.tokenKey.utf8)
        lifetimeSeconds = max(1, configuration.tokenLifetime.components.seconds)
        header = Self.header(keyID: configuration.effectiveTokenKeyID)
        verifiers = [(header, key)] + configuration.previousTokenKeys.map { old in
            (Self.header(keyID: Self.keyID(for: old)), Array(old.utf8))
        }
    }

    /// The default key id: the first 8 bytes of SHA-256 of the key, in hexadecimal. It names
    /// the key without revealing it (a 64-bit prefix of the hash of a key of 32 bytes or more).
    static func keyID(for key: String) -> String {
        SHA256.hash(data: Array(key.utf8)).prefix(8).map { byte in
            String(decoding: [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]], as: UTF8.self)
        }.joined()
    }

    /// A token for `user` in `pool` issued at `moment` (the consume time; now when absent).
    ///
    /// Written by hand, not with `JSONEncoder` and Foundation's string replacing: on the
    /// exchange's hot path those were an eighth of the server's CPU (perf, `Benchmarks/http`).
    func sign(
        user: String, unionid: String, pool: PoolID, at moment: Timestamp?, jti: String? = nil
    ) -> (text: String, expiresAt: Timestamp) {
        let iat = (moment ?? SystemClock().now()).millisecondsSince1970 / 1000
        let exp = iat + lifetimeSeconds
        let payload = Self.claimsJSON(sub: user, unionid: unionid, pool: pool.rawValue, iat: iat, exp: exp, jti: jti)
        var signingInput = header
        signingInput.append(UInt8(ascii: "."))
        signingInput.append(contentsOf: base64URL(payload))
        let mac = HMAC<SHA256>.authenticationCode(for: signingInput, using: SymmetricKey(data: key))
        var token = signingInput
        token.append(UInt8(ascii: "."))
        token.append(contentsOf: base64URL(Array(mac)))
        return (String(decoding: token, as: UTF8.self), Timestamp(millisecondsSince1970: exp * 1000))
    }

    /// The claims object with its keys sorted:
    /// `{"data":{"id":"…","unionid":"…","clientId":"…"},"exp":…,"iat":…,"jti":"…","pool":"…","sub":"…"}`.
    static func claimsJSON(sub: String, unionid: String, pool: String, iat: Int64, exp: Int64, jti: String? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + 2 * sub.utf8.count + unionid.utf8.count + 2 * pool.utf8.count)
        out.append(contentsOf: #"{"data":{"id":"#.utf8)
        appendJSONString(sub, to: &out)
        out.append(contentsOf: #","unionid":"#.utf8)
        appendJSONString(unionid, to: &out)
        out.append(contentsOf: #","clientId":"#.utf8)
        appendJSONString(pool, to: &out)
        out.append(contentsOf: #"},"exp":"#.utf8)
        out.append(contentsOf: String(exp).utf8)
        out.append(contentsOf: #","iat":"#.utf8)
        out.append(contentsOf: String(iat).utf8)
        if let jti {
            out.append(contentsOf: #","jti":"#.utf8)
            appendJSONString(jti, to: &out)
        }
        out.append(contentsOf: #","pool":"#.utf8)
        appendJSONString(pool, to: &out)
        out.append(contentsOf: #","sub":"#.utf8)
        appendJSONString(sub, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The claims of `token` when it is a compact JWS this signer made, now or with a previous
    /// key (its header names one of ``verifiers``, its HMAC by that key right, compared in constant time as SHA-256 digests); `nil` for anything else.
    /// Whether it has expired or was revoked is the caller's to check.
    func verify(_ token: String) -> TokenClaims? {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard token.utf8.count <= 4096, parts.count == 3,
              let key = verifiers.first(where: { $0.header.elementsEqual(parts[0]) })?.key
        else { return nil }
        let signingInput = Array(token.utf8.prefix(parts[0].count + 1 + parts[1].count))
        let mac = base64URL(Array(HMAC<SHA256>.authenticationCode(for: signingInput, using: SymmetricKey(data: key))))
        guard Array(SHA256.hash(data: mac)) == Array(SHA256.hash(data: Array(parts[2]))) else { return nil }
        var text = String(decoding: parts[1], as: UTF8.self).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.utf8.count % 4 != 0 { text += "=" }
        guard let payload = Data(base64Encoded: text),
              let claims = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
              let sub = claims["sub"] as? String, let pool = claims["pool"] as? String,
              let iat = (claims["iat"] as? NSNumber)?.int64Value, let exp = (claims["exp"] as? NSNumber)?.int64Value
        else { return nil }
        return TokenClaims(sub: sub, pool: pool, iat: iat, exp: exp, jti: claims["jti"] as? String)
    }

    /// `{"alg":"HS256","kid":"…","typ":"JWT"}`, base64url-encoded.
    static func header(keyID: String) -> [UInt8] {
        var json = Array(#"{"alg":"HS256","kid":"#.utf8)
        appendJSONString(keyID, to: &json)
        json.append(contentsOf: #","typ":"JWT"}"#.utf8)
        return base64URL(json)
    }
}

/// Appends `text` as a JSON string (RFC 8259 §7): quotes, backslashes and control characters
/// escaped, everything else as its UTF-8 bytes.
func appendJSONString(_ text: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
        out.append(contentsOf: text.utf8)  // nothing to escape: the common case, copied at once
        out.append(UInt8(ascii: "\""))
        return
    }
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), byte])
        case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0..<0x20: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
        default: out.append(byte)
        }
    }
    out.append(UInt8(ascii: "\""))
}

private let hexDigits = Array("0123456789abcdef".utf8)

/// What a token this server signed says (``TokenSigner/verify(_:)``).
struct TokenClaims: Sendable, Hashable {
    var sub: String
    var pool: String
    /// Seconds since 1970.
    var iat: Int64
    var exp: Int64
    /// The consume's token id; `nil` in tokens signed before it was added.
    var jti: String?
}
