import Foundation
import Testing
@testable import TicketLedger

/// `serve` at start: the soft open-file limit raised to the hard one, and a connection cap
/// the limit can hold.
@Suite("serve", .enabled(if: FileManager.default.isExecutableFile(atPath: CLI.executable.path),
                         "build the CLI first: swift build --build-tests"))
struct ServeCommandTests {
    static let keys = ["TICKET_LEDGER_ISSUE_KEY": "issue-key-0123456789", "TICKET_LEDGER_TOKEN_KEY": String(repeating: "t", count: 32)]

    /// The soft and hard "Max open files" of process `pid`.
    static func openFileLimits(_ pid: Int32) -> (soft: String, hard: String)? {
        guard let limits = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8),
              let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return nil }
        let fields = line.dropFirst("Max open files".count).split(separator: " ")
        return fields.count >= 2 ? (String(fields[0]), String(fields[1])) : nil
    }

    @Test("the soft limit on open files is raised to the hard limit")
    func raisesOpenFileLimit() throws {
        let store = try TempStore()
        store.ledger.close()
        let server = try Child(
            ["-c", "ulimit -Sn 256 && exec '\(CLI.executable.path)' serve '\(store.path)' --port 0 --sweep-interval 0 --max-connections 100"],
            executable: URL(fileURLWithPath: "/bin/sh"), environment: Self.keys)
        let pid = server.process.processIdentifier
        let deadline = Date().addingTimeInterval(15)
        // First the shell lowers the soft limit and execs the CLI, then the CLI raises it.
        func execed() -> Bool {
            let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            return String(decoding: cmdline, as: UTF8.self).contains("serve")
        }
        while !execed(), Date() < deadline, server.process.isRunning { usleep(10_000) }
        var limits = Self.openFileLimits(pid)
        while let current = limits, current.soft != current.hard, Date() < deadline, server.process.isRunning {
            usleep(50_000)
            limits = Self.openFileLimits(pid)
        }
        kill(pid, SIGTERM)
        let result = server.wait(timeout: 30)
        #expect(limits != nil && limits?.soft == limits?.hard, "limits \(String(describing: limits)); \(result)")
        #expect(result.stderr.contains("serving 127.0.0.1:"), "\(result)")
    }

    @Test("--max-connections over what the open file limit allows is refused")
    func capOverTheLimit() throws {
        let store = try TempStore()
        store.ledger.close()
        let result = try Child(
            ["-c", "ulimit -n 256 && exec '\(CLI.executable.path)' serve '\(store.path)' --port 0 --max-connections 1000"],
            executable: URL(fileURLWithPath: "/bin/sh"), environment: Self.keys).wait(timeout: 30)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("--max-connections 1000"), "\(result)")
    }
}
