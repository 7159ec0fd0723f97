import Dispatch
import LMDB
import Synchronization

/// The audit: a replay of the whole log into fresh in-memory projections (the same
/// ``Projector`` as the live path) plus the checks of issue 3. Reads only, in read transactions.
///
/// Three threads share the work, in a pipeline of batches: one reads the log (the sequence,
/// a copy of each payload, prepared), one recomputes the hash chain, one applies the events
/// and checks the rules; the reading and replaying threads each have a read transaction of
/// their own, and no thread keeps events past its batch.
enum Auditor {
    static func run(_ store: StoreHandle, options: AuditOptions) throws(LedgerError) -> AuditReport {
        let started = monotonicNanoseconds()
        // Two batches queued before each of the hashing and replaying threads: seven batches
        // alive at most (of 2,048 records; six of 4,096 when the reading thread hashed), so
        // the peak memory stays where it was.
        let channel = EventChannel(capacity: 2)
        let hashing = EventChannel(capacity: 2)
        return try store.read { txn -> AuditReport in
            let meta = try store.meta(txn)
            let done = DispatchSemaphore(value: 0)
            let hashed = DispatchSemaphore(value: 0)
            let hashFindings = Mutex<FindingList?>(nil)
            var replay = CompactReplay()
            try reserveRoom(&replay, store: store, txn: txn)
            let preparer = replay.makePreparer()
            DispatchQueue.global(qos: .userInitiated).async {
                let result = Result { () throws(LedgerError) in
                    try readChainAndDecode(
                        store, through: meta.head.sequence, expect: options.expectedDigest, limit: options.maxFindings,
                        preparer: preparer, hashing: hashing, into: channel)
                }
                // The hashing thread ends too (at once, if the reading failed), before the
                // replaying thread hears that the reading is over.
                hashing.endOfEvents()
                hashed.wait()
                channel.finish(result)
                done.signal()
            }
            // A thread of its own, not a Dispatch worker: the reading thread waits for it, and
            // Dispatch's pool may hold no other thread free for it (the calling thread may be one).
            let hashChainThread: @Sendable () -> Void = {
                let found = hashChain(expect: options.expectedDigest, limit: options.maxFindings, from: hashing, to: channel)
                hashFindings.withLock { $0 = found }
                hashed.signal()
            }
            if POSIX.startThread(named: "audit-hashing", hashChainThread) != 0 {
                DispatchQueue.global(qos: .userInitiated).async(execute: hashChainThread)
            }
            var findings = FindingList(limit: options.maxFindings)
            let pending: PendingUsers?
            do {
                pending = try replayAndCheck(
                    store, txn: txn, meta: meta, options: options, started: started, channel: channel, replay: &replay,
                    findings: &findings)
            } catch {
                channel.cancel()
                channel.handOver(nil, snapshot: 0)
                done.wait()
                throw error
            }
            done.wait()
            let chainHashes = hashFindings.withLock { $0 } ?? FindingList(limit: options.maxFindings)
            let verified = try channel.outcome()
            var unsummarised = verified.unsummarisedRefusals
            if !verified.ticketsCompared {
                unsummarised = try compareTickets(store, txn: txn, replay: replay, at: meta.head.sequence, findings: &findings)
            }
            if let pending {
                pending.chunks.collect(into: &findings)
                try findMissingUsers(
                    store, txn: txn, replay: replay, at: pending.at, seen: pending.seen + verified.usersSeen, findings: &findings)
            }
            var all = verified.findings.items + chainHashes.items + findings.items
            all.sort { ($0.sequence, $0.rule) < ($1.sequence, $1.rule) }
            let kept = Array(all.prefix(options.maxFindings))
            return AuditReport(
                events: meta.head.sequence, head: meta.head, computedHead: verified.computedHead,
                usersCheckpoint: meta.usersSequence,
                refusals: RefusalTally(
                    logged: replay.refusalEvents, summarised: replay.refusalsSummarised, unsummarised: unsummarised),
                findings: kept,
                findingsOmitted: verified.findings.omitted + chainHashes.omitted + findings.omitted + (all.count - kept.count),
                seconds: Double(monotonicNanoseconds() - started) / 1e9)
        }
    }

    /// Sizes `replay` for the projections the store holds (the replay should end the same): at
    /// most one record per 16 bytes of the map in use, whatever a damaged count says.
    static func reserveRoom(_ replay: inout CompactReplay, store: StoreHandle, txn: Transaction) throws {
        let limit = try store.environment.info().usedBytes / 16
        let tickets = try txn.count(store.layout.tickets)
        let users = try txn.statistics(store.layout.users)
        let userBytes = users.bytes
        replay.reserve(tickets: min(tickets, limit), users: min(users.entries, limit), profileBytes: min(userBytes, limit))
    }

    struct ChainResult: Sendable {
        var findings: FindingList
        var computedHead: ChainHead
        /// Whether the reading thread compared the tickets, pools and expiry index (its
        /// findings then include theirs).
        var ticketsCompared = false
        /// Stored users the reading thread compared (chunks of ``UserChunks``).
        var usersSeen = 0
        /// The refusals the stored tickets count but the log has not summarised yet (when
        /// the reading thread compared the tickets).
        var unsummarisedRefusals: UInt64 = 0
    }
}
