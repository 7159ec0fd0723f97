import Foundation
import Testing
@testable import TicketLedger

/// Stores and backups are private to their owner whatever the umask, and store files that
/// are symbolic links (or not regular files) are refused before anything opens them.
@Suite("Store files")
struct StoreFilesTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }

    static func root() throws -> String {
        let root = NSTemporaryDirectory() + "ticket-ledger-files-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return root
    }

    @Test("a store made under umask 000 is 0700 with files 0600, and so is its backup",
          .enabled(if: FileManager.default.isExecutableFile(atPath: CLI.executable.path), "build the CLI first"))
    func privateWhateverTheUmask() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = root + "/a/store", backup = root + "/backup"
        let cli = CLI.executable.path
        let script = "umask 000 && '\(cli)' pool configure '\(store)' --pool p1 --secret s3 && '\(cli)' backup '\(store)' '\(backup)'"
        let result = try Child(["-c", script], executable: URL(fileURLWithPath: "/bin/sh")).wait(timeout: 60)
        #expect(result.status == 0, "\(result)")
        #expect(try Self.mode(store) == 0o700)
        #expect(try Self.mode(store + "/data.mdb") == 0o600)
        #expect(try Self.mode(store + "/lock.mdb") == 0o600)
        #expect(try Self.mode(backup) == 0o700)
        #expect(try Self.mode(backup + "/data.mdb") == 0o600)
    }

    @Test("a store's own directory made by Ledger.open is 0700, its files 0600")
    func libraryCreatesPrivateStores() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger.open(at: root + "/store", create: true, options: .init(durability: .none))
        ledger.close()
        #expect(try Self.mode(root + "/store") == 0o700)
        #expect(try Self.mode(root + "/store/data.mdb") == 0o600)
        #expect(try Self.mode(root + "/store/lock.mdb") == 0o600)
    }

    @Test("lock.mdb or data.mdb as a symbolic link is refused, for reading and writing, and the link's target is left alone",
          arguments: ["lock.mdb", "data.mdb"])
    func symlinkedFilesAreRefused(file: String) throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = root + "/store"
        let ledger = try Ledger.open(at: store, create: true, options: .init(durability: .none))
        try ledger.configurePool(.test("p1"), secret: secret)
        ledger.close()
        let victim = root + "/victim"
        try FileManager.default.moveItem(atPath: store + "/" + file, toPath: victim)
        let before = try Data(contentsOf: URL(fileURLWithPath: victim))
        try FileManager.default.createSymbolicLink(atPath: store + "/" + file, withDestinationPath: victim)

        #expect(throws: LedgerError.self) { try LedgerReader.open(at: store).close() }
        #expect(throws: LedgerError.self) { try Ledger.open(at: store).close() }
        do {
            _ = try LedgerReader.open(at: store)
        } catch {
            #expect("\(error)".contains("symbolic link"), "\(error)")
            #expect("\(error)".contains(file), "\(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: victim)) == before, "the link's target was written")
    }

    @Test("lock.mdb that is a directory is refused")
    func lockFileNotRegular() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = root + "/store"
        try Ledger.open(at: store, create: true, options: .init(durability: .none)).close()
        try FileManager.default.removeItem(atPath: store + "/lock.mdb")
        try FileManager.default.createDirectory(atPath: store + "/lock.mdb", withIntermediateDirectories: false)
        do {
            _ = try LedgerReader.open(at: store)
            Issue.record("opened a store whose lock.mdb is a directory")
        } catch {
            #expect("\(error)".contains("lock.mdb is not a regular file"), "\(error)")
        }
    }
}
