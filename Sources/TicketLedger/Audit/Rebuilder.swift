import LMDB

enum Rebuilder {
    /// Replays the log into memory (the audit's ``CompactReplay``), then replaces `tickets`, `pools`, `due` and `users` and
    /// sets the users checkpoint to the head, all in **one** write transaction: a crash at any
    /// point before its commit leaves the old projections, and readers see the old or the new,
    /// never a mix.
    ///
    /// The long replay runs in a read transaction first; the write transaction only applies the
    /// events appended meanwhile and writes the records, sorted, with `MDB_APPEND` (fresh pages
    /// filled in order, the fewest dirty pages). If even so they exceed LMDB's per-transaction
    /// dirty-page limit (`MDB_TXN_FULL`), nothing changes and the error says so.
    static func run(_ store: StoreHandle) throws(LedgerError) -> RebuildReport {
        let started = monotonicNanoseconds()
        let (replay, replayed) = try store.read { txn -> (CompactReplay, UInt64) in
            let meta = try store.meta(txn)
            var replay = CompactReplay()
            try replayEvents(store, txn: txn, after: 0, through: meta.head.sequence, into: &replay)
            return (replay, meta.head.sequence)
        }
        do {
            return try store.environment.write { txn -> RebuildReport in
                var meta = try store.meta(txn)
                var state = replay
                // No trimming here: in a write transaction a view may lie in a page the
                // transaction copied to the heap, and the advice must only reach the map.
                try replayEvents(store, txn: txn, after: replayed, through: meta.head.sequence, into: &state, trimming: false)
                let layout = store.layout
                // A ticket's refusal count is the live path's, not the log's: keep the stored one.
                var refusals: [UInt64: UInt64] = [:]
                try txn.forEachEntry(layout.tickets) { e in
                    if (e.value.first ?? 0) >= 2, let sequence = UInt64(bigEndianBytes: e.key), let stored = try? TicketState(decoding: e.value) {
                        refusals[sequence] = stored.refusals
                    }
                    return true
                }
                var tickets: [([UInt8], [UInt8])] = []
                tickets.reserveCapacity(state.tickets.count)
                state.tickets.forEach {
                    var ticket = state.ticketState($0)
                    ticket.refusals = refusals[$0.locator] ?? 0
                    tickets.append(($0.locator.bigEndianBytes, ticket.encoded()))
                }
                try replaceAll(txn, layout.tickets, tickets)
                tickets = []
                let pools = try state.configuredPools.map { id in (Array(id.rawValue.utf8), try state.pool(id)?.encoded() ?? []) }
                try replaceAll(txn, layout.pools, pools)
                let due = state.dueEntries
                try replaceAll(txn, layout.due, due.map { ($0.key, [UInt8]()) })
                var users: [([UInt8], [UInt8])] = []
                users.reserveCapacity(state.userCount)
                for i in state.users.indices {
                    if let user = state.userState(i) { users.append((state.userKeys[i].bytes, user.encoded())) }
                }
                try replaceAll(txn, layout.users, users)
                meta.usersSequence = meta.head.sequence
                try txn.put(layout.meta, key: StoreLayout.metaKey, value: meta.encoded())
                return RebuildReport(
                    sequence: meta.head.sequence, tickets: state.tickets.count, pools: pools.count,
                    due: due.count, users: users.count,
                    seconds: Double(monotonicNanoseconds() - started) / 1e9)
            }
        } catch let e as LMDBError where e.code == .transactionFull {
            throw .storage(
                path: store.path, operation: "rebuild",
                message: "the rebuilt projections exceed LMDB's dirty-page limit for one write transaction (MDB_TXN_FULL); nothing was changed")
        } catch {
            throw ledgerError(error, path: store.path)
        }
    }

    /// The same for a PostgreSQL store: one transaction that holds the head's lock (writers on
    /// every host wait for it), replays the log and replaces the projections; a failure before
    /// its commit leaves the old ones.
    static func run(_ store: PostgresStore) throws(LedgerError) -> RebuildReport {
        let started = monotonicNanoseconds()
        return try store.exclusive { batch in
            var replay = CompactReplay()
            let head = try StoreCopier.readLog(batch, into: &replay)
            let counts = try PostgresImport.replaceProjections(batch.session, with: replay, head: head)
            return RebuildReport(
                sequence: head.sequence, tickets: counts.tickets, pools: counts.pools, due: counts.due, users: counts.users,
                seconds: Double(monotonicNanoseconds() - started) / 1e9)
        }
    }

    /// Empties `db` and writes `records` in key order with `MDB_APPEND`.
    static func replaceAll(_ txn: Transaction, _ db: Database, _ records: [([UInt8], [UInt8])]) throws {
        try txn.clear(db)
        for (key, value) in records.sorted(by: { $0.0.lexicographicallyPrecedes($1.0) }) {
            try txn.put(db, key: key, value: value, append: true)
        }
    }

    /// Applies events `(after, through]` to `replay`, checking that they are gap-free and chain,
    /// refusing (``LedgerError/corrupted(path:detail:)``) a log the audit would fault. With
    /// `trimming` (only in a read transaction), the log's pages it passed leave the resident set.
    static func replayEvents(
        _ store: StoreHandle, txn: Transaction, after: UInt64, through last: UInt64, into replay: inout CompactReplay,
        trimming: Bool = true
    ) throws {
        guard after < last else { return }
        var previous: SHA256Digest = .zero
        if after > 0 {
            previous = try txn.withValue(store.layout.events, key: after.bigEndianBytes) { bytes in
                guard let bytes else { throw LedgerError.corrupted(path: store.path, detail: "event \(after) is missing") }
                return try EventCodec.split(bytes).hash
            }
        }
        var trimmer: ResidentPageTrimmer? = trimming ? ResidentPageTrimmer(environment: store.environment) : nil
        defer { trimmer?.trim() }
        var expected = after + 1
        try txn.withCursor(store.layout.events) { cursor in
            var entry = try cursor.seek(atLeast: expected.bigEndianBytes)
            while let e = entry, expected <= last {
                guard UInt64(bigEndianBytes: e.key) == expected else {
                    throw LedgerError.corrupted(path: store.path, detail: "the log has a gap before event \(expected); run `audit`")
                }
                trimmer?.saw(e.value)
                let (payload, stored) = try EventCodec.split(e.value)
                guard previous.chained(with: payload) == stored else {
                    throw LedgerError.corrupted(path: store.path, detail: "event \(expected) breaks the hash chain; run `audit`")
                }
                previous = stored
                // The common events straight from their bytes, the rest through the `Projector`
                // (which throws on an event that cannot follow the ones before it).
                if !replay.applyDirectly(payload, sequence: expected) {
                    try replay.applyGenerally(try EventCodec.decode(payload: payload), sequence: expected)
                }
                expected += 1
                entry = try cursor.next()
            }
        }
        guard expected > last else {
            throw LedgerError.corrupted(path: store.path, detail: "the log ends at \(expected - 1), before its head \(last)")
        }
    }
}
