import Foundation
import Testing
@testable import TicketLedger

/// `redeem --tickets-from`: read as a stream, line by line, from files, FIFOs and standard
/// input, with the file's own line numbers and a limit on a line's length.
@Suite("redeem --tickets-from", .enabled(if: FileManager.default.isExecutableFile(atPath: CLI.executable.path),
                                         "build the CLI first: swift build --build-tests"))
struct TicketsFromTests {
    /// A closed store with pool `p1` and `count` live tickets.
    static func store(tickets count: Int) throws -> (TempStore, [String]) {
        let store = try TempStore(durability: .durable)
        store.clock.set(SystemClock().now())
        let issued = try store.ledger.seed(pool: .test("p1"), tickets: count, policy: PoolPolicy(ticketLifetime: .seconds(86_400)))
        store.ledger.close()
        return (store, issued.map(\.ticket.text))
    }

    /// The `line` field of each JSON line printed, and whether it was redeemed.
    static func lines(_ stdout: String) -> [(line: Int, redeemed: Bool)] {
        stdout.split(separator: "\n").compactMap { text in
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let line = object["line"] as? Int else { return nil }
            return (line, object["user"] != nil)
        }
    }

    @Test("blank lines (and CRLF ends) keep the file's line numbers; a line over the length limit is refused alone")
    func trueLineNumbers() throws {
        let (store, tickets) = try Self.store(tickets: 3)
        let file = store.root + "/tickets.txt"
        let long = String(repeating: "x", count: 1 << 20)
        try "\(tickets[0])\n\n\r\n\(tickets[1])\r\n\(long)\n   \n\(tickets[2])".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Child.run(["redeem", store.path, "--pool", "p1", "--tickets-from", file], environment: ["TICKET_LEDGER_SECRET": secret])
        #expect(result.status == 1, "\(result)")  // the long line is refused
        let lines = Self.lines(result.stdout)
        #expect(lines.map(\.line) == [1, 4, 5, 7], "\(result.stdout.prefix(600))")
        #expect(lines.map(\.redeemed) == [true, true, false, true])
    }

    @Test("a FIFO is read like a file")
    func fifo() throws {
        let (store, tickets) = try Self.store(tickets: 2)
        let fifo = store.root + "/tickets.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Thread {
            guard let handle = FileHandle(forWritingAtPath: fifo) else { return }  // blocks until the CLI opens it
            handle.write(Data((tickets.joined(separator: "\n") + "\n").utf8))
            try? handle.close()
        }
        writer.start()
        let result = try Child.run(["redeem", store.path, "--pool", "p1", "--tickets-from", fifo],
                                   timeout: 30, environment: ["TICKET_LEDGER_SECRET": secret])
        #expect(result.status == 0, "\(result)")
        #expect(Self.lines(result.stdout).map(\.line) == [1, 2], "\(result)")
    }

    @Test("standard input is streamed: a line is answered before the input ends")
    func stdinStreams() throws {
        let (store, tickets) = try Self.store(tickets: 2)
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["redeem", store.path, "--pool", "p1", "--tickets-from", "-"]
        process.environment = ProcessInfo.processInfo.environment.merging(["TICKET_LEDGER_SECRET": secret]) { $1 }
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            try? input.fileHandleForWriting.close()
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        input.fileHandleForWriting.write(Data((tickets[0] + "\n").utf8))
        // The first answer must come while standard input is still open.
        let answered = DispatchSemaphore(value: 0)
        let first = LockedText()
        Thread {
            var bytes = Data()
            while !bytes.contains(UInt8(ascii: "\n")) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                bytes.append(chunk)
            }
            first.set(String(decoding: bytes, as: UTF8.self))
            answered.signal()
        }.start()
        let inTime = answered.wait(timeout: .now() + 20) == .success
        #expect(inTime, "no answer while standard input stayed open: the whole input is read first")
        #expect(first.get().contains(#""line":1"#), "\(first.get())")
        input.fileHandleForWriting.write(Data((tickets[1] + "\n").utf8))
        try input.fileHandleForWriting.close()
    }

    @Test("SIGINT while it waits for standard input ends it at once: exit 130, the answers given are kept")
    func interruptedWhileWaiting() throws {
        let (store, tickets) = try Self.store(tickets: 1)
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["redeem", store.path, "--pool", "p1", "--tickets-from", "-"]
        process.environment = ProcessInfo.processInfo.environment.merging(["TICKET_LEDGER_SECRET": secret]) { $1 }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? input.fileHandleForWriting.close()
        }
        input.fileHandleForWriting.write(Data((tickets[0] + "\n").utf8))
        var answer = Data()
        while !answer.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            answer.append(chunk)
        }
        #expect(String(decoding: answer, as: UTF8.self).contains(#""line":1"#))
        usleep(200_000)  // now blocked reading the next line
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        #expect(!process.isRunning, "still waiting for input after SIGINT")
        if process.isRunning { return }
        #expect(process.terminationStatus == 130)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("interrupted by SIGINT"), "\(stderr)")
        let ledger = try Ledger.open(at: store.path)
        defer { ledger.close() }
        #expect(try ledger.ticketState(try #require(try ledger.locator(ofTicket: tickets[0])))?.status == .consumed)
    }
}

/// Text shared between two threads.
final class LockedText: @unchecked Sendable {
    // @unchecked Sendable: every access holds `lock`.
    private let lock = NSLock()
    private var text = ""
    func set(_ value: String) { lock.withLock { text = value } }
    func get() -> String { lock.withLock { text } }
}
