import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
@testable import TicketLedger

/// Two `ticket-ledger serve` processes — two hosts — on one PostgreSQL database, one killed
/// (SIGKILL) in the middle of a load that sends every ticket to both: the other keeps serving,
/// every exchange answered 200 is consumed in the database, no ticket is paid out twice, and
/// the audit is clean.
@Suite("A host killed under load, on PostgreSQL")
struct HostKillTests {
    static let environment = ProcessInfo.processInfo.environment
    static let tickets = 400

    /// A count shared by tasks.
    final class Counter: Sendable {
        private let value = Mutex(0)
        /// Adds one; returns the new count.
        func next() -> Int { value.withLock { $0 += 1; return $0 } }
        /// The count.
        var count: Int { value.withLock { $0 } }
    }

    /// A `serve` child on a free port, its stderr in a file (where it says which port).
    final class ServeProcess {
        let process = Process()
        let errPath = NSTemporaryDirectory() + "ticket-ledger-serve-\(UUID().uuidString).err"
        private(set) var port = 0

        init(store: String) throws {
            let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ticket-ledger")
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
            process.executableURL = executable
            process.arguments = ["serve", store, "--port", "0", "--sweep-interval", "0"]
            process.environment = HostKillTests.environment.merging([
                "TICKET_LEDGER_ISSUE_KEY": issueKey, "TICKET_LEDGER_TOKEN_KEY": tokenKey,
            ]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline && process.isRunning {
                let text = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
                if let line = text.split(separator: "\n").first(where: { $0.contains("serving ") }),
                   let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) {
                    self.port = port
                    return
                }
                usleep(20_000)
            }
            process.terminate()
            throw TestFailure("serve did not start: \((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")")
        }

        func kill(_ signal: Int32) {
            if process.isRunning { _ = Foundation.kill(process.processIdentifier, signal) }
        }

        deinit {
            kill(SIGKILL)
            try? FileManager.default.removeItem(atPath: errPath)
        }
    }

    @Test(
        "two serve processes on one database, one SIGKILLed under load: every 200 is consumed, no ticket paid twice, audit clean",
        .enabled(if: environment["TICKET_LEDGER_TEST_POSTGRES"] != nil || environment["CI"] != nil, "no test PostgreSQL: run scripts/test"))
    func killOneHostUnderLoad() async throws {
        let url = try #require(Self.environment["TICKET_LEDGER_TEST_POSTGRES"], "TICKET_LEDGER_TEST_POSTGRES is not set: run scripts/test")
        let server = try PostgresLocation(url: url, environment: Self.environment)
        let admin = PostgresSession(location: server, logger: Logger(label: "test"))
        defer { admin.close() }
        let name = "tl_kill_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try admin.runSQL("CREATE DATABASE \(name)", "create a test database")
        defer { _ = try? admin.runSQL("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", "drop a test database") }
        var location = server
        location.database = name

        let pool = try PoolID("app1")
        var texts: [String] = []
        do {
            let ledger = try await Ledger.open(.postgres(location), create: true)
            defer { ledger.close() }
            try await ledger.configurePool(pool, policy: PoolPolicy(ticketLifetime: .seconds(3_600)), secret: poolSecret)
            for i in 0..<Self.tickets {
                texts.append(try await ledger.issueTicket(IssueRequest(pool: pool, user: try UserID("u\(i % 40)"))).ticket.text)
            }
        }

        let a = try ServeProcess(store: location.description)
        let b = try ServeProcess(store: location.description)
        var config = HTTPClient.Configuration()
        config.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)

        @Sendable func exchange(_ ticket: String, port: Int) async -> Int {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/oauth/app2wxapp/auth/app1")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"ticket":"\#(ticket)","secret":"\#(poolSecret)"}"#))
            do {
                let response = try await client.execute(request, timeout: .seconds(20))
                _ = try await response.body.collect(upTo: 1 << 20)
                return Int(response.status.code)
            } catch {
                return 0  // no answer: the server was killed, or the connection cut
            }
        }

        // Every ticket to both servers at once, 16 tickets in flight; A is killed a third of the way.
        let (portA, portB, pidA) = (a.port, b.port, a.process.processIdentifier)
        let answered = Counter()
        let killAt = Self.tickets / 3
        let statuses: [[Int]] = await withTaskGroup(of: (Int, [Int]).self) { group in
            var results = Array(repeating: [Int](), count: texts.count)
            var next = 0
            func add() {
                let i = next
                next += 1
                let ticket = texts[i]
                group.addTask {
                    // After the kill, nothing more is sent to A: a client would have taken it
                    // out of its balancer (and this client would retry connecting until its deadline).
                    let sendToA = answered.count < killAt
                    async let viaA = sendToA ? exchange(ticket, port: portA) : -1
                    async let viaB = exchange(ticket, port: portB)
                    let pair = await [viaA, viaB]
                    let done = answered.next()
                    if done == killAt { _ = kill(pidA, SIGKILL) }
                    return (i, pair)
                }
            }
            while next < min(16, texts.count) { add() }
            while let (i, pair) = await group.next() {
                results[i] = pair
                if next < texts.count { add() }
            }
            return results
        }
        try await client.shutdown()
        b.kill(SIGTERM)

        // B answered every ticket after the kill, A stopped answering.
        let answeredByB = statuses.filter { $0[1] != 0 }.count
        #expect(answeredByB == texts.count, "B left \(texts.count - answeredByB) exchanges unanswered")
        #expect(statuses.filter { $0[0] == -1 }.count >= Self.tickets / 2, "A was killed too late")
        let ledger = try await Ledger.open(.postgres(location))
        defer { ledger.close() }
        var acknowledged = 0
        for (i, pair) in statuses.enumerated() {
            let wins = pair.filter { $0 == 200 }.count
            #expect(wins <= 1, "ticket \(i) was paid out \(wins) times: \(pair)")
            #expect([-1, 0, 200, 410].contains(pair[0]) && [200, 410].contains(pair[1]), "ticket \(i): \(pair)")
            let locator = try #require(try ledger.locator(ofTicket: texts[i]))
            let state = try await ledger.ticketState(locator)
            if wins == 1 {
                acknowledged += 1
                #expect(state?.status == .consumed, "ticket \(i) was answered 200 but is \(String(describing: state?.status))")
            }
        }
        #expect(acknowledged >= texts.count - 16, "only \(acknowledged) of \(texts.count) tickets were exchanged")
        let audit = try await ledger.audit()
        #expect(audit.ok, "\(audit.findings)")
    }
}
