import Foundation
import LMDB
import Testing
@testable import TicketLedger

/// A store for audit tests: a temporary directory, a manual clock, and helpers to reopen the
/// ledger, audit it read-only, and tamper with the files through the LMDB wrapper.
final class AuditStore {
    let root: String
    let path: String
    let clock: ManualClock
    private(set) var ledger: Ledger?

    init() throws {
        root = NSTemporaryDirectory() + "ticket-ledger-audit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        path = root + "/store"
        clock = ManualClock(TempStore.epoch)
        ledger = try Ledger.open(at: path, create: true, options: .init(durability: .none), clock: clock)
    }

    /// The open ledger (reopening it when closed).
    var live: Ledger {
        get throws {
            if let ledger { return ledger }
            let opened = try Ledger.open(at: path, options: .init(durability: .none), clock: clock)
            ledger = opened
            return opened
        }
    }

    func close() {
        ledger?.close()
        ledger = nil
    }

    /// Closes the ledger and audits the store through a read-only reader — twice: LMDB's own
    /// two-thread audit and the one any store gets (``Auditor/run(scanning:options:)``, the
    /// PostgreSQL store's), which must find the same.
    func audit(_ options: AuditOptions = AuditOptions()) throws -> AuditReport {
        close()
        let reader = try LedgerReader.open(at: path)
        defer { reader.close() }
        let report = try reader.audit(options)
        let scanned = try reader.readAccess.scan { scan in try Auditor.run(scanning: scan, options: options) }
        #expect(scanned.findings == report.findings, "the scanning audit differs from LMDB's")
        #expect(scanned.findingsOmitted == report.findingsOmitted)
        #expect(scanned.computedHead == report.computedHead && scanned.head == report.head)
        return report
    }

    /// Closes the ledger and runs `body` in a write transaction on the raw environment.
    func tamper(_ body: (Transaction, StoreLayout) throws -> Void) throws {
        close()
        let env = try Environment(path: path, options: EnvironmentOptions())
        defer { env.close() }
        try env.write { txn in
            var dbs: [Database] = []
            for name in StoreLayout.names { dbs.append(try txn.openDatabase(name, create: false)) }
            let layout = StoreLayout(events: dbs[0], tickets: dbs[1], users: dbs[2], pools: dbs[3], due: dbs[4], meta: dbs[5])
            try body(txn, layout)
        }
    }

    deinit {
        ledger?.close()
        try? FileManager.default.removeItem(atPath: root)
    }
}

extension AuditReport {
    /// The rules of the findings, in order.
    var rules: [String] { findings.map(\.rule) }
    /// Whether a finding of `rule` is at `sequence`.
    func has(_ rule: String, at sequence: UInt64? = nil) -> Bool {
        findings.contains { $0.rule == rule && (sequence == nil || $0.sequence == sequence) }
    }
}
