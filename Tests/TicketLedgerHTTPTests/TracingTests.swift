import Foundation
import InMemoryTracing
import Instrumentation
import NIOHTTP1
import Testing
import Tracing

/// With a tracer bootstrapped, a request is a span (Hummingbird's tracing middleware, the
/// query's ticket redacted) and each write batch is a span with its size.
@Suite("Tracing")
struct TracingTests {
    /// The process's tracer: bootstrapped once, the first time a test asks for it.
    static let tracer: InMemoryTracer = {
        let tracer = InMemoryTracer()
        InstrumentationSystem.bootstrap(tracer)
        return tracer
    }()

    @Test("an exchange gives an HTTP span without the ticket and a ticket_ledger.batch span with its size")
    func spans() async throws {
        let tracer = Self.tracer
        try await LiveServer.with { server in
            let ticket = try await server.issue(user: "traced")
            let reply = try await server.send(.POST, "/oauth/app2wxapp/auth/app1?ticket=\(ticket)", body: #"{"secret":"\#(poolSecret)"}"#)
            #expect(reply.status == 200, "\(reply.body)")
            // The server finishes its span once the answer is written; wait for it.
            let deadline = ContinuousClock.now + .seconds(10)
            var http: FinishedInMemorySpan?
            while http == nil, ContinuousClock.now < deadline {
                http = tracer.finishedSpans.first { span in
                    span.kind == .server && (span.attributes["url.query"]?.toSpanAttribute()).map { "\($0)" }?.contains("REDACTED") == true
                }
                if http == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            let request = try #require(http, "no HTTP span for the exchange")
            // The server's and the ledger's spans (the test's HTTP client traces its own requests).
            var recorded: [String] = []
            for span in tracer.finishedSpans where span.kind != .client {
                span.attributes.forEach { key, value in recorded.append("\(key)=\(value)") }
            }
            #expect(!recorded.contains { $0.contains(ticket) }, "a span carries the ticket: \(recorded.filter { $0.contains(ticket) })")
            #expect(request.operationName.contains("userPoolId"), "\(request.operationName)")
            let batches = tracer.finishedSpans.filter { $0.operationName == "ticket_ledger.batch" }
            let sizes = batches.compactMap { span -> Int64? in
                guard case .int64(let size)? = span.attributes["ticket_ledger.batch.size"]?.toSpanAttribute() else { return nil }
                return size
            }
            #expect(!sizes.isEmpty && sizes.allSatisfy { $0 >= 0 } && sizes.contains { $0 >= 1 }, "\(sizes)")
        }
    }
}
