import LMDB
import Logging

/// `copy`: a ledger moved between stores (LMDB → PostgreSQL and back), its records unchanged,
/// so the chain — and every digest taken from the source — holds in the copy. The source's
/// log is read in one read transaction, checked record by record (the chain, decoding, the
/// rules the replay enforces: a log `audit` faults is refused, nothing copied), appended to
/// the destination, and the destination's projections are built from the same replay. The key
/// of the source's ticket texts goes with them, so the tickets it issued redeem in the copy.
///
/// The destination must hold no ledger: an empty or missing directory, or a database with no
/// events. Into PostgreSQL everything is one transaction (all or nothing). Into a directory the
/// log goes in transactions of ``chunk`` events and the projections in one more; when a copy
/// fails, what it wrote is removed.
enum StoreCopier {
    /// Events per chunk (a write transaction in LMDB, statements in PostgreSQL).
    static let chunk = 10_000

    static func copy(
        _ source: LedgerReadAccess, to destination: StoreLocation, logger: Logger
    ) throws(LedgerError) -> CopyReport {
        let started = monotonicNanoseconds()
        var report: CopyReport
        switch destination {
        case .directory(let path): report = try copy(source, toDirectory: path)
        case .postgres(let location): report = try copy(source, toPostgres: location, logger: logger)
        }
        report.seconds = Double(monotonicNanoseconds() - started) / 1e9
        return report
    }

    /// The key of the source's ticket texts (``LocatorCipher``), which the copy must keep for
    /// the `tl2.` tickets the source issued to redeem there; `nil` when it has none (an LMDB
    /// store that never issued one).
    static func locatorKey(of source: LedgerReadAccess) throws(LedgerError) -> LocatorCipher? {
        switch source.kind {
        case .lmdb(let handle): try handle.read { txn in try LocatorKeyRecord.read(txn, handle) }
        case .postgres(let store): store.locatorCipher
        }
    }

    /// Into a new LMDB store at `path`.
    static func copy(_ source: LedgerReadAccess, toDirectory path: String) throws(LedgerError) -> CopyReport {
        let created = try claimEmptyDirectory(path, for: "copy")
        let store: LMDBStore
        do {
            store = try LMDBStore.open(at: path, create: true, durability: .durable, initialMapSize: 1 << 30)
        } catch {
            removePartial(path, created: created)
            throw error
        }
        do {
            guard case .lmdb(let handle) = store.readAccess.kind else {
                throw LedgerError.storage(path: path, operation: "copy", message: "the new store is not an LMDB store")
            }
            if let cipher = try locatorKey(of: source) {
                try LocatorKeyRecord.write(cipher, into: handle)
            }
            var replay = CompactReplay()
            let head = try source.scan { scan in
                try readLog(scan, into: &replay) { records in
                    guard let last = records.last else { return }
                    try store.write { written in
                        var batch = written
                        for r in records { try batch.append(record: r.record, of: r.event, at: r.sequence) }
                        var meta = try batch.meta()
                        meta.head = ChainHead(sequence: last.sequence, hash: last.hash)
                        try batch.setMeta(meta)
                    }
                }
            }
            try copyKeys(from: source, into: handle)
            let rebuilt = try Rebuilder.run(handle)
            store.close()
            return CopyReport(
                events: head.sequence, head: head, tickets: rebuilt.tickets, pools: rebuilt.pools, users: rebuilt.users, seconds: 0)
        } catch {
            store.close()
            removePartial(path, created: created)
            throw ledgerError(error, path: path)
        }
    }

