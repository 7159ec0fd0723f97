import Foundation
import Testing
import TicketLedger

/// Help texts are paragraphs the parser wraps itself; examples sit on lines of their own that
/// a terminal of 80 columns never breaks (copying one must give the whole command).
@Suite("Help texts", .enabled(if: FileManager.default.isExecutableFile(atPath: CLI.executable.path),
                              "build the CLI first: swift build --build-tests"))
struct HelpTextTests {
    /// `ticket-ledger PATH --help` at `columns` columns.
    static func help(_ path: [String], columns: Int) throws -> String {
        let output = CLI.finish(try CLI.start(path + ["--help"], environment: ["COLUMNS": String(columns)]))
        guard output.status == 0 else { throw HelpFailure("\(path) --help exited \(output.status): \(output.stderr)") }
        return output.stdout
    }

    /// The lines under each "Example:" or "Examples:" heading, up to the next blank line.
    static func examples(_ text: String) -> [String] {
        var found: [String] = []
        var inBlock = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.range(of: #"^Examples?\b.*:$"#, options: .regularExpression) != nil {
                inBlock = true
            } else if trimmed.isEmpty {
                inBlock = false
            } else if inBlock {
                found.append(String(line))
            }
        }
        return found
    }

    /// Every command path, from the root's SUBCOMMANDS down.
    static func commands(_ path: [String] = []) throws -> [[String]] {
        let text = try help(path, columns: 400)
        var all = [path]
        guard let section = text.range(of: "\nSUBCOMMANDS:\n") else { return all }
        for line in text[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("  "), let name = line.dropFirst(2).split(separator: " ").first,
                  name.first?.isLowercase == true, !line.hasPrefix("   ") else {
                if line.isEmpty { break } else { continue }
            }
            if name != "help" { all += try commands(path + [String(name)]) }
        }
        return all
    }

    @Test("at COLUMNS=80 every example line of every --help is whole, on a line of its own, at most 80 columns")
    func examplesStayWhole() throws {
        let paths = try Self.commands()
        #expect(paths.count > 10, "\(paths)")
        var checked = 0
        for path in paths {
            let wide = Self.examples(try Self.help(path, columns: 400))
            let narrow = try Self.help(path, columns: 80)
            let narrowLines = Set(narrow.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
            for line in wide {
                let example = line.trimmingCharacters(in: .whitespaces)
                #expect(narrowLines.contains(example), "`ticket-ledger \(path.joined(separator: " ")) --help` breaks the example: \(example)")
                checked += 1
            }
            for line in Self.examples(narrow) {
                #expect(line.count <= 80, "`ticket-ledger \(path.joined(separator: " ")) --help`: wider than 80 columns: \(line)")
            }
        }
        #expect(checked > 20, "only \(checked) example lines found")
    }

    @Test("--version prints the one version, which CHANGELOG.md's newest entry names")
    func version() throws {
        let output = try CLI.run("--version")
        #expect(output.status == 0 && output.stdout == TicketLedgerVersion.current + "\n", "\(output)")
        let changelog = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        let newest = changelog.split(separator: "\n").first { $0.hasPrefix("## ") }
        #expect(newest?.hasPrefix("## \(TicketLedgerVersion.current) ") == true, "\(String(describing: newest))")
    }
}

struct HelpFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
