import Foundation
import LMDB
import Testing
@testable import TicketLedger

/// What is done to a store before every command runs on it, and what the commands must answer.
enum Damage: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// 64 random bytes of `data.mdb` flipped (several seeds).
    case flippedBytes
    /// `data.mdb` cut to half its length.
    case truncatedHalf
    /// `data.mdb` cut to its two meta pages.
    case truncatedToMetaPages
    /// `data.mdb` replaced by as many random bytes.
    case garbage
    /// `data.mdb` of zero length.
    case zeroLength
    /// `lock.mdb` left by a process killed (SIGKILL) while it wrote.
    case staleLock
    /// `lock.mdb` full of random bytes.
    case garbageLock
    /// The metadata record says format version 2.
    case newerFormat
    /// The store's directory has mode 000 (the CLI runs as `nobody` when the tests run as root).
    case noPermission

    var testDescription: String { rawValue }

    /// Whether a command's exit status is an acceptable answer.
    func accepts(_ status: Int32, command: String) -> Bool {
        switch self {
        case .flippedBytes: return [0, 1, 2].contains(status)      // damage in unused pages goes unseen
        case .staleLock, .garbageLock: return status == 0          // LMDB recovers the lock file
        case .zeroLength: return status == 2 || (command == "pool" && status == 0)  // `pool configure` creates a store in it
        case .truncatedHalf, .truncatedToMetaPages, .garbage, .newerFormat, .noPermission: return status == 2
        }
    }

    /// Words the error message must hold, when the command exits 2.
    var messageHint: String? {
        switch self {
        case .newerFormat: "newer"
        case .noPermission: "permission denied"
        case .garbage, .zeroLength: "not a TicketLedger store"
        case .truncatedHalf, .truncatedToMetaPages: "damaged"
        case .flippedBytes, .staleLock, .garbageLock: nil
        }
    }
}

@Suite("Damaged stores", .enabled(if: FileManager.default.isExecutableFile(atPath: CLI.executable.path),
                                  "build the CLI first: swift build --build-tests"))
struct DamagedStoreTests {
    /// A store with a pool, 30 tickets (10 redeemed); returns it closed, and a ticket not yet redeemed.
    static func sampleStore() throws -> (store: TempStore, ticket: String) {
        let store = try TempStore(durability: .durable)
        store.clock.set(SystemClock().now())  // the CLI runs on the real clock
        let pool = PoolID.test("p1")
        let issued = try store.ledger.seed(pool: pool, tickets: 30, policy: PoolPolicy(ticketLifetime: .seconds(86_400)))
        for ticket in issued.prefix(10) { _ = try store.ledger.redeem(ticket: ticket.ticket.text, pool: pool, secret: secret) }
        store.ledger.close()
        return (store, issued[20].ticket.text)
    }

    /// Every command of the CLI, reads first.
    static func commands(_ dir: String, ticket: String, backup: String) -> [[String]] {
        [
            ["audit", dir], ["digest", dir], ["inspect", dir, "stats"], ["export", dir], ["backup", dir, backup],
            ["redeem", dir, "--pool", "p1", "--ticket", ticket, "--secret", secret],
            ["issue", dir, "--pool", "p1", "--user", "u9", "--ip", "10.0.0.1"], ["expire", dir],
            ["rebuild", dir], ["pool", "configure", dir, "--pool", "p2", "--secret", "s2"],
        ]
    }

    /// Whether the CLI can be run as `nobody` (root with setpriv).
    static var canDropPrivileges: Bool {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
    }

    /// A copy of the CLI in a fresh world-readable directory, for the runs as `nobody`: the build
    /// directory may sit under one only root can enter (a clone in `mktemp -d`), and then
    /// Foundation traps at start-up looking for the program's bundle.
    static func executableForNobody() throws -> String {
        let dir = NSTemporaryDirectory() + "ticket-ledger-nobody-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        #expect(chmod(dir, 0o755) == 0)
        let copy = dir + "/ticket-ledger"
        try FileManager.default.copyItem(atPath: CLI.executable.path, toPath: copy)
        #expect(chmod(copy, 0o755) == 0)
        return copy
    }