    /// Into the PostgreSQL database at `location` (its schema made when missing), in one transaction.
    static func copy(
        _ source: LedgerReadAccess, toPostgres location: PostgresLocation, logger: Logger
    ) throws(LedgerError) -> CopyReport {
        let store = try PostgresStore.open(location, create: true, logger: logger)
        defer { store.close() }
        return try store.exclusive { destination in
            let present = try destination.meta().head.sequence
            let events = try destination.lastRecordSequence()
            if present != 0 || events != nil {
                throw LedgerError.invalidArgument(
                    "copy destination", "\(location) already holds a ledger (head \(present)); a copy never writes into one")
            }
            if let cipher = try locatorKey(of: source) { try PostgresImport.setLocatorKey(destination.session, cipher) }
            try PostgresImport.setUserKeys(destination.session, try personalKeys(of: source))
            var replay = CompactReplay()
            let head = try source.scan { scan in
                try readLog(scan, into: &replay) { records in try PostgresImport.appendEvents(destination.session, records) }
            }
            let counts = try PostgresImport.replaceProjections(destination.session, with: replay, head: head)
            return CopyReport(
                events: head.sequence, head: head, tickets: counts.tickets, pools: counts.pools, users: counts.users, seconds: 0)
        }
    }

    /// Reads `scan`'s log through its head, in order, into `replay`, handing the records to
    /// `sink` in chunks; returns the head. Refuses (``LedgerError/corrupted(path:detail:)``) a
    /// log with a gap, a broken chain, a record that does not decode or an event the replay
    /// cannot apply: run `audit` for the whole story.
    static func readLog(
        _ scan: some StoreScan, into replay: inout CompactReplay, sink: (([LoggedRecord]) throws -> Void)? = nil
    ) throws -> ChainHead {
        let meta = try scan.meta()
        var findings = FindingList(limit: 1)
        var chain = ChainVerifier(expect: nil, findings: &findings)
        var pending: [LoggedRecord] = []
        func refuse(_ sequence: UInt64, _ detail: String) -> LedgerError {
            .corrupted(path: scan.path, detail: "event \(sequence): \(detail); run `audit` for every finding")
        }
        try scan.scanRecords(from: 1) { sequence, record in
            guard let sequence else { throw refuse(chain.expected, "an events key is not an 8-byte sequence number") }
            if sequence > meta.head.sequence { return false }
            let payload = chain.check(sequence, record, findings: &findings)
            if let finding = findings.items.first { throw refuse(finding.sequence, finding.detail) }
            guard let payload else { throw refuse(sequence, "the record cannot be read") }
            let event: LedgerEvent
            do {
                event = try EventCodec.decode(payload: payload)
                try replay.applyGenerally(event, sequence: sequence)
            } catch let inconsistent as InconsistentEvent {
                throw refuse(sequence, "\(inconsistent.rule): \(inconsistent.detail)")
            } catch {
                throw refuse(sequence, "\(error)")
            }
            if let sink {
                pending.append(LoggedRecord(sequence: sequence, event: event, record: Array(record), hash: chain.previous))
                if pending.count >= chunk {
                    try sink(pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            return true
        }
        chain.finish(head: meta.head, findings: &findings)
        if let finding = findings.items.first { throw refuse(finding.sequence, finding.detail) }
        if let sink, !pending.isEmpty { try sink(pending) }
        return meta.head
    }

    /// The users' personal-data keys of `source`, which the sealed records a copy carries need
    /// to open in the destination as in the source.
    static func personalKeys(of source: LedgerReadAccess) throws -> [CopiedPersonalKey] {
        switch source.kind {
        case .lmdb(let handle):
            guard let vault = handle.vault else { return [] }
            return try handle.read { txn in try vault.keys(in: txn) }
        case .postgres(let store):
            return try store.read { batch in try PostgresImport.userKeys(batch.session) }
        }
    }

    /// `source`'s personal-data keys, into the new LMDB store `handle`.
    static func copyKeys(from source: LedgerReadAccess, into handle: StoreHandle) throws {
        let keys = try personalKeys(of: source)
        guard !keys.isEmpty, let vault = handle.vault else { return }
        try handle.environment.write { txn in try vault.importKeys(keys, in: txn) }
    }

    /// Removes what a failed copy wrote into `path`.
    static func removePartial(_ path: String, created: Bool) {
        POSIX.removeFile(path + "/" + KeyVault.fileName)
        POSIX.removeFile(path + "/data.mdb")
        POSIX.removeFile(path + "/lock.mdb")
        if created { POSIX.removeDirectory(path) }
    }
}
