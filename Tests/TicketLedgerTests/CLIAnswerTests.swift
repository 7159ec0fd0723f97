import Foundation
import Testing
@testable import TicketLedger

/// What the commands answer where a newcomer could guess wrong: the README and `--help` say
/// each of these.
@Suite("CLI answers", .enabled(if: FileManager.default.isExecutableFile(atPath: CLI.executable.path),
                               "build the CLI first: swift build --build-tests"))
struct CLIAnswerTests {
    /// A fresh directory, removed when `body` returns.
    func withDirectory(_ body: (String) throws -> Void) throws {
        let root = NSTemporaryDirectory() + "ticket-ledger-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try body(root)
    }

    func object(_ line: some StringProtocol) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("no subcommand is a usage error (exit 2, the help on stderr); --help exits 0")
    func noSubcommand() throws {
        var r = try CLI.run()
        #expect(r.status == 2)
        #expect(r.stderr.contains("SUBCOMMANDS"))
        r = try CLI.run("pool")
        #expect(r.status == 2)
        r = try CLI.run("--help")
        #expect(r.status == 0)
    }

    @Test("pool configure --json has numbers and booleans; reconfiguring without --secret keeps the secret")
    func poolConfigure() throws {
        try withDirectory { root in
            let dir = root + "/store"
            var r = try CLI.run("pool", "configure", dir, "--pool", "app1", "--secret", "s3cret", "--json")
            #expect(r.status == 0, "\(r.stderr)")
            let answer = try object(r.stdout)
            #expect(answer["lifetime"] as? Int == 120)
            #expect(answer["requireSecret"] as? Bool == true)
            #expect(answer["pool"] as? String == "app1")

            r = try CLI.run("pool", "configure", dir, "--pool", "app1", "--lifetime", "300")
            #expect(r.status == 0, "\(r.stderr)")
            // A pool never given a secret still needs one.
            r = try CLI.run("pool", "configure", dir, "--pool", "app2")
            #expect(r.status == 2)

            r = try CLI.run("issue", dir, "--pool", "app1", "--user", "u1", "--json")
            let issued = try object(r.stdout)
            let expiresAt = try #require(issued["expiresAt"] as? String)
            #expect(expiresAt > (issued["issuedAt"] as? String ?? ""))
            let ticket = try #require(issued["ticket"] as? String)
            r = try CLI.run("redeem", dir, "--pool", "app1", "--ticket", ticket)
            #expect(r.status == 1)
            #expect(try object(r.stdout)["reason"] as? String == "secretRequired")
            r = try CLI.run("redeem", dir, "--pool", "app1", "--ticket", ticket, "--secret", "s3cret")
            #expect(r.status == 0, "\(r.stdout)")
        }
    }

    @Test("issue --count N --json prints N JSON lines; export takes --json")
    func jsonLines() throws {
        try withDirectory { root in
            let dir = root + "/store"
            _ = try CLI.run("pool", "configure", dir, "--pool", "app1", "--secret", "s3cret")
            var r = try CLI.run("issue", dir, "--pool", "app1", "--user", "u1", "--count", "3", "--json")
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n")
            #expect(lines.count == 3)
            for line in lines { #expect(try (object(line)["ticket"] as? String)?.hasPrefix("tl2.") == true) }
            r = try CLI.run("export", dir, "--json")
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.split(separator: "\n").count == 4)
        }
    }

    @Test("issue --count N --users K spreads the tickets over K users in turn (the HTTP load test's users)")
    func issueToManyUsers() throws {
        try withDirectory { root in
            let dir = root + "/store"
            _ = try CLI.run("pool", "configure", dir, "--pool", "app1", "--secret", "s")
            let r = try CLI.run("issue", dir, "--pool", "app1", "--user", "u", "--count", "5", "--users", "2")
            #expect(r.status == 0, "\(r.stderr)")
            let tickets = r.stdout.split(separator: "\n").map(String.init)
            #expect(tickets.count == 5)
            for ticket in tickets {
                #expect(try CLI.run("redeem", dir, "--pool", "app1", "--ticket", ticket, "--secret", "s").status == 0)
            }
            #expect(try CLI.run("inspect", dir, "user", "app1", "u-1").status == 0)
            #expect(try CLI.run("inspect", dir, "user", "app1", "u-2").status == 0)
            #expect(try CLI.run("inspect", dir, "user", "app1", "u").status == 1)
            #expect(try CLI.run("inspect", dir, "user", "app1", "u-3").status == 1)
        }
    }

    @Test("expire --json says how many it expired and how many settled tickets it dropped")
    func expireCounts() throws {
        try withDirectory { root in
            let dir = root + "/store"
            _ = try CLI.run("pool", "configure", dir, "--pool", "app1", "--lifetime", "1", "--secret", "s")
            let tickets = try CLI.run("issue", dir, "--pool", "app1", "--user", "u1", "--count", "3").stdout
                .split(separator: "\n").map(String.init)
            #expect(tickets.count == 3)
            for ticket in tickets.prefix(2) {
                #expect(try CLI.run("redeem", dir, "--pool", "app1", "--ticket", ticket, "--secret", "s").status == 0)
            }
            Thread.sleep(forTimeInterval: 1.1)
            let r = try CLI.run("expire", dir, "--grace", "0", "--json")
            #expect(r.status == 0, "\(r.stderr)")
            let answer = try object(r.stdout)
            #expect(answer["expired"] as? Int == 1)
            #expect(answer["purged"] as? Int == 3)
            let text = try CLI.run("expire", dir, "--grace", "0")
            #expect(text.stdout == "expired 0 tickets, dropped 0 settled\n")
        }
    }

    @Test("inspect of a ticket or user the log does not have exits 1")
    func inspectMissing() throws {
        try withDirectory { root in
            let dir = root + "/store"
            _ = try CLI.run("pool", "configure", dir, "--pool", "app1", "--secret", "s")
            _ = try CLI.run("issue", dir, "--pool", "app1", "--user", "u1")
            #expect(try CLI.run("inspect", dir, "ticket", "0000000000000002").status == 0)
            #expect(try CLI.run("inspect", dir, "user", "app1", "u1").status == 0)
            #expect(try CLI.run("inspect", dir, "ticket", "000000000000002a").status == 1)
            #expect(try CLI.run("inspect", dir, "ticket", "000000000000002a", "--json").status == 1)
            #expect(try CLI.run("inspect", dir, "user", "app1", "nobody").status == 1)
            #expect(try CLI.run("inspect", dir, "user", "app1", "nobody", "--json").status == 1)
        }
    }

    @Test("backup makes the destination's missing parents")
    func backupParents() throws {
        try withDirectory { root in
            let dir = root + "/store"
            _ = try CLI.run("pool", "configure", dir, "--pool", "app1", "--secret", "s")
            let r = try CLI.run("backup", dir, root + "/backups/2026/store-1")
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try CLI.run("audit", root + "/backups/2026/store-1").status == 0)
        }
    }

    @Test("generate --events N stops at N events")
    func generateStops() throws {
        try withDirectory { root in
            let dir = root + "/store"
            let r = try CLI.run("generate", dir, "--events", "2000", "--users", "50")
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.hasPrefix("2000:"))
            #expect(try CLI.run("audit", dir).status == 0)
        }
    }
}
