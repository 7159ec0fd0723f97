import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TicketLedger

extension Routes {
    /// `POST /oauth/introspect` (RFC 7662), for the resource servers that accept the exchange's
    /// tokens: `Authorization: Bearer <introspection key>`, form body `token=…`. Answers
    /// `{"active": false}` for a token this server did not sign, one that has expired, or one
    /// whose ticket was reused (its tokens revoked: ``Ledger/isRevoked(tokenID:)``); otherwise
    /// `{"active": true, "sub", "pool", "iat", "exp", "jti", "token_type": "Bearer"}`.
    func introspect(_ request: Request) async -> Response {
        guard let introspectKeyDigest, authorized(request, digest: introspectKeyDigest) else {
            return failure(APIFailure(
                status: .unauthorized, code: "unauthorized",
                message: "introspection needs the introspection key as 'Authorization: Bearer …'"))
        }
        do {
            let body = String(buffer: try await collectBody(request))
            guard let token = Self.formField("token", in: body), !token.isEmpty else {
                throw APIFailure.malformed("no token: send it as the form field 'token' (application/x-www-form-urlencoded)")
            }
            guard let claims = signer.verify(token),
                  try ledger.isTokenActive(tokenID: claims.jti, expiresAt: Timestamp(millisecondsSince1970: claims.exp * 1000))
            else {
                return jsonBytes(.ok, Array(#"{"active":false}"#.utf8))
            }
            return json(.ok, ActiveToken(sub: claims.sub, pool: claims.pool, iat: claims.iat, exp: claims.exp, jti: claims.jti))
        } catch LedgerError.invalidArgument {
            return jsonBytes(.ok, Array(#"{"active":false}"#.utf8))  // a token id that is not ours
        } catch {
            return failure(error)
        }
    }

    /// An active token's introspection answer (RFC 7662 §2.2).
    struct ActiveToken: Encodable {
        var active = true
        var sub: String
        var pool: String
        var iat: Int64
        var exp: Int64
        var jti: String?
        var token_type = "Bearer"
    }

    /// The first value of `name` in a form-encoded body (`+` as a space, percent-decoded).
    static func formField(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}
