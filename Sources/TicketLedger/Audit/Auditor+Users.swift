import LMDB
import Synchronization

extension Auditor {
    // MARK: - Projections, field by field

    /// Compares the whole stored users projection with the replay at `sequence`.
    static func compareUsers(_ store: StoreHandle, txn: Transaction, replay: CompactReplay, at sequence: UInt64, findings: inout FindingList) throws {
        let seen = try compareUsers(store, txn: txn, replay: replay, at: sequence, from: nil, to: nil, findings: &findings)
        try findMissingUsers(store, txn: txn, replay: replay, at: sequence, seen: seen, findings: &findings)
    }

    /// Compares the chunks of the stored users that `chunks` hands out (the other thread may
    /// take some too), leaving each chunk's findings with `chunks`; returns how many stored
    /// users it saw.
    static func compareUsers(
        _ store: StoreHandle, txn: Transaction, replay: CompactReplay, at sequence: UInt64, chunks: UserChunks
    ) throws -> Int {
        var seen = 0
        while let (k, from, to) = chunks.take() {
            var findings = FindingList(limit: chunks.limit)
            seen += try compareUsers(store, txn: txn, replay: replay, at: sequence, from: from, to: to, findings: &findings)
            chunks.deposit(findings, of: k)
        }
        return seen
    }

    /// When fewer stored users were seen than the replay has, the ones missing are findings.
    static func findMissingUsers(
        _ store: StoreHandle, txn: Transaction, replay: CompactReplay, at sequence: UInt64, seen: Int, findings: inout FindingList
    ) throws {
        try findMissingUsers(LMDBScan(store, txn: txn), replay: replay, at: sequence, seen: seen, findings: &findings)
    }

    /// The same for any store read through `scan`.
    static func findMissingUsers(
        _ scan: some StoreScan, replay: CompactReplay, at sequence: UInt64, seen: Int, findings: inout FindingList
    ) throws {
        guard seen != replay.userCount else { return }
        for key in replay.existingUserKeys.sorted() where try !scan.hasStoredUser(key) {
            findings.add(sequence, "projection-users", "user '\(key.user)' of pool '\(key.pool)' is missing from the stored projection at the checkpoint \(sequence)")
        }
    }

    /// Compares the stored users keyed from `from` (the first when `nil`) up to, not including,
    /// `to` (the last when `nil`) with the replay at `sequence`; returns how many it saw.
    static func compareUsers(
        _ store: StoreHandle, txn: Transaction, replay: CompactReplay, at sequence: UInt64, from: [UInt8]?, to: [UInt8]?,
        findings: inout FindingList
    ) throws -> Int {
        var replay = replay
        var seen = 0
        var trimmer = ResidentPageTrimmer(environment: store.environment, blocksPerTrim: ResidentPageTrimmer.blocksPerScatteredTrim)
        defer { trimmer.trim() }
        // Entries in runs of `touchAhead` (their bytes stay mapped for the transaction): the
        // replayed users they name are read ahead first, so the cache misses overlap. The
        // replay goes `inout` to plain functions: a local function capturing it copied the
        // whole replay (retaining every buffer) for each user.
        var run: [(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)] = []
        run.reserveCapacity(touchAhead)
        var sink: UInt64 = 0
        try txn.withCursor(store.layout.users) { cursor in
            var entry = try from.map { try cursor.seek(atLeast: $0) } ?? cursor.first()
            while let e = entry {
                if let to, !e.key.lexicographicallyPrecedes(to) { break }
                trimmer.saw(e.value)
                run.append((e.key, e.value))
                if run.count >= touchAhead {
                    try compareUserRun(&run, replay: &replay, at: sequence, seen: &seen, sink: &sink, findings: &findings)
                }
                entry = try cursor.next()
            }
        }
        try compareUserRun(&run, replay: &replay, at: sequence, seen: &seen, sink: &sink, findings: &findings)
        replay.touchSink = sink
        return seen
    }

