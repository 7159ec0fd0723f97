import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import TicketLedger

/// An executable built with the package (`ticket-ledger`, `EmbeddedExchange`), run as a child
/// process that serves HTTP on a port it picks, and a client for it.
/// `@unchecked Sendable`: `Process` is not marked `Sendable`; a test uses it from one task at a time.
final class SpawnedServer: @unchecked Sendable {
    let process: Process
    let port: Int
    let client: HTTPClient
    private let stderr: OutputBuffer

    /// The built executable `name`, next to the test bundle.
    static func executable(_ name: String) -> URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
    }

    /// Starts `name` with `arguments` and waits (up to 60 s) until its stderr names the port,
    /// after `portPrefix` (e.g. `serving 127.0.0.1:`).
    /// A fresh LMDB store under `root` with pool `app1` (secret ``poolSecret``), closed again
    /// for a spawned server to open; returns its path.
    static func storeWithPool(in root: String) async throws -> String {
        let store = root + "/store"
        let ledger = try await Ledger.open(at: store, create: true)
        try await ledger.configurePool(try PoolID("app1"), secret: poolSecret)
        ledger.close()
        return store
    }

    init(_ name: String, _ arguments: [String], environment: [String: String], portPrefix: String) async throws {
        let process = Process()
        process.executableURL = Self.executable(name)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let text = OutputBuffer()
        let sink = SendableHandle(pipe.fileHandleForReading)
        let reader = Thread {
            while true {
                let chunk = sink.handle.availableData
                if chunk.isEmpty { return }
                text.append(String(decoding: chunk, as: UTF8.self))
            }
        }
        try process.run()
        reader.start()
        var found: Int?
        let deadline = Date().addingTimeInterval(60)
        while found == nil, Date() < deadline, process.isRunning {
            let output = text.value
            if let range = output.range(of: portPrefix) {
                found = Int(output[range.upperBound...].prefix { $0.isNumber })
            }
            if found == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard let port = found else {
            if process.isRunning { process.terminate() }
            throw SpawnFailure("\(name) did not start: \(text.value)")
        }
        self.process = process
        self.port = port
        self.stderr = text
        self.client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    /// What the child wrote on stderr so far.
    var errorOutput: String { stderr.value }

    /// Sends one request; returns the status and the body.
    func send(_ method: HTTPMethod, _ path: String, body: String? = nil, headers: [(String, String)] = []) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// Sends SIGTERM and waits (up to 60 s) for the child to exit; its exit status, or nil on a timeout.
    func stop() async throws -> Int32? {
        try await client.shutdown()
        process.terminate()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }
}

/// What a child wrote, appended by the thread that reads its pipe.
final class OutputBuffer: Sendable {
    private let text = Mutex("")
    func append(_ more: String) { text.withLock { $0 += more } }
    var value: String { text.withLock { $0 } }
}

/// A file handle read by one thread only.
private struct SendableHandle: @unchecked Sendable {  // read by the reader thread alone
    let handle: FileHandle
    init(_ handle: FileHandle) { self.handle = handle }
}

struct SpawnFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
