import Foundation
import Synchronization
import Testing
@testable import TicketLedger

/// Shared between the test and its writer thread.
final class WriterProgress: Sendable {
    let stop = Atomic<Bool>(false)
    let written = Atomic<Int>(0)
}

@Suite("Backup", .enabled(if: FileManager.default.isExecutableFile(atPath: CLI.executable.path),
                          "build the CLI first: swift build --build-tests"))
struct BackupTests {
    @Test("backups taken while writes go on (CLI and library) audit clean and are a prefix of the live log")
    func whileWriting() throws {
        let store = try TempStore(durability: .durable)
        store.clock.set(SystemClock().now())
        let pool = PoolID.test("bk")
        let issued = try store.ledger.seed(pool: pool, tickets: 400, users: 30, policy: PoolPolicy(ticketLifetime: .seconds(86_400)))
        let ledger = store.ledger

        // A writer redeems and issues until told to stop.
        let progress = WriterProgress()
        let done = DispatchSemaphore(value: 0)
        let texts = issued.map(\.ticket.text)
        Thread.detachNewThread {
            defer { done.signal() }
            for text in texts where !progress.stop.load(ordering: .relaxed) {
                _ = try? ledger.redeem(ticket: text, pool: pool, secret: secret)
                _ = try? ledger.issueTicket(IssueRequest(pool: pool, user: .test("late"), ip: "10.1.1.1"))
                progress.written.add(1, ordering: .relaxed)
            }
        }
        while progress.written.load(ordering: .relaxed) < 20 { usleep(1_000) }
        let cliCopy = store.root + "/copy-cli", libCopy = store.root + "/copy-lib"
        let cli = try Child.run(["backup", store.path, cliCopy, "--json"], timeout: 120)
        let report = try ledger.backup(to: libCopy)
        let writtenDuringBackups = progress.written.load(ordering: .relaxed)
        progress.stop.store(true, ordering: .relaxed)
        done.wait()
        try #require(cli.status == 0, "\(cli)")
        #expect(writtenDuringBackups >= 20, "the writer ran while the backups were taken")

        let cliHead = try #require(
            (try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any])?["head"] as? String)
        for (copy, head) in [(cliCopy, cliHead), (libCopy, report.head.description)] {
            // The copy audits clean on its own …
            let audit = try Child.run(["audit", copy], timeout: 120)
            #expect(audit.status == 0, "audit of \(copy): \(audit.stdout.prefix(1000)) \(audit)")
            // … and its head is a point of the live log's chain: the copy is a prefix of it.
            let live = try Child.run(["audit", store.path, "--expect-digest", head], timeout: 120)
            #expect(live.status == 0, "the live log at the copy's head \(head): \(live.stdout.prefix(1000)) \(live)")
        }
        #expect(report.head.sequence > 400)
        #expect(report.bytes > 0)
    }

    @Test("a backup refuses a destination that is not an empty directory, and leaves it alone")
    func refusals() throws {
        let store = try TempStore()
        _ = try store.ledger.seed(pool: .test("bk"), tickets: 3)
        let full = store.root + "/full"
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        try "keep me".write(toFile: full + "/note.txt", atomically: true, encoding: .utf8)
        let file = store.root + "/file"
        try "a file".write(toFile: file, atomically: true, encoding: .utf8)

        #expect(throws: LedgerError.self) { try store.ledger.backup(to: full) }
        #expect(throws: LedgerError.self) { try store.ledger.backup(to: file) }
        // Below a file is refused; missing parents are made (as `mkdir -p`).
        #expect(throws: LedgerError.self) { try store.ledger.backup(to: file + "/below") }
        let nested = try store.ledger.backup(to: store.root + "/missing/parent")
        #expect(nested.head.sequence == 4)
        store.ledger.close()
        for destination in [full, file, store.path] {
            let r = try Child.run(["backup", store.path, destination], timeout: 60)
            #expect(r.status == 2 && !r.stderr.isEmpty, "\(destination): \(r)")
        }
        #expect(try String(contentsOfFile: full + "/note.txt", encoding: .utf8) == "keep me")
        #expect(try FileManager.default.contentsOfDirectory(atPath: full) == ["note.txt"])

        // An empty directory is fine; the copy opens as a store.
        let empty = store.root + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let r = try Child.run(["backup", store.path, empty], timeout: 60)
        #expect(r.status == 0, "\(r)")
        let copy = try Ledger.open(at: empty)
        #expect(try copy.head().sequence == 4)
        copy.close()
    }
}
