import Foundation
import LMDB
import Testing
@testable import TicketLedger

/// Dropping the resident pages of the map: the bytes read stay the same (views stay valid),
/// and the pages really leave the resident set.
@Suite("Resident pages")
struct ResidentPageTrimmerTests {
    /// An environment in a fresh directory holding `count` records of 700 bytes each (different
    /// bytes per record), spread over a few hundred pages.
    static func makeEnvironment(count: Int) throws -> (Environment, Database, String) {
        let root = NSTemporaryDirectory() + "ticket-ledger-resident-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var options = EnvironmentOptions()
        options.sync = .none
        options.mapSize = 64 << 20
        let env = try Environment(path: root, options: options)
        let db = try env.openDatabase("records", create: true)
        try env.write { txn in
            for i in 0..<count {
                let value = (0..<700).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i &* 7) }
                try txn.put(db, key: UInt64(i).bigEndianBytes, value: value, append: true)
            }
        }
        return (env, db, root)
    }

    /// Every record's bytes, read through a cursor, with `trimmer` seeing each view.
    static func readAll(_ env: Environment, _ db: Database, trimmer: inout ResidentPageTrimmer?) throws -> [[UInt8]] {
        try env.read { txn in
            var out: [[UInt8]] = []
            try txn.forEachEntry(db) { e in
                trimmer?.saw(e.value)
                out.append(Array(e.value))
                return true
            }
            trimmer?.trim()
            return out
        }
    }

    /// This process's resident kilobytes of the mapping of `file` (`/proc/self/smaps`).
    static func residentKilobytes(of file: String) throws -> Int {
        // Read to the end: `/proc` files report a size of 0.
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps"))
        defer { try? handle.close() }
        let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        var inside = false
        var total = 0
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                inside = fields.last.map { String($0) == file } ?? false
            } else if inside, fields.first == "Rss:", fields.count >= 2, let kb = Int(fields[1]) {
                total += kb
            }
        }
        return total
    }

    @Test("views read the same bytes after their pages were dropped, and the pages left the resident set")
    func dropKeepsBytes() throws {
        let (env, db, root) = try Self.makeEnvironment(count: 2000)
        defer { env.close(); try? FileManager.default.removeItem(atPath: root) }
        #expect(env.mapIsReadOnly)
        try env.read { txn in
            var views: [UnsafeRawBufferPointer] = []
            try txn.forEachEntry(db) { e in views.append(e.value); return true }
            let copies = views.map { Array($0) }
            #expect(copies.count == 2000)
            let residentBefore = try Self.residentKilobytes(of: root + "/data.mdb")
            let low = try #require(views.compactMap(\.baseAddress).min())
            let high = try #require(views.compactMap { $0.baseAddress.map { $0 + 700 } }.max())
            try env.dropResidentPages(from: low, to: high)
            #if os(Linux)
            let residentAfter = try Self.residentKilobytes(of: root + "/data.mdb")
            #expect(residentBefore >= 1000, "the records' pages were resident (\(residentBefore) kB)")
            #expect(residentAfter < residentBefore / 4, "resident \(residentBefore) kB before, \(residentAfter) kB after")
            #endif
            for (view, copy) in zip(views, copies) {
                #expect(Array(view) == copy)
            }
            // A range longer than the map is refused before any advice (nothing is touched).
            let error = #expect(throws: LMDBError.self) {
                try env.dropResidentPages(from: low, to: low + (64 << 20) + 2 * Environment.systemPageSize)
            }
            #expect(error?.description.contains("not inside it") == true, "\(String(describing: error))")
        }
    }

    @Test("a scan trimming after every page reads what a scan without trimming reads", arguments: [(1, 0, 1), (1, 0, 3), (4, 1, 2), (256, 4, 64)])
    func trimmedScanReadsTheSame(pages: Int, blocks: Int, sweeps: Int) throws {
        let (env, db, root) = try Self.makeEnvironment(count: 3000)
        defer { env.close(); try? FileManager.default.removeItem(atPath: root) }
        var none: ResidentPageTrimmer? = nil
        let plain = try Self.readAll(env, db, trimmer: &none)
        var trimmer: ResidentPageTrimmer? = ResidentPageTrimmer(
            environment: env, pagesPerTrim: pages, blocksPerTrim: blocks, trimsPerSweep: sweeps)
        let trimmed = try Self.readAll(env, db, trimmer: &trimmer)
        #expect(plain.count == 3000)
        #expect(trimmed == plain)
        #expect(trimmer?.failure == nil)
    }
}
