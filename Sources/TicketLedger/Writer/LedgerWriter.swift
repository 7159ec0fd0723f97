import Dispatch
import Logging
import Metrics
import Synchronization
import Tracing

/// Runs batches: the writer thread's loop, and the one place write transactions are made.
/// It reaches storage only through `Store` (``LedgerStore``).
final class LedgerWriter<Store: LedgerStore>: Sendable {
    let store: Store
    var path: String { store.path }
    let clock: any LedgerClock
    let logger: Logger
    let users: UsersView
    let maxBatch: Int
    /// Whether callers are woken by an acknowledger thread (commits without fsync) or by the writer.
    let handsOffAcknowledgements: Bool
    let checkpointPolicy: CheckpointPolicy
    /// How long the tokens of a consume live (a reuse revokes them until then).
    let tokenLifetime: Duration
    let faultInjector: (@Sendable () throws -> Void)?
    let metrics: LedgerMetrics
    /// The users' keys redemption answers are opened with (filled by the batches that issue).
    let personalKeys = PersonalKeyCache()
    private let batches = Atomic<Int>(0)
    private let commands = Atomic<Int>(0)

    func statistics() -> WriteStatistics {
        WriteStatistics(batches: batches.load(ordering: .relaxed), commands: commands.load(ordering: .relaxed))
    }

    init(
        store: Store, clock: any LedgerClock,
        logger: Logger, maxBatch: Int, checkpointPolicy: CheckpointPolicy, tokenLifetime: Duration = Rules.defaultTokenLifetime,
        faultInjector: (@Sendable () throws -> Void)? = nil
    ) {
        self.tokenLifetime = tokenLifetime
        self.store = store
        self.clock = clock
        self.logger = logger
        self.users = UsersView(path: store.path)
        self.maxBatch = maxBatch
        self.handsOffAcknowledgements = !store.commitsWaitForDisk
        self.checkpointPolicy = checkpointPolicy
        self.faultInjector = faultInjector
        self.metrics = LedgerMetrics()
    }

    /// Takes every waiting command, runs them in one transaction, answers them; until stopped.
    ///
    /// Who wakes the callers depends on what a commit costs. When commits wait for fsync, the
    /// writer wakes them itself: while it does, the callers it woke first queue their next
    /// commands, so the next batch holds nearly every caller (measured with 64 callers under
    /// load: mean batch 50 instead of 30, about 1.5× the redemptions/s). Without fsync the
    /// writer is CPU-bound, and waking is handed to an acknowledger thread so that the next
    /// batch starts at once (64 callers, durability `none`: about 50,000 → 62,000/s).
    func writerLoop(_ queue: CommandQueue) {
        let acknowledger = handsOffAcknowledgements ? DispatchQueue(label: "TicketLedger.acknowledger", qos: .userInteractive) : nil
        while let batch = queue.take(limit: maxBatch) {
            let results: [Result<Reply, LedgerError>]
            do {
                results = try runBatch(batch.map(\.command))
            } catch {
                results = Array(repeating: .failure(error), count: batch.count)
            }
            if let acknowledger {
                acknowledger.async {
                    for (pending, result) in zip(batch, results) { pending.sink.deliver(result) }
                }
            } else {
                for (pending, result) in zip(batch, results) { pending.sink.deliver(result) }
            }
        }
        acknowledger?.sync {}  // every caller answered before the writer reports it is done
    }

    /// Runs `commands` in one write transaction and commits it (durably, by default).
    /// A command the rules refuse fails alone; a store failure fails them all, with nothing applied.
    func runBatch(_ commands: [Command], forceCheckpoint: Bool = false) throws(LedgerError) -> [Result<Reply, LedgerError>] {
        let started = monotonicNanoseconds()
        // A span per batch (a no-op unless the app bootstraps a tracer): its size, and the
        // error when the store failed it.
        let span = startSpan("ticket_ledger.batch", ofKind: .internal)
        span.attributes["ticket_ledger.batch.size"] = commands.count
        defer { span.end() }
        var changes: [UserKey: UserState] = [:]
        var range: (start: UInt64, end: UInt64) = (0, 0)
        var checkpointed = false
        let results: [Result<Reply, LedgerError>]
        var usedKeys: [(UserKey, PersonalKey)] = []
        do {
            let ahead = store.readsAhead ? WriteBatch<Store.Batch>.readAhead(for: commands) : nil
            results = try store.write(readingAhead: ahead) { transaction in
                var batch = try WriteBatch(
                    store: transaction, path: path, clock: clock, cipher: store.locatorCipher, usersView: users,
                    expectedChanges: commands.count)
                batch.tokenLifetime = tokenLifetime
                var results: [Result<Reply, LedgerError>] = []
                results.reserveCapacity(commands.count)
                for command in commands { results.append(try batch.run(command)) }
                usedKeys = batch.usedKeys
                if forceCheckpoint || batch.checkpointDue(checkpointPolicy) { try batch.checkpointUsers() }
                try batch.finish()
                if !commands.isEmpty { try faultInjector?() }
                changes = batch.users.changes
                range = (batch.startSequence, batch.head.sequence)
                checkpointed = batch.checkpointed
                return results
            }
        } catch let failure {
            logger.warning("write batch failed; none of it was applied", metadata: [
                "error": "\(failure)", "commands": "\(commands.count)",
            ])
            metrics.failedBatches.increment()
            span.recordError(failure)
            throw failure
        }
        users.commit(changes, from: range.start, to: range.end, checkpointed: checkpointed, cachedUsers: checkpointPolicy.cachedUsers)
        if !usedKeys.isEmpty { personalKeys.remember(usedKeys) }
        if !commands.isEmpty {
            batches.add(1, ordering: .relaxed)
            self.commands.add(commands.count, ordering: .relaxed)
        }
        metrics.record(batchOf: commands.count, results: results, nanoseconds: monotonicNanoseconds() - started)
        if checkpointed { logger.debug("users projection checkpointed", metadata: ["sequence": "\(range.end)"]) }
        return results
    }

    /// The user as every acknowledged event left them (the users overlay over the store).
    func user(_ key: UserKey) throws(LedgerError) -> UserState? {
        try store.read { snapshot in try users.user(key, in: snapshot) }
    }

    /// `user`'s personal-data key, or `nil` when there is none (see ``StoreSnapshot/personalKey(for:)``).
    func personalKey(for user: UserKey) throws(LedgerError) -> PersonalKey? {
        try store.read { snapshot in try snapshot.personalKey(for: user) }
    }

    /// Checkpoints the users projection (when asked) and closes the store.
    func shutDown(checkpoint: Bool) {
        if checkpoint {
            do {
                _ = try runBatch([], forceCheckpoint: true)
            } catch {
                logger.warning("could not checkpoint the users projection on close; it will be replayed on open", metadata: ["error": "\(error)"])
            }
        }
        store.close()
    }
}