    /// Compares a run of stored users (read ahead first) and empties it.
    static func compareUserRun(
        _ run: inout [(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)], replay: inout CompactReplay,
        at sequence: UInt64, seen: inout Int, sink: inout UInt64, findings: inout FindingList
    ) throws {
        sink &+= replay.touchStoredUsers(run[...])
        for (key, value) in run {
            try compareUser(key, value, replay: &replay, at: sequence, seen: &seen, findings: &findings)
        }
        run.removeAll(keepingCapacity: true)
    }

    /// Compares one stored user (key and record bytes) with the replay at `sequence`.
    static func compareUser(
        _ keyBytes: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, replay: inout CompactReplay, at sequence: UInt64,
        seen: inout Int, findings: inout FindingList
    ) throws {
        if replay.userRecordMatches(keyBytes: keyBytes, value) {
            seen += 1
            return
        }
        guard let key = UserKey(bytes: keyBytes) else {
            findings.add(sequence, "projection-users", "a users key is not pool ‖ 0 ‖ user")
            return
        }
        // Looking up a non-ASCII id is quick once every user is in the dictionary.
        if !key.user.rawValue.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { replay.indexAllUsers() }
        if replay.userRecordMatches(key, value) {
            seen += 1
            return
        }
        let name = "user '\(key.user)' of pool '\(key.pool)'"
        // Only a user the replay has counts as seen: an extra one must not stand in for a missing one.
        let rebuilt = try replay.user(key)
        if rebuilt != nil { seen += 1 }
        let stored: UserState
        do {
            stored = try UserState(decoding: value)
        } catch {
            findings.add(sequence, "projection-users", "\(name): \(error)")
            return
        }
        guard let rebuilt else {
            findings.add(sequence, "projection-users", "\(name) is stored but no event up to \(sequence) made them")
            return
        }
        let fields = differingFields(stored, rebuilt)
        if !fields.isEmpty {
            findings.add(sequence, "projection-users", "\(name) differs from the replay at the checkpoint \(sequence) in \(fields.joined(separator: ", "))")
        }
    }

    /// The stored users split by key into chunks, handed out one at a time to whichever thread
    /// asks (at the head both threads compare users once the reading thread is done with the
    /// tickets). The bounds are keys of replayed users, sampled and sorted: any keys would do,
    /// as every stored key falls in exactly one chunk. Each chunk's findings are kept apart, so
    /// that they read in key order as a single scan's did, whichever thread found them.
    final class UserChunks: Sendable {
        private let bounds: [[UInt8]]
        private let next = Atomic<Int>(0)
        private let results: Mutex<[FindingList?]>
        /// The most findings kept per chunk.
        let limit: Int

        /// Chunks of about equal numbers of `replay`'s users.
        init(_ replay: CompactReplay, limit: Int, chunks: Int = 32) {
            let keys = replay.userKeys
            let samples = chunks * 8
            let step = max(1, keys.count / samples)
            var sample = stride(from: 0, to: keys.count, by: step).map { keys[$0].bytes }
            sample.sort { $0.lexicographicallyPrecedes($1) }
            var bounds: [[UInt8]] = []
            for i in stride(from: 8, to: sample.count, by: 8) where bounds.last != sample[i] { bounds.append(sample[i]) }
            self.bounds = bounds
            self.limit = limit
            self.results = Mutex(Array(repeating: nil, count: bounds.count + 1))
        }

        /// The next chunk: its number, first key and the key past its end (`nil`: open), or
        /// `nil` when all were handed out.
        func take() -> (Int, [UInt8]?, [UInt8]?)? {
            let k = next.add(1, ordering: .relaxed).oldValue
            guard k <= bounds.count else { return nil }
            return (k, k == 0 ? nil : bounds[k - 1], k == bounds.count ? nil : bounds[k])
        }

        /// Chunk `k`'s findings.
        func deposit(_ findings: FindingList, of k: Int) {
            results.withLock { $0[k] = findings }
        }

        /// Appends every chunk's findings, in key order, to `findings`.
        func collect(into findings: inout FindingList) {
            for list in results.withLock({ $0 }) {
                guard let list else { continue }
                for f in list.items { findings.add(f.sequence, f.rule, f.detail) }
                findings.omitted += list.omitted
            }
        }
    }
}
