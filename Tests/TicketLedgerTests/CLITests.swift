import Foundation
import Testing
@testable import TicketLedger

/// Runs the built `ticket-ledger` executable (it sits next to the test bundle).
struct CLI {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ticket-ledger")
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts the CLI with `arguments`; `wait()` on the returned process, then read its pipes.
    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    static func finish(_ started: (Process, Pipe, Pipe)) -> Output {
        let (process, out, err) = started
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func run(_ arguments: String...) throws -> Output {
        try finish(start(arguments))
    }
}

@Suite("CLI", .enabled(if: FileManager.default.isExecutableFile(atPath: CLI.executable.path),
                       "build the CLI first: swift build --build-tests"))
struct CLITests {
    func json(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    @Test("issue → redeem → redeem again (alreadyConsumed) → past the lifetime (expired), with the exit codes")
    func walk() throws {
        let store = try TempStore()
        store.ledger.close()
        let dir = store.path
        var r = try CLI.run("pool", "configure", dir, "--pool", "app1", "--lifetime", "1", "--secret", "s3")
        #expect(r.status == 0, "\(r.stderr)")
        r = try CLI.run("issue", dir, "--pool", "app1", "--user", "u1", "--ip", "192.168.0.106", "--phone", "17612346754", "--get-phone", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let ticket = try #require(try json(r.stdout)["ticket"] as? String)
        #expect(try json(r.stdout)["expiresAt"] is String)

        r = try CLI.run("redeem", dir, "--pool", "app1", "--ticket", ticket, "--secret", "s3")
        #expect(r.status == 0, "\(r.stderr)")
        let user = try json(r.stdout)
        #expect(user["_id"] as? String == "u1")
        #expect(user["loginsCount"] as? Int == 1)
        #expect(user["lastIP"] as? String == "::ffff:192.168.0.106")
        #expect(user["phone"] as? String == "176xxxx6754")

        r = try CLI.run("redeem", dir, "--pool", "app1", "--ticket", ticket, "--secret", "s3")
        #expect(r.status == 1)
        #expect(try json(r.stdout)["reason"] as? String == "alreadyConsumed")
        #expect(try json(r.stdout)["message"] is String)

        r = try CLI.run("issue", dir, "--pool", "app1", "--user", "u1")
        let late = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        Thread.sleep(forTimeInterval: 1.1)
        r = try CLI.run("redeem", dir, "--pool", "app1", "--ticket", late, "--secret", "s3")
        #expect(r.status == 1)
        #expect(try json(r.stdout)["reason"] as? String == "expired")
        r = try CLI.run("expire", dir, "--json")
        #expect(r.status == 0)
        #expect(try json(r.stdout)["expired"] as? Int == 1)

        // Secrets and tickets never reach stderr (the log), whatever happened.
        #expect(!r.stderr.contains("s3") && !r.stderr.contains(ticket))
    }

    @Test("errors exit 2 with a message: a missing store, a store that is not one, usage")
    func errors() throws {
        let root = NSTemporaryDirectory() + "ticket-ledger-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var r = try CLI.run("redeem", root + "/missing", "--pool", "p", "--ticket", "x")
        #expect(r.status == 2)
        #expect(r.stderr.contains("does not exist"))
        r = try CLI.run("issue", root, "--pool", "p", "--user", "u")
        #expect(r.status == 2)
        #expect(r.stderr.contains("not a TicketLedger store"))
        r = try CLI.run("redeem", root)
        #expect(r.status == 2)
        r = try CLI.run("pool", "configure", root + "/s", "--pool", "bad pool!")
        #expect(r.status == 2)
        r = try CLI.run("pool", "configure", root + "/s", "--pool", "p", "--lifetime", "0", "--secret", "x")
        #expect(r.status == 2)
        r = try CLI.run("expire", root + "/s", "--grace=-1")
        #expect(r.status == 2)
        #expect(r.stderr.contains("--grace must be between 0 and 2592000 seconds"))
    }

    @Test("two processes redeeming the same 300 tickets at once: exactly one success per ticket")
    func twoProcesses() throws {
        let store = try TempStore()
        store.clock.set(SystemClock().now())  // the CLI runs on the real clock
        let pool = PoolID.test("pool-x")
        let tickets = try store.ledger.seed(pool: pool, tickets: 300, users: 7).map(\.ticket.text)
        store.ledger.close()
        let file = store.root + "/tickets.txt"
        try tickets.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)

        let args = ["redeem", store.path, "--pool", pool.rawValue, "--tickets-from", file]
        let a = try CLI.start(args, environment: ["TICKET_LEDGER_SECRET": secret])
        let b = try CLI.start(args, environment: ["TICKET_LEDGER_SECRET": secret])
        let outputs = [CLI.finish(a), CLI.finish(b)]
        var wins = [Int](repeating: 0, count: 300)
        var rejected = 0
        for output in outputs {
            #expect(output.stderr.isEmpty, "\(output.stderr)")
            for line in output.stdout.split(separator: "\n") {
                let object = try json(String(line))
                let n = try #require(object["line"] as? Int)
                if object["user"] != nil {
                    wins[n - 1] += 1
                } else {
                    #expect(object["reason"] as? String == "alreadyConsumed")
                    rejected += 1
                }
            }
        }
        #expect(wins.allSatisfy { $0 == 1 }, "every ticket redeemed exactly once across both processes")
        #expect(rejected == 300)

        // The users projection agrees, reopened after both processes wrote to the log.
        let ledger = try Ledger.open(at: store.path)
        defer { ledger.close() }
        let logins = try (0..<7).map { try ledger.userDocument(pool: pool, user: .test("u\($0)"))?.loginsCount ?? 0 }
        #expect(logins.reduce(0, +) == 300)
    }

    @Test("a process sees another process's redemptions while both have the store open")
    func liveCatchUp() throws {
        let store = try TempStore()
        store.clock.set(SystemClock().now())  // the CLI runs on the real clock
        let pool = PoolID.test("pool-y")
        let issued = try store.ledger.seed(pool: pool, tickets: 4, users: 1)
        _ = try store.ledger.redeem(ticket: issued[0].ticket.text, pool: pool, secret: secret)
        #expect(try store.ledger.userDocument(pool: pool, user: .test("u0"))?.loginsCount == 1)

        let r = try CLI.run("redeem", store.path, "--pool", pool.rawValue, "--ticket", issued[1].ticket.text, "--secret", secret)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try json(r.stdout)["loginsCount"] as? Int == 2)

        // This process never wrote event 2's consume, yet reads and decides on it.
        #expect(try store.ledger.userDocument(pool: pool, user: .test("u0"))?.loginsCount == 2)
        #expect(try store.ledger.redeem(ticket: issued[1].ticket.text, pool: pool, secret: secret).rejection?.reason == .alreadyConsumed)
        #expect(try store.ledger.redeem(ticket: issued[2].ticket.text, pool: pool, secret: secret).document?.loginsCount == 3)
    }
}
