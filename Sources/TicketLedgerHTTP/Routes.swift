import CoreMetrics
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import TicketLedger

/// The handlers, with what they share. Everything a handler needs is in here, immutable.
struct Routes: Sendable {
    let ledger: Ledger
    let configuration: TicketServer.Configuration
    let signer: TokenSigner
    let metrics: ServerMetrics
    let logger: Logger
    /// SHA-256 of the issue key: what a presented key's digest is compared with.
    private let issueKeyDigest: [UInt8]
    /// SHA-256 of the metrics key, when `GET /metrics` needs one.
    private let metricsKeyDigest: [UInt8]?
    /// SHA-256 of the introspection key (`nil`: `POST /oauth/introspect` answers 401 to everyone).
    let introspectKeyDigest: [UInt8]?
    /// SHA-256 of the admin key (`nil`: `POST /users/forget` answers 401 to everyone).
    let adminKeyDigest: [UInt8]?

    init(ledger: Ledger, configuration: TicketServer.Configuration, signer: TokenSigner, metrics: ServerMetrics, logger: Logger) {
        self.ledger = ledger
        self.configuration = configuration
        self.signer = signer
        self.metrics = metrics
        self.logger = logger
        self.issueKeyDigest = Array(SHA256.hash(data: Array(configuration.issueKey.utf8)))
        self.metricsKeyDigest = configuration.metricsKey.map { Array(SHA256.hash(data: Array($0.utf8))) }
        self.introspectKeyDigest = configuration.introspectKey.map { Array(SHA256.hash(data: Array($0.utf8))) }
        self.adminKeyDigest = configuration.adminKey.map { Array(SHA256.hash(data: Array($0.utf8))) }
    }

    /// Adds the `which` routes to `router` (any request context).
    func register<R: RouterMethods>(on router: R, _ which: Set<TicketRoutes.Route>) {
        if which.contains(.exchange) {
            router.post("/oauth/app2wxapp/auth/:userPoolId") { request, context in
                await exchange(request, pool: context.parameters.get("userPoolId") ?? "")
            }
        }
        if which.contains(.issue) {
            router.post("/tickets") { request, _ in
                await issue(request)
            }
        }
        if which.contains(.introspect) {
            router.post("/oauth/introspect") { request, _ in
                await introspect(request)
            }
        }
        if which.contains(.forget) {
            router.post("/users/forget") { request, _ in
                await forget(request)
            }
        }
        if which.contains(.health) {
            router.get("/healthz") { _, _ in
                await health()
            }
        }
        if which.contains(.metrics) {
            router.get("/metrics") { request, _ in
                if let metricsKeyDigest, !authorized(request, digest: metricsKeyDigest) {
                    return failure(APIFailure(
                        status: .unauthorized, code: "unauthorized", message: "the metrics need the metrics key as 'Authorization: Bearer …'"))
                }
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
                return Response(
                    status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
            }
        }
        if which.contains(.openAPI) {
            router.get("/openapi.yaml") { _, _ in
                form(.ok, OpenAPIDocument.yaml, contentType: "application/yaml")
            }
        }
    }

    // MARK: - POST /oauth/app2wxapp/auth/:userPoolId

    /// The exchange's JSON body. `tickett` is how one published form of the product's docs spells it.
    struct ExchangeBody: Decodable {
        var secret: String?
        var ticket: String?
        var tickett: String?
    }

    func exchange(_ request: Request, pool poolText: String) async -> Response {
        let started = ContinuousClock.now
        let response: Response
        do {
            guard let pool = try? PoolID(poolText) else {
                throw APIFailure.malformed("the user pool id in the path is not valid")
            }
            let body = try await collectBody(request)
            let fields: ExchangeBody = try decodeJSON(body, empty: ExchangeBody())
            try refuseDuplicates(of: ["ticket", "tickett", "secret"], in: body)
            let ticket = nonEmpty(fields.ticket) ?? nonEmpty(fields.tickett)
                ?? request.uri.queryParameters["ticket"].map(String.init).flatMap(nonEmpty)
            guard let ticket else {
                throw APIFailure.malformed("no ticket: send it as the body field 'ticket' (or 'tickett') or the query parameter 'ticket'")
            }
            let secret = fields.secret
            let retryKey = try idempotencyKey(of: request)
            // The async API suspends until the group commit holding this redemption is durable.
            let outcome = try await ledger.redeem(ticket: ticket, pool: pool, secret: secret, idempotencyKey: retryKey)
            switch outcome {
            case .redeemed(let document):
                metrics.exchanged(.redeemed)
                let token = signer.sign(
                    user: document.id, unionid: document.unionid, pool: pool, at: document.lastLogin, jti: ledger.tokenID(forTicket: ticket))
                let success = ExchangeSuccess(document: document, token: token.text, tokenExpiredAt: token.expiresAt.iso8601)
                response = jsonBytes(.ok, success.json())
            case .rejected(let rejection):
                metrics.exchanged(.rejected(rejection.reason))
                response = failure(APIFailure(rejection))
            }
        } catch {
            metrics.exchanged(.failed)
            response = failure(error)
        }
        metrics.exchangeDuration.recordInterval(since: started)
        return response
    }

    /// The exchange's answer: the user document with the token the embedding server adds.
    struct ExchangeSuccess: Encodable {
        var document: UserDocument
        var token: String
        var tokenExpiredAt: String

        enum CodingKeys: String, CodingKey { case token, tokenExpiredAt }

        func encode(to encoder: any Encoder) throws {
            try document.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(token, forKey: .token)
            try c.encode(tokenExpiredAt, forKey: .tokenExpiredAt)
        }

        /// The same object as `encode(to:)` gives `JSONEncoder`, written directly: on the
        /// exchange's hot path `JSONEncoder` was a tenth of the server's CPU (perf,
        /// `Benchmarks/http`). A test holds the two to the same result.
        func json() -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(640)
            var first = true
            func key(_ name: String) {
                out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
                first = false
                appendJSONString(name, to: &out)
                out.append(UInt8(ascii: ":"))
            }
            func text(_ name: String, _ value: String?) {
                key(name)
                if let value { appendJSONString(value, to: &out) } else { out.append(contentsOf: "null".utf8) }
            }
            func flag(_ name: String, _ value: Bool) {
                key(name)
                out.append(contentsOf: (value ? "true" : "false").utf8)
            }
            let d = document
            text("_id", d.id)
            text("username", d.username)
            text("nickname", d.nickname)
            text("company", d.company)
            text("photo", d.photo)
            flag("emailVerified", d.emailVerified)
            text("phone", d.phone)
            text("openid", d.openid)
            text("unionid", d.unionid)
            text("oauth", d.oauth)
            text("registerMethod", d.registerMethod)
            flag("blocked", d.blocked)
            flag("isDeleted", d.isDeleted)
            text("metadata", d.metadata)
            key("loginsCount")
            out.append(contentsOf: String(d.loginsCount).utf8)
            text("lastLogin", d.lastLogin?.iso8601 ?? "")
            text("lastIP", d.lastIP)
            text("signedUp", d.signedUp.iso8601)
            text("token", token)
            text("tokenExpiredAt", tokenExpiredAt)
            out.append(UInt8(ascii: "}"))
            return out
        }
    }