    func damage(_ damage: Damage, _ dir: String, seed: UInt64) throws {
        let data = dir + "/data.mdb"
        var rng = SplitMix64(seed: seed)
        let size = Int((try FileManager.default.attributesOfItem(atPath: data)[.size] as? NSNumber)?.intValue ?? 0)
        switch damage {
        case .flippedBytes:
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: data))
            defer { try? handle.close() }
            for _ in 0..<64 {
                let offset = UInt64.random(in: 0..<UInt64(size), using: &rng)
                try handle.seek(toOffset: offset)
                let old = try handle.read(upToCount: 1)?.first ?? 0
                try handle.seek(toOffset: offset)
                try handle.write(contentsOf: [old ^ UInt8.random(in: 1...255, using: &rng)])
            }
        case .truncatedHalf:
            #expect(truncate(data, off_t(size / 2)) == 0)
        case .truncatedToMetaPages:
            #expect(truncate(data, off_t(2 * Int(sysconf(Int32(_SC_PAGESIZE))))) == 0)
        case .garbage:
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
            try Data(bytes).write(to: URL(fileURLWithPath: data))
        case .zeroLength:
            #expect(truncate(data, 0) == 0)
        case .staleLock:
            // A writer killed in the middle of its work leaves its lock file behind.
            let child = try Child(["bench", "--dir", dir, "--tickets", "100000", "--workers", "4", "--durability", "none"])
            usleep(700_000)
            kill(child.process.processIdentifier, SIGKILL)
            _ = child.wait()
            #expect(FileManager.default.fileExists(atPath: dir + "/lock.mdb"))
        case .garbageLock:
            let bytes = (0..<8192).map { _ in UInt8.random(in: 0...255, using: &rng) }
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/lock.mdb"))
        case .newerFormat:
            let env = try Environment(path: dir, options: EnvironmentOptions())
            defer { env.close() }
            try env.write { txn in
                let meta = try txn.openDatabase("meta", create: false)
                var bytes = try #require(try txn.value(meta, key: StoreLayout.metaKey))
                bytes[8] = 0
                bytes[9] = 2  // the format version, big-endian, after the 8-byte magic
                try txn.put(meta, key: StoreLayout.metaKey, value: bytes)
            }
        case .noPermission:
            #expect(chmod(dir, 0) == 0)
        }
    }

    @Test("every CLI command answers a damaged store with exit 2 (or 1), never a signal or a hang", arguments: Damage.allCases)
    func cli(_ damage: Damage) throws {
        if damage == .noPermission && geteuid() == 0 && !Self.canDropPrivileges {
            print("skipped \(damage): running as root without setpriv; root bypasses file permissions")
            return
        }
        let seeds: [UInt64] = damage == .flippedBytes ? (0..<4).map { testSeed(0xF11B_0000) &+ $0 } : [testSeed(0xDA3A_6E00)]
        let nobodyExecutable = damage == .noPermission && Self.canDropPrivileges ? try Self.executableForNobody() : nil
        defer { if let nobodyExecutable { try? FileManager.default.removeItem(atPath: (nobodyExecutable as NSString).deletingLastPathComponent) } }
        for seed in seeds {
            let (store, ticket) = try Self.sampleStore()
            try self.damage(damage, store.path, seed: seed)
            defer { _ = chmod(store.path, 0o755) }
            for (index, arguments) in Self.commands(store.path, ticket: ticket, backup: store.root + "/backup").enumerated() {
                var run = arguments
                if let nobodyExecutable {
                    run = ["--reuid=65534", "--regid=65534", "--clear-groups", nobodyExecutable] + arguments
                }
                let result = nobodyExecutable != nil
                    ? try Child(run, executable: URL(fileURLWithPath: "/usr/bin/setpriv")).wait(timeout: 60)
                    : try Child.run(run, timeout: 60)
                let what = "\(damage) (seed \(seed)), command \(index) `\(arguments.prefix(1).joined())`: \(result)"
                #expect(!result.signaled && !result.timedOut, "\(what)")
                #expect(damage.accepts(result.status, command: arguments[0]), "\(what)")
                if result.status == 2 {
                    #expect(!result.stderr.isEmpty, "exit 2 says why: \(what)")
                    #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"), "\(what)")
                    if let hint = damage.messageHint, damage != .zeroLength || arguments[0] != "pool" {
                        #expect(result.stderr.contains(hint), "\(what)")
                    }
                }
            }
        }
    }

    @Test("Ledger.open and LedgerReader.open answer a damaged store with a LedgerError",
          arguments: Damage.allCases.filter { $0 != .flippedBytes })
    func library(_ damage: Damage) throws {
        // Random flips are left to the CLI, whose reads run in a child process: liblmdb trusts
        // its page pointers, so some scribbles fault inside it (see the README).
        if damage == .noPermission && geteuid() == 0 {
            print("skipped \(damage) in-process: root bypasses file permissions (the CLI case runs as nobody)")
            return
        }
        let (store, _) = try Self.sampleStore()
        try self.damage(damage, store.path, seed: testSeed(0xDA3A_6E01))
        defer { _ = chmod(store.path, 0o755) }
        let opened: Result<Ledger, LedgerError> = Result { () throws(LedgerError) in try Ledger.open(at: store.path) }
        if case .success(let ledger) = opened {
            #expect(try ledger.head().sequence > 0)
            ledger.close()
        }
        let read: Result<LedgerReader, LedgerError> = Result { () throws(LedgerError) in try LedgerReader.open(at: store.path) }
        if case .success(let reader) = read {
            #expect(try reader.audit().ok)
            reader.close()
        }
        switch damage {
        case .staleLock, .garbageLock:
            #expect(throws: Never.self, "\(damage)") { try opened.get() }
            #expect(throws: Never.self, "\(damage)") { try read.get() }
        default:
            #expect(throws: LedgerError.self, "\(damage)") { try opened.get() }
            #expect(throws: LedgerError.self, "\(damage)") { try read.get() }
            if damage == .newerFormat, case .failure(let error) = opened {
                #expect(error == .newerFormat(path: store.path, found: 2, supported: StoreLayout.formatVersion))
            }
        }
    }
}
