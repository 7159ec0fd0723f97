import Foundation
import Testing

/// A child process of the built CLI with a time limit; its output goes to files, so nothing
/// blocks on a full pipe.
struct Child {
    /// How a child ended.
    struct Result: CustomStringConvertible {
        var status: Int32
        /// It died of a signal (`status` is the signal number).
        var signaled: Bool
        /// It ran past its time limit and was killed.
        var timedOut: Bool
        var stdout: String
        var stderr: String

        var description: String {
            "status \(status)\(signaled ? " (signal)" : "")\(timedOut ? " (timed out)" : ""), stderr: \(stderr.prefix(400))"
        }
    }

    let process: Process
    private let outPath: String
    private let errPath: String

    /// Starts `executable` (the CLI by default) with `arguments`.
    init(_ arguments: [String], executable: URL = CLI.executable, environment: [String: String] = [:], stdin: String? = nil) throws {
        let base = NSTemporaryDirectory() + "ticket-ledger-child-\(UUID().uuidString)"
        outPath = base + ".out"
        errPath = base + ".err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        if let stdin {
            let inPath = base + ".in"
            try stdin.write(toFile: inPath, atomically: true, encoding: .utf8)
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
    }

    /// Waits up to `timeout` seconds, then kills it (SIGKILL) and says so.
    func wait(timeout: Double = 60) -> Result {
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
        try? FileManager.default.removeItem(atPath: outPath.replacingOccurrences(of: ".out", with: ".in"))
        return Result(
            status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal, timedOut: timedOut,
            stdout: out, stderr: err)
    }

    /// Runs the CLI with `arguments` and waits for it (at most `timeout` seconds).
    static func run(_ arguments: [String], timeout: Double = 60, environment: [String: String] = [:], stdin: String? = nil) throws -> Result {
        try Child(arguments, environment: environment, stdin: stdin).wait(timeout: timeout)
    }
}

/// The seed for randomized tests: TICKET_LEDGER_SEED when set (to repeat a failure or try
/// others), else `fixed`, so the suite runs the same inputs every time.
func testSeed(_ fixed: UInt64) -> UInt64 {
    if let text = ProcessInfo.processInfo.environment["TICKET_LEDGER_SEED"], let seed = UInt64(text) { return seed }
    return fixed
}
