import Foundation
import NIOHTTP1
import Testing

/// `GET /openapi.yaml` serves docs/openapi.yaml as it is in the repository; scripts/test
/// validates the document and runs schemathesis against a live server.
@Suite("OpenAPI document")
struct OpenAPITests {
    static let repositoryCopy = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/openapi.yaml")

    @Test("GET /openapi.yaml answers docs/openapi.yaml byte for byte, and it names every route and status the server answers")
    func servedDocument() async throws {
        let kept = try String(contentsOf: Self.repositoryCopy, encoding: .utf8)
        try await LiveServer.with { server in
            let reply = try await server.send(.GET, "/openapi.yaml")
            #expect(reply.status == 200 && reply.contentType == "application/yaml")
            #expect(reply.body == kept, "Sources/TicketLedgerHTTP/OpenAPIDocument.swift and docs/openapi.yaml differ")
        }
        for path in ["/oauth/app2wxapp/auth/{userPoolId}:", "/tickets:", "/healthz:", "/metrics:", "/openapi.yaml:"] {
            #expect(kept.contains("\n  \(path)\n"), "\(path) missing")
        }
        // The statuses of the README's table of refusals.
        for status in ["400", "401", "404", "408", "410", "413", "500", "503"] {
            #expect(kept.contains("'\(status)': {$ref"), "status \(status) missing")
        }
    }
}