    // MARK: - POST /tickets

    /// What the mini program's backend sends to issue a ticket.
    struct IssueBody: Decodable {
        struct Profile: Decodable {
            var username, nickname, photo, phone, openid, unionid, oauth, company, metadata: String?
            var emailVerified: Bool?
        }
        var pool: String
        var user: String
        var ip: String?
        var getPhone: Bool?
        var profile: Profile?
    }

    /// `POST /tickets`'s JSON answer.
    struct IssueSuccess: Encodable {
        var code = 200
        var message = "ok"
        var ticket: String
        var issuedAt: String
        var expiresAt: String
    }

    func issue(_ request: Request) async -> Response {
        let replyForm = wantsReplyForm(request)
        do {
            guard authorized(request) else { throw APIFailure.unauthorized }
            let body = try await collectBody(request)
            let fields: IssueBody = try decodeJSON(body, empty: nil)
            try refuseDuplicates(of: ["pool", "user", "ip", "getPhone", "profile"], in: body)
            guard let pool = try? PoolID(fields.pool) else {
                throw APIFailure.malformed("the field 'pool' is not a valid pool id")  // as the exchange's path
            }
            let issueRequest: IssueRequest
            do {
                let p = fields.profile
                issueRequest = IssueRequest(
                    pool: pool, user: try UserID(fields.user),
                    profile: UserProfile(
                        username: p?.username, nickname: p?.nickname, photo: p?.photo, phone: p?.phone,
                        openid: p?.openid, unionid: p?.unionid, oauth: p?.oauth, company: p?.company,
                        metadata: p?.metadata, emailVerified: p?.emailVerified ?? false),
                    ip: fields.ip, getPhone: fields.getPhone ?? false)
            } catch {
                throw APIFailure(error)
            }
            let issued = try await ledger.issueTicket(issueRequest)
            metrics.issued.increment()
            if replyForm {
                return form(.ok, MiniProgramReply(ticket: issued.ticket.text).query)
            }
            return json(.ok, IssueSuccess(
                ticket: issued.ticket.text, issuedAt: issued.issuedAt.iso8601, expiresAt: issued.expiresAt.iso8601))
        } catch {
            metrics.issueFailed.increment()
            guard replyForm else { return self.failure(error) }
            let failure = (error as? APIFailure) ?? APIFailure(error)
            if failure.status == .internalServerError || failure.status == .serviceUnavailable { log(error) }
            var response = form(failure.status, MiniProgramReply.failureQuery(code: Int(failure.status.code), message: failure.message))
            if failure.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        }
    }

