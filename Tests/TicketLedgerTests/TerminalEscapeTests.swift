import Foundation
import Testing
@testable import TicketLedger

/// Error messages never print raw control characters from paths or arguments (a path with
/// an escape sequence must not drive the operator's terminal).
@Suite("Control characters in messages", .enabled(if: FileManager.default.isExecutableFile(atPath: CLI.executable.path),
                                                  "build the CLI first: swift build --build-tests"))
struct TerminalEscapeTests {
    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
    }

    @Test("a store path and a pool id holding escape sequences are printed escaped",
          arguments: [
            ["audit", "/tmp/no-such-\u{1B}[2J\u{1B}]0;owned\u{07}-store"],
            ["audit", "/tmp/x", "--bogus\u{1B}[31m"],
            ["redeem", "/tmp/no-such-\u{1B}[31m-store", "--pool", "p1", "--tickets-from", "/tmp/\u{1B}[31mnone\r"],
          ])
    func escaped(arguments: [String]) throws {
        let result = try Child.run(arguments)
        #expect(result.status == 2, "\(result)")
        #expect(!result.stderr.isEmpty)
        #expect(!Self.hasControlCharacters(result.stderr), "\(result.stderr.debugDescription)")
        #expect(result.stderr.contains("\\u{1B}"), "\(result.stderr.debugDescription)")
    }

    @Test("LedgerError's description escapes the path it names")
    func ledgerErrorEscapes() {
        let error = LedgerError.storeNotFound(path: "/tmp/a\u{1B}[2Jb\nc")
        #expect(!"\(error)".unicodeScalars.contains { $0.value < 0x20 }, "\(error)")
        #expect("\(error)".contains(#"/tmp/a\u{1B}[2Jb\nc"#), "\(error)")
    }
}
