import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TicketLedger

extension Routes {
    /// `POST /users/forget`: forgets a user (``Ledger/forget(pool:user:)``), for the pool's
    /// operator: `Authorization: Bearer <admin key>`, JSON body `{"pool", "user"}`. Answers 200
    /// `{"pool", "user", "sequence", "keyGeneration"}` (`sequence` `null` when the user was
    /// already forgotten), 400 `invalidArgument` for a pool with no such user, 401 without the key.
    func forget(_ request: Request) async -> Response {
        guard let adminKeyDigest, authorized(request, digest: adminKeyDigest) else {
            return failure(APIFailure(
                status: .unauthorized, code: "unauthorized", message: "forgetting a user needs the admin key as 'Authorization: Bearer …'"))
        }
        do {
            let body = try await collectBody(request)
            let fields: ForgetBody
            do {
                fields = try JSONDecoder().decode(ForgetBody.self, from: Data(body.readableBytesView))
            } catch {
                throw APIFailure.malformed("the body must be JSON {\"pool\": …, \"user\": …}")
            }
            let report = try await ledger.forget(pool: try PoolID(fields.pool), user: try UserID(fields.user))
            return json(.ok, ForgetAnswer(
                pool: report.pool.rawValue, user: report.user.rawValue, sequence: report.sequence, keyGeneration: report.keyGeneration))
        } catch {
            return failure(error)
        }
    }

    /// `POST /users/forget`'s body.
    struct ForgetBody: Decodable {
        var pool: String
        var user: String
    }

    /// `POST /users/forget`'s answer (`sequence` is `null` when there was nothing to do).
    struct ForgetAnswer: Encodable {
        var pool: String
        var user: String
        var sequence: UInt64?
        var keyGeneration: UInt32

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(pool, forKey: .pool)
            try c.encode(user, forKey: .user)
            try c.encode(sequence, forKey: .sequence)
            try c.encode(keyGeneration, forKey: .keyGeneration)
        }

        enum CodingKeys: String, CodingKey { case pool, user, sequence, keyGeneration }
    }
}