    /// Whether the caller asked for the app reply form (`code=200&message=…&ticket=…`):
    /// `?format=query` (or `form`), or an `Accept` of `application/x-www-form-urlencoded`.
    /// The exchange's `Idempotency-Key` header (``RetryKey``), or `nil` when it has none;
    /// `400 malformed` when it is not one value of 1–255 printable ASCII bytes.
    func idempotencyKey(of request: Request) throws(APIFailure) -> String? {
        guard let name = Self.idempotencyKeyHeader else { return nil }
        let values = request.headers[values: name]
        guard let value = values.first else { return nil }
        guard values.count == 1, (try? RetryKey(value)) != nil else {
            throw APIFailure.malformed("the Idempotency-Key header must be one value of 1 to 255 printable ASCII bytes, without spaces")
        }
        return value
    }

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")

    func wantsReplyForm(_ request: Request) -> Bool {
        if let format = request.uri.queryParameters["format"] {
            return format == "query" || format == "form"
        }
        return request.headers[values: .accept].contains { $0.lowercased().contains("application/x-www-form-urlencoded") }
    }

    /// Whether the request presents the issue key as `Authorization: Bearer …`, compared in
    /// constant time (as SHA-256 digests, so the length leaks nothing either).
    func authorized(_ request: Request) -> Bool {
        authorized(request, digest: issueKeyDigest)
    }

    /// Whether the request presents, as `Authorization: Bearer …`, the key whose SHA-256 is `digest`.
    func authorized(_ request: Request, digest keyDigest: [UInt8]) -> Bool {
        guard let header = request.headers[.authorization] else { return false }
        let prefix = "bearer "
        guard header.utf8.count > prefix.utf8.count, header.lowercased().hasPrefix(prefix) else { return false }
        let presented = header.utf8.dropFirst(prefix.utf8.count)
        let digest = Array(SHA256.hash(data: Array(presented)))
        var difference: UInt8 = 0
        for (a, b) in zip(digest, keyDigest) { difference |= a ^ b }
        return difference == 0 && digest.count == keyDigest.count
    }

    // MARK: - GET /healthz

    func health() async -> Response {
        do {
            _ = try await offloaded { () throws(LedgerError) in try ledger.head() }
            return form(.ok, "ok\n", contentType: "text/plain; charset=utf-8")
        } catch {
            log(error)
            return failure(APIFailure(error))
        }
    }

    // MARK: - Shared

    /// Reads the whole body: at most `maxBodySize` bytes (else 413), within `bodyTimeout` (else 408).
    func collectBody(_ request: Request) async throws(APIFailure) -> ByteBuffer {
        let limit = configuration.maxBodySize
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw .tooLarge(limit)
        }
        let timeout = configuration.bodyTimeout
        do {
            return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await request.body.collect(upTo: limit) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let body = first else { throw APIFailure.bodyTimeout }
                return body
            }
        } catch let failure as APIFailure {
            throw failure
        } catch is NIOTooManyBytesError {
            throw .tooLarge(limit)
        } catch {
            throw .malformed("the request body could not be read")
        }
    }

    /// Decodes a JSON object; an empty body is `empty` when given, otherwise malformed.
    func decodeJSON<T: Decodable>(_ body: ByteBuffer, empty: T?) throws(APIFailure) -> T {
        if body.readableBytes == 0, let empty { return empty }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw .malformed("the JSON body lacks the field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .malformed("a field of the JSON body has the wrong type (\(context.codingPath.map(\.stringValue).joined(separator: ".")))")
        } catch {
            throw .malformed("the body is not a JSON object")
        }
    }

    /// Refuses (400 `malformed`) a JSON body whose top level names one of `keys` twice:
    /// parsers disagree on which value wins, so a proxy could read another one than we do.
    func refuseDuplicates(of keys: Set<String>, in body: ByteBuffer) throws(APIFailure) {
        if let key = JSONKeys.duplicate(among: keys, in: body.readableBytesView) {
            throw .malformed("the JSON body names the field '\(key)' more than once")
        }
    }

    func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else {
            return failure(APIFailure(status: .internalServerError, code: "internal", message: "the answer could not be encoded"))
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A response carrying JSON already written.
    func jsonBytes(_ status: HTTPResponse.Status, _ bytes: [UInt8]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func form(_ status: HTTPResponse.Status, _ text: String, contentType: String = "application/x-www-form-urlencoded") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The `{code, message}` JSON answer for any error.
    func failure(_ error: any Error) -> Response {
        let failure = (error as? APIFailure) ?? APIFailure(error)
        if failure.status == .internalServerError || failure.status == .serviceUnavailable { log(error) }
        var response = json(failure.status, ["code": failure.code, "message": failure.message])
        if failure.status == .unauthorized, failure.code == APIFailure.unauthorized.code {
            response.headers[.wwwAuthenticate] = "Bearer"
        }
        if failure.closesConnection { response.headers[.connection] = "close" }
        return response
    }

    /// Logs a store failure. `LedgerError` descriptions name paths and reasons, never tickets or secrets.
    func log(_ error: any Error) {
        logger.warning("request failed", metadata: ["error": "\(error)"])
    }
}

private func nonEmpty(_ text: String?) -> String? {
    guard let text, !text.isEmpty else { return nil }
    return text
}
