import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing
@testable import TicketLedger
import TicketLedgerHTTP

let issueKey = "issue-key-for-tests-0123456789"
let tokenKey = "token-key-for-tests-0123456789-0123456789"
let introspectKey = "introspect-key-for-tests-0123456789"
let adminKey = "admin-key-for-tests-0123456789"
let poolSecret = "pool-secret"

/// A live server on an ephemeral loopback port around a fresh store, and a real HTTP client.
struct LiveServer: Sendable {
    let ledger: Ledger
    let clock: ManualClock
    let client: HTTPClient
    let port: Int

    /// The moment every test clock starts at: 2026-11-22T00:00:00Z.
    static let epoch = Timestamp(millisecondsSince1970: 1_795_305_600_000)

    /// Runs `body` against a server on a fresh store with pool `app1` (secret required unless
    /// `secretRequired` is false), then shuts the server down gracefully and removes the store.
    /// The store is of `kind` (a fresh directory, or a fresh database on the test PostgreSQL),
    /// unless `store` names one.
    static func with(
        secretRequired: Bool = true, maxBodySize: Int = 4096, sweepInterval: Duration? = nil,
        sweepGrace: Duration = Ledger.ticketGracePeriod, maxConnections: Int = 4096, metricsKey: String? = nil,
        store: StoreLocation? = nil, kind: StoreKind = .lmdb,
        _ body: @Sendable (LiveServer) async throws -> Void
    ) async throws {
        let root = NSTemporaryDirectory() + "ticket-ledger-http-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let database = store == nil && kind == .postgres ? try FreshDatabase() : nil
        defer { withExtendedLifetime(database) {} }  // dropped only after the ledger closes
        let store = store ?? database.map { .postgres($0.location) }
        let clock = ManualClock(epoch)
        let ledger = try await Ledger.open(store ?? .directory(root + "/store"), create: true, options: .init(durability: .none), clock: clock)
        defer { ledger.close() }
        try await ledger.configurePool(
            try PoolID("app1"), policy: PoolPolicy(secretRequired: secretRequired), secret: secretRequired ? poolSecret : nil)

        let server = try TicketServer(
            ledger: ledger,
            configuration: .init(
                host: "127.0.0.1", port: 0, issueKey: issueKey, tokenKey: tokenKey, maxBodySize: maxBodySize,
                sweepInterval: sweepInterval, sweepGrace: sweepGrace, maxConnections: maxConnections, metricsKey: metricsKey,
                introspectKey: introspectKey, adminKey: adminKey),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let app = server.makeApplication { port in portSink.yield(port) }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: app)]
        if sweepInterval != nil { services.append(.init(service: server.makeSweeper(), successTerminationBehavior: .ignore)) }
        let group = ServiceGroup(configuration: .init(services: services, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))

        var config = HTTPClient.Configuration()
        config.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw TestFailure("the server did not start") }
            do {
                try await body(LiveServer(ledger: ledger, clock: clock, client: client, port: port))
            } catch {
                try await client.shutdown()
                await group.triggerGracefulShutdown()
                throw error
            }
            try await client.shutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// A response's status and body.
    struct Reply: Sendable {
        let status: Int
        let body: String
        let contentType: String?

        /// The body as a JSON object (empty when it is not one).
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    /// Sends one request on the loopback port.
    func send(
        _ method: HTTPMethod, _ path: String, body: String? = nil, headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), body: String(buffer: bytes), contentType: response.headers.first(name: "Content-Type"))
    }

    /// Issues a ticket to `user` through `POST /tickets`.
    func issue(user: String = "u1") async throws -> String {
        let reply = try await send(
            .POST, "/tickets",
            body: #"{"pool":"app1","user":"\#(user)","ip":"192.168.0.106","getPhone":true,"profile":{"nickname":"Ann","phone":"17612346754"}}"#,
            headers: [("Authorization", "Bearer \(issueKey)")])
        guard reply.status == 200, let ticket = reply.json["ticket"] as? String else {
            throw TestFailure("issuing failed: \(reply.status) \(reply.body)")
        }
        return ticket
    }

    /// Exchanges `ticket` with the JSON body `{"secret": …, "ticket": …}`.
    func exchange(_ ticket: String, secret: String? = poolSecret, pool: String = "app1") async throws -> Reply {
        var fields = [#""ticket":"\#(ticket)""#]
        if let secret { fields.append(#""secret":"\#(secret)""#) }
        return try await send(.POST, "/oauth/app2wxapp/auth/\(pool)", body: "{" + fields.joined(separator: ",") + "}")
    }
}

/// The stores the HTTP conformance tests run on: LMDB always, PostgreSQL with the test server
/// (`scripts/test` starts one; under CI its absence fails the PostgreSQL cases).
enum StoreKind: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case lmdb, postgres

    static var all: [StoreKind] {
        let environment = ProcessInfo.processInfo.environment
        return environment["TICKET_LEDGER_TEST_POSTGRES"] != nil || environment["CI"] != nil ? [.lmdb, .postgres] : [.lmdb]
    }

    var testDescription: String { rawValue }
}

/// A fresh database on the test PostgreSQL server, dropped when the value goes away.
final class FreshDatabase: Sendable {
    let location: PostgresLocation
    private let admin: PostgresSession
    private let name: String

    init() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["TICKET_LEDGER_TEST_POSTGRES"] else {
            throw TestFailure("TICKET_LEDGER_TEST_POSTGRES is not set: run the tests with scripts/test")
        }
        let server = try PostgresLocation(url: url, environment: environment)
        admin = PostgresSession(location: server, logger: Logger(label: "test-admin"))
        name = "tl_http_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try admin.runSQL("CREATE DATABASE \(name)", "create a test database")
        var location = server
        location.database = name
        self.location = location
    }

    deinit {
        _ = try? admin.runSQL("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", "drop a test database")
        admin.close()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
