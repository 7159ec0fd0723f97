import Foundation
import LMDB
import Testing
@testable import TicketLedger

/// The `ticket-ledger` binary end to end: audit, digest, export, inspect, rebuild.
@Suite("CLI end to end")
struct AuditCLITests {
    /// The built executable: beside the test bundle, or in the package's scratch directories.
    static var binary: String? {
        var candidates: [String] = []
        if let first = CommandLine.arguments.first {
            var dir = URL(fileURLWithPath: first).deletingLastPathComponent()
            for _ in 0..<3 {
                candidates.append(dir.appendingPathComponent("ticket-ledger").path)
                dir.deleteLastPathComponent()
            }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates += [".build-audit/debug/ticket-ledger", ".build/debug/ticket-ledger"].map { root.appendingPathComponent($0).path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Run {
        var status: Int32
        var out: String
        var err: String
        var lines: [String] { out.split(separator: "\n").map(String.init) }
    }

    static func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(binary, "build ticket-ledger first"))
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "ticket-ledger \(arguments.joined(separator: " ")) died of a signal")
        return Run(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("audit, digest, export, inspect and rebuild on a real store; tampering exits 1; no store exits 2")
    func endToEnd() throws {
        let store = try AuditTests.populated()
        let ticket = try store.live.head()  // 6 tickets at 2…7
        _ = ticket
        let issuedText = try store.live.issueTicket(IssueRequest(pool: AuditTests.pool, user: .test("u9"), ip: "192.168.0.106")).ticket.text
        let head = try store.live.head()
        store.close()

        let audit = try Self.run(["audit", store.path, "--json"])
        #expect(audit.status == 0, "\(audit.out) \(audit.err)")
        let report = try Self.json(audit.out)
        #expect(report["ok"] as? Bool == true)
        #expect(report["events"] as? Int == Int(head.sequence))
        #expect(report["head"] as? String == head.description)
        #expect((report["findings"] as? [Any])?.isEmpty == true)

        let digest = try Self.run(["digest", store.path])
        #expect(digest.status == 0)
        #expect(digest.lines == [head.description])
        #expect(try Self.run(["audit", store.path, "--expect-digest", head.description]).status == 0)

        let export = try Self.run(["export", store.path, "--from", "2", "--to", "4"])
        #expect(export.status == 0)
        #expect(export.lines.count == 3)
        for line in export.lines {
            let object = try Self.json(line)
            for key in ["seq", "type", "at", "pool", "ticket"] { #expect(object[key] != nil, "\(key) in \(line)") }
            #expect((object["at"] as? String)?.hasSuffix("Z") == true)
        }
        let all = try Self.run(["export", store.path])
        #expect(all.lines.count == Int(head.sequence))
        #expect(!all.out.contains(head.hash.hex.prefix(16)), "no hashes or digests in the export")

        let inspect = try Self.run(["inspect", store.path, "ticket", issuedText, "--json"])
        #expect(inspect.status == 0, "\(inspect.err)")
        #expect(!inspect.out.contains(issuedText), "the ticket text is never printed")
        let state = try #require(try Self.json(inspect.out)["state"] as? [String: Any])
        #expect(state["status"] as? String == "issued")
        let byLocator = try Self.run(["inspect", store.path, "ticket", "0000000000000002"])
        #expect(byLocator.out.contains("consumed"))
        let user = try Self.json(try Self.run(["inspect", store.path, "user", AuditTests.pool.rawValue, "u0", "--json"]).out)
        #expect((user["document"] as? [String: Any])?["loginsCount"] as? Int == 1)
        let stats = try Self.json(try Self.run(["inspect", store.path, "stats", "--json"]).out)
        #expect(stats["events"] as? Int == Int(head.sequence))
        #expect(try Self.run(["inspect", store.path, "nonsense"]).status != 0)

        #expect(try Self.run(["rebuild", store.path]).status == 0)
        #expect(try Self.run(["audit", store.path]).status == 0)

        try store.tamper { txn, layout in
            var bytes = try #require(try txn.value(layout.events, key: UInt64(3).bigEndianBytes))
            bytes[4] ^= 0x40
            try txn.put(layout.events, key: UInt64(3).bigEndianBytes, value: bytes)
        }
        let tampered = try Self.run(["audit", store.path])
        #expect(tampered.status == 1)
        #expect(tampered.out.contains("chain"))
        let tamperedJSON = try Self.json(try Self.run(["audit", store.path, "--json"]).out)
        #expect(tamperedJSON["ok"] as? Bool == false)

        let missing = try Self.run(["audit", store.root + "/nowhere"])
        #expect(missing.status == 2)
        #expect(missing.err.contains("does not exist"))
    }

    @Test("random bytes in data.mdb: exit 0, 1 or 2, never a signal (reads run in a child process)", arguments: Array(11...22) as [UInt64])
    func corruptedFile(seed: UInt64) throws {
        let store = try AuditTests.populated()
        store.close()
        let data = store.path + "/data.mdb"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: data)))
        var rng = SplitMix64(seed: seed)
        let pageSize = 4096
        // Some seeds spare LMDB's two meta pages, some do not; few bytes or many.
        let start = seed % 2 == 0 ? pageSize * 2 : 0
        for _ in 0..<[8, 64, 512][Int(seed % 3)] {
            let i = start + Int(rng.next() % UInt64(bytes.count - start))
            bytes[i] = UInt8(truncatingIfNeeded: rng.next())
        }
        try Data(bytes).write(to: URL(fileURLWithPath: data))
        for command in [["audit", store.path], ["export", store.path], ["inspect", store.path, "stats"], ["digest", store.path], ["inspect", store.path, "user", AuditTests.pool.rawValue, "u1"]] {
            let result = try Self.run(command)
            #expect([0, 1, 2].contains(result.status), "\(command[0]) exited \(result.status): \(result.err)")
        }
    }
}
