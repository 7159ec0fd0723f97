import Foundation
import Testing
@testable import TicketLedger

/// A signal to a CLI command reaches its work (which runs in a child process): the work stops
/// at a batch boundary, says what it did, and the command exits 128 + the signal. A child
/// killed from outside is reported as killed, not as a damaged store.
@Suite("Interrupting the CLI", .enabled(if: FileManager.default.isExecutableFile(atPath: CLI.executable.path),
                                        "build the CLI first: swift build --build-tests"))
struct InterruptionTests {
    /// A closed store with pool `p1` (tickets live a day) and its directory.
    static func store() throws -> TempStore {
        let store = try TempStore(durability: .durable)
        store.clock.set(SystemClock().now())
        try store.ledger.configurePool(.test("p1"), policy: PoolPolicy(ticketLifetime: .seconds(86_400)), secret: secret)
        store.ledger.close()
        return store
    }

    /// The store's head, read by another opener.
    static func head(_ path: String) throws -> UInt64 {
        let reader = try LedgerReader.open(at: path)
        defer { reader.close() }
        return try reader.head().sequence
    }

    /// The process ids whose parent is `parent` (from `/proc`).
    static func children(of parent: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == parent
        }
    }

    /// Starts `issue --count 10000000` and waits until it has issued some tickets.
    static func startIssuing(_ store: TempStore) throws -> Child {
        let child = try Child(["issue", store.path, "--pool", "p1", "--user", "u1", "--ip", "10.0.0.1", "--count", "10000000"])
        let deadline = Date().addingTimeInterval(30)
        while try head(store.path) < 100, Date() < deadline { usleep(20_000) }
        return child
    }

    @Test("SIGINT or SIGTERM to `issue --count` stops the writes at a batch boundary, reports them, and exits 130 or 143",
          arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func signalStopsTheWork(signal: Int32, expectedStatus: Int32) throws {
        let store = try Self.store()
        let child = try Self.startIssuing(store)
        kill(child.process.processIdentifier, signal)
        let result = child.wait(timeout: 30)
        #expect(!result.timedOut && !result.signaled, "\(result)")
        #expect(result.status == expectedStatus, "\(result)")
        #expect(result.stderr.contains("interrupted"), "\(result)")
        // Nothing goes on writing once the command has returned.
        let head = try Self.head(store.path)
        usleep(700_000)
        #expect(try Self.head(store.path) == head, "the store still grows after the command returned")
        // Every ticket issued was printed, and the report says how many.
        let printed = result.stdout.split(separator: "\n").count
        #expect(UInt64(printed) == head - 1, "printed \(printed), the log holds \(head - 1) issues")
        #expect(result.stderr.contains("\(printed) tickets"), "\(result)")
    }

    @Test("a child killed by SIGKILL is reported as killed, not as a damaged store; the store audits clean")
    func killedChildIsNotDamage() throws {
        let store = try Self.store()
        let child = try Self.startIssuing(store)
        let workers = Self.children(of: child.process.processIdentifier)
        #expect(workers.count == 1)
        for worker in workers { kill(worker, SIGKILL) }
        let result = child.wait(timeout: 30)
        #expect(!result.timedOut && !result.signaled, "\(result)")
        #expect(result.status == 128 + SIGKILL, "\(result)")
        #expect(!result.stderr.contains("damaged"), "\(result)")
        #expect(result.stderr.contains("SIGKILL"), "\(result)")
        let audit = try Child.run(["audit", store.path])
        #expect(audit.status == 0, "\(audit)")
    }
}
