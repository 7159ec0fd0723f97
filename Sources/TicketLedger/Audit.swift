import Dispatch
import LMDB
import Synchronization

/// One thing an audit found wrong: at which sequence, which rule, and what exactly.
public struct AuditFinding: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The event the finding is about (the head's sequence for projection findings).
    public var sequence: UInt64
    /// The rule broken, e.g. `chain`, `sequence`, `single-use`, `projection-users`.
    public var rule: String
    /// What was found; never a ticket or a secret.
    public var detail: String

    /// A finding at `sequence` of `rule`.
    public init(sequence: UInt64, rule: String, detail: String) {
        self.sequence = sequence
        self.rule = rule
        self.detail = detail
    }

    public var description: String { "\(sequence)\t\(rule)\t\(detail)" }
}

/// How far a running audit has come.
public struct AuditProgress: Sendable {
    /// Events replayed so far.
    public var events: UInt64
    /// Events in the log (the head's sequence).
    public var total: UInt64
    /// Seconds since the replay started.
    public var elapsedSeconds: Double

    /// Events replayed per second so far.
    public var eventsPerSecond: Double { elapsedSeconds > 0 ? Double(events) / elapsedSeconds : 0 }
    /// Seconds left at the rate so far.
    public var secondsLeft: Double {
        let rate = eventsPerSecond
        return rate > 0 ? Double(total > events ? total - events : 0) / rate : 0
    }
}

/// What an audit checks beyond the log itself, and where it reports progress.
public struct AuditOptions: Sendable {
    /// A head kept from earlier (`digest`): the chain at its sequence must have its hash.
    public var expectedDigest: ChainHead?
    /// Called every `progressInterval` events from the replaying thread.
    public var progress: (@Sendable (AuditProgress) -> Void)?
    /// How many events between progress reports.
    public var progressInterval: UInt64
    /// The most findings kept; the rest are only counted (a wrecked log can break every rule).
    public var maxFindings: Int

    /// Options; by default no expected digest and no progress reports.
    public init(
        expectedDigest: ChainHead? = nil, progress: (@Sendable (AuditProgress) -> Void)? = nil,
        progressInterval: UInt64 = 1 << 18, maxFindings: Int = 10_000
    ) {
        self.expectedDigest = expectedDigest
        self.progress = progress
        self.progressInterval = max(1, progressInterval)
        self.maxFindings = max(1, maxFindings)
    }
}

/// The outcome of an audit.
public struct AuditReport: Sendable, Encodable {
    /// Whether every check held.
    public var ok: Bool { findings.isEmpty && findingsOmitted == 0 }
    /// Events in the log, as far as the head `meta` records.
    public var events: UInt64
    /// The head `meta` records.
    public var head: ChainHead
    /// The chain as recomputed: the last event's sequence and recomputed hash.
    public var computedHead: ChainHead
    /// The sequence the stored users projection reflects (compared at exactly that point).
    public var usersCheckpoint: UInt64
    /// Every finding, by sequence (at most ``AuditOptions/maxFindings``).
    public var findings: [AuditFinding]
    /// Findings beyond the ones kept.
    public var findingsOmitted: Int
    /// How long the audit took.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case ok, events, head, computedHead, usersCheckpoint, findings, findingsOmitted, seconds
    }

    /// `head` and `computedHead` as `SEQ:HEX`, the form `--expect-digest` takes.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok)
        try c.encode(events, forKey: .events)
        try c.encode(head.description, forKey: .head)
        try c.encode(computedHead.description, forKey: .computedHead)
        try c.encode(usersCheckpoint, forKey: .usersCheckpoint)
        try c.encode(findings, forKey: .findings)
        try c.encode(findingsOmitted, forKey: .findingsOmitted)
        try c.encode(seconds, forKey: .seconds)
    }
}

extension ChainHead {
    /// Parses `SEQ:HEX` (a decimal sequence, a colon, 64 hexadecimal digits), as `digest` prints it.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let sequence = UInt64(parts[0]), let hash = SHA256Digest(hex: String(parts[1])) else { return nil }
        self.init(sequence: sequence, hash: hash)
    }
}

extension Transaction {
    /// Calls `body` with each entry of `db` in key order until it returns `false`.
    func forEachEntry(_ db: Database, _ body: (Entry) throws -> Bool) throws {
        try withCursor(db) { cursor in
            var entry = try cursor.first()
            while let e = entry {
                guard try body(e) else { return }
                entry = try cursor.next()
            }
        }
    }
}

/// Findings, capped.
struct FindingList {
    var items: [AuditFinding] = []
    var omitted = 0
    let limit: Int

    mutating func add(_ sequence: UInt64, _ rule: String, _ detail: @autoclosure () -> String) {
        if items.count < limit {
            items.append(AuditFinding(sequence: sequence, rule: rule, detail: detail()))
        } else {
            omitted += 1
        }
    }
}

/// The audit: a replay of the whole log into fresh in-memory projections (the same
/// ``Projector`` as the live path) plus the checks of issue 3. Reads only, in read transactions.
///
/// Two threads share the work: one recomputes the hash chain, the other decodes, applies and
/// checks the rules; each streams the log through its own cursor and keeps no events.
enum Auditor {
    static func run(_ store: StoreHandle, options: AuditOptions) throws(LedgerError) -> AuditReport {
        let started = monotonicNanoseconds()
        let channel = EventChannel()
        return try store.read { txn -> AuditReport in
            let meta = try store.meta(txn)
            let done = DispatchSemaphore(value: 0)
            var replay = CompactReplay()
            try reserveRoom(&replay, store: store, txn: txn)
            let preparer = replay.makePreparer()
            DispatchQueue.global(qos: .userInitiated).async {
                let result = Result { () throws(LedgerError) in
                    try readChainAndDecode(
                        store, through: meta.head.sequence, expect: options.expectedDigest, limit: options.maxFindings,
                        preparer: preparer, into: channel)
                }
                channel.finish(result)
                done.signal()
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
            let verified = try channel.outcome()
            if !verified.ticketsCompared {
                try compareTickets(store, txn: txn, replay: replay, at: meta.head.sequence, findings: &findings)
            }
            if let pending {
                pending.chunks.collect(into: &findings)
                try findMissingUsers(
                    store, txn: txn, replay: replay, at: pending.at, seen: pending.seen + verified.usersSeen, findings: &findings)
            }
            var all = verified.findings.items + findings.items
            all.sort { ($0.sequence, $0.rule) < ($1.sequence, $1.rule) }
            let kept = Array(all.prefix(options.maxFindings))
            return AuditReport(
                events: meta.head.sequence, head: meta.head, computedHead: verified.computedHead,
                usersCheckpoint: meta.usersSequence, findings: kept,
                findingsOmitted: verified.findings.omitted + findings.omitted + (all.count - kept.count),
                seconds: Double(monotonicNanoseconds() - started) / 1e9)
        }
    }

    /// Sizes `replay` for the projections the store holds (the replay should end the same): at
    /// most one record per 16 bytes of the map in use, whatever a damaged count says.
    static func reserveRoom(_ replay: inout CompactReplay, store: StoreHandle, txn: Transaction) throws {
        let limit = try store.environment.info().usedBytes / 16
        let tickets = try txn.count(store.layout.tickets)
        let users = try txn.statistics(store.layout.users)
        let userBytes = users.pages * users.pageSize
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
    }

    /// Records (payloads copied out of the map, and prepared) on their way from the reading
    /// thread to the replaying one: a bounded queue of batches whose buffers are reused, so
    /// memory stays flat however long the log is.
    final class EventChannel: Sendable {
        /// Payloads back to back, and each one prepared (``PreparedEvent/Kind/undecodable`` for a
        /// record the reading thread already reported) by the preparer `preparer` names.
        struct Batch: Sendable {
            var bytes: [UInt8] = []
            var events: [PreparedEvent] = []
            var preparer: UInt64 = 0
        }
        static let batchSize = 4096
        private let spare = Mutex<[Batch]>([])
        private let slots = DispatchSemaphore(value: 4)
        private let items = DispatchSemaphore(value: 0)
        private let queue = Mutex<(batches: [Batch], finished: Bool, cancelled: Bool)>(([], false, false))
        private let result = Mutex<Result<ChainResult, LedgerError>?>(nil)
        /// The replay at the head and the replaying thread's snapshot, or `nil` (see ``handOver(_:snapshot:users:)``).
        private let handed = Mutex<(replay: CompactReplay, snapshot: Int, users: (chunks: UserChunks, at: UInt64)?)?>(nil)
        private let handedOver = DispatchSemaphore(value: 0)

        /// The replaying thread is done with the log: `replay` (at the head; `nil` when it gave
        /// up) for the reading thread to compare tickets, pools and the expiry index with, when
        /// its read transaction's snapshot is `snapshot` too. Called once.
        /// With `users`, the stored users still to compare at that sequence, in chunks both
        /// threads take.
        func handOver(_ replay: CompactReplay?, snapshot: Int, users: (chunks: UserChunks, at: UInt64)? = nil) {
            handed.withLock { $0 = replay.map { ($0, snapshot, users) } }
            handedOver.signal()
        }

        /// What ``handOver(_:snapshot:users:)`` gave, once it did.
        func takeOver() -> (replay: CompactReplay, snapshot: Int, users: (chunks: UserChunks, at: UInt64)?)? {
            handedOver.wait()
            return handed.withLock { $0 }
        }

        /// The sender sent its last batch (``finish(_:)`` follows).
        func endOfEvents() {
            queue.withLock { $0.finished = true }
            items.signal()
        }

        /// Queues a batch, waiting while four are queued; `false` once the reader gave up.
        func send(_ batch: Batch) -> Bool {
            slots.wait()
            let cancelled = queue.withLock { state -> Bool in
                if !state.cancelled { state.batches.append(batch) }
                return state.cancelled
            }
            items.signal()
            return !cancelled
        }

        /// The next batch, or `nil` once the sender finished and everything was taken.
        func receive() -> Batch? {
            while true {
                items.wait()
                let next = queue.withLock { state -> (Batch?, Bool) in
                    state.batches.isEmpty ? (nil, state.finished) : (state.batches.removeFirst(), false)
                }
                if let batch = next.0 {
                    slots.signal()
                    return batch
                }
                if next.1 { return nil }
            }
        }

        /// An empty batch, reusing the buffers of one the receiver is done with.
        func emptyBatch() -> Batch {
            if let batch = spare.withLock({ $0.popLast() }) { return batch }
            var batch = Batch()
            batch.bytes.reserveCapacity(Self.batchSize * 160)
            batch.events.reserveCapacity(Self.batchSize)
            return batch
        }

        /// Hands a processed batch back for reuse.
        func recycle(_ batch: Batch) {
            var batch = batch
            batch.bytes.removeAll(keepingCapacity: true)
            batch.events.removeAll(keepingCapacity: true)
            spare.withLock { if $0.count < 8 { $0.append(batch) } }
        }

        /// The sender is done (with the chain check's outcome).
        func finish(_ outcome: Result<ChainResult, LedgerError>) {
            result.withLock { $0 = outcome }
            queue.withLock { $0.finished = true }
            items.signal()
        }

        /// The receiver gave up: the sender stops at its next batch.
        func cancel() {
            queue.withLock { $0.cancelled = true; $0.batches = [] }
            for _ in 0..<4 { slots.signal() }
        }

        func outcome() throws(LedgerError) -> ChainResult {
            guard let outcome = result.withLock({ $0 }) else {
                throw LedgerError.storage(path: "", operation: "audit", message: "the chain check did not finish")
            }
            return try outcome.get()
        }
    }

    /// Rules 1 and 4, on the reading thread: the sequence is gap-free from 1 to the head, every
    /// record's stored hash is SHA-256(previous hash ‖ payload), the chain ends at the head
    /// `meta` records, and (with `expect`) has the expected hash at its sequence. Copies each
    /// record's payload for the replaying thread, with `preparer` parsing it on the way.
    static func readChainAndDecode(
        _ store: StoreHandle, through last: UInt64, expect: ChainHead?, limit: Int, preparer: EventPreparer,
        into channel: EventChannel
    ) throws(LedgerError) -> ChainResult {
        var preparer = preparer
        var findings = FindingList(limit: limit)
        var ticketsCompared = false
        var usersSeen = 0
        let (previous, lastSeen): (SHA256Digest, UInt64) = try store.read { txn in
            let meta = try store.meta(txn)
            var trimmer = ResidentPageTrimmer(environment: store.environment)
            var previous = SHA256Digest.zero
            var expected: UInt64 = 1
            var lastSeen: UInt64 = 0
            var batch = channel.emptyBatch()
            batch.preparer = preparer.token
            var open = true
            if let expect, expect.sequence == 0, expect.hash != .zero {
                findings.add(0, "expected-digest", "the chain starts at hash 0…0, not \(expect.hash.hex)")
            }
            try txn.forEachEntry(store.layout.events) { e in
                guard let sequence = UInt64(bigEndianBytes: e.key) else {
                    findings.add(expected, "sequence", "an events key of \(e.key.count) bytes is not a sequence number")
                    return true
                }
                if sequence > last { return false }
                if sequence != expected {
                    if sequence > expected {
                        findings.add(expected, "sequence", expected == sequence - 1
                            ? "event \(expected) is missing" : "events \(expected)…\(sequence - 1) are missing")
                    } else {
                        findings.add(sequence, "sequence", "event \(sequence) is out of order (sequences start at 1)")
                    }
                }
                expected = sequence &+ 1
                lastSeen = sequence
                trimmer.saw(e.value)
                let start = batch.bytes.count
                var prepared = PreparedEvent(sequence: sequence, start: start, count: -1, kind: .undecodable)
                do {
                    let (payload, stored) = try EventCodec.split(e.value)
                    let computed = previous.chained(with: payload)
                    if computed != stored {
                        findings.add(sequence, "chain", "event \(sequence)'s stored hash is not SHA-256(previous hash ‖ record): this event or the one before it was changed, removed or moved")
                    }
                    if let expect, expect.sequence == sequence, expect.hash != computed {
                        findings.add(sequence, "expected-digest", "the chain at \(sequence) is \(computed.hex), not the expected \(expect.hash.hex)")
                    }
                    // Go on from the stored hash, so one changed event is one finding.
                    previous = stored
                    batch.bytes.append(contentsOf: payload)
                    prepared = preparer.prepare(payload, sequence: sequence, start: start)
                } catch {
                    findings.add(sequence, "decode", "\(error)")
                }
                batch.events.append(prepared)
                if batch.events.count >= EventChannel.batchSize {
                    open = channel.send(batch)
                    batch = channel.emptyBatch()
                    batch.preparer = preparer.token
                }
                return open
            }
            if open && !batch.events.isEmpty { open = channel.send(batch) }
            channel.endOfEvents()
            trimmer.trim()
            if lastSeen < last {
                findings.add(lastSeen + 1, "sequence", "the log ends at \(lastSeen), before the head \(last) that meta records")
            }
            if lastSeen == last, previous != meta.head.hash {
                findings.add(last, "head", "the chain's last hash \(previous.hex) is not the head \(meta.head.hash.hex) that meta records")
            }
            if let expect, expect.sequence > lastSeen {
                findings.add(expect.sequence, "expected-digest", "the log holds \(lastSeen) events; the expected digest is at \(expect.sequence)")
            }
            // The stored tickets, pools and expiry index against the replay at the head, here
            // while the replaying thread compares the users — when both read the same snapshot.
            if open, let (replay, snapshot, users) = channel.takeOver(), snapshot == txn.snapshotID {
                try compareTickets(store, txn: txn, replay: replay, at: last, findings: &findings)
                ticketsCompared = true
                // Then the users the replaying thread has not taken yet.
                if let users {
                    usersSeen = try compareUsers(store, txn: txn, replay: replay, at: users.at, chunks: users.chunks)
                }
            }
            return (previous, lastSeen)
        }
        return ChainResult(
            findings: findings, computedHead: ChainHead(sequence: lastSeen, hash: previous), ticketsCompared: ticketsCompared,
            usersSeen: usersSeen)
    }

    /// How many records the replaying thread reads ahead (see ``CompactReplay/touch(_:)``).
    static let touchAhead = 32

    /// Rules 2 and 3, on the calling thread: replays the decoded events into fresh projections,
    /// checking the rules the log can prove, and compares the stored users with the replayed
    /// ones at the users checkpoint; then hands the replay to the reading thread, which
    /// compares the rest at the head meanwhile (``Auditor/run(_:options:)`` does when it cannot).
    static func replayAndCheck(
        _ store: StoreHandle, txn: Transaction, meta: StoreMeta, options: AuditOptions, started: UInt64,
        channel: EventChannel, replay: inout CompactReplay, findings: inout FindingList
    ) throws -> PendingUsers? {
        var usersCompared = false
        let checkpoint = meta.usersSequence
        if checkpoint == 0 {
            try compareUsers(store, txn: txn, replay: replay, at: 0, findings: &findings)
            usersCompared = true
        }
        var count: UInt64 = 0
        let interval = options.progressInterval
        var sink: UInt64 = 0
        while let batch = channel.receive() {
            replay.usePoolNumbers(of: batch.preparer)
            for (k, e) in batch.events.enumerated() {
                let sequence = e.sequence
                // Every `touchAhead` records, read ahead the memory of the next ones.
                if k % touchAhead == 0 {
                    sink &+= batch.bytes.withUnsafeBytes { bytes in
                        replay.touch(batch.events[k..<min(k + touchAhead, batch.events.count)], in: bytes)
                    }
                }
                if !usersCompared && sequence > checkpoint {
                    try compareUsers(store, txn: txn, replay: replay, at: checkpoint, findings: &findings)
                    usersCompared = true
                }
                count += 1
                if count % interval == 0, let progress = options.progress {
                    progress(AuditProgress(
                        events: count, total: meta.head.sequence, elapsedSeconds: Double(monotonicNanoseconds() - started) / 1e9))
                }
                guard e.kind != .undecodable, e.start >= 0, e.count >= 0, e.start + e.count <= batch.bytes.count else {
                    continue  // reported as `decode` by the reading thread
                }
                // The common events straight from their prepared form; anything else (or
                // anything unusual) decoded, checked and applied through the `Projector`.
                let direct = batch.bytes.withUnsafeBytes { bytes in replay.applyPrepared(e, in: bytes) }
                if !direct {
                    try applyDecoded(
                        batch.bytes[e.start..<(e.start + e.count)], sequence: sequence, replay: &replay, store: store, txn: txn,
                        findings: &findings)
                }
                // At the head (the usual checkpoint after a clean close) the users are compared
                // after the hand-over below, while the reading thread compares the tickets: the
                // reading thread stops at the head, so the replay is the same then.
                if sequence == checkpoint && !usersCompared && checkpoint != meta.head.sequence {
                    try compareUsers(store, txn: txn, replay: replay, at: sequence, findings: &findings)
                    usersCompared = true
                }
            }
            channel.recycle(batch)
        }
        replay.touchSink = sink
        var pending: PendingUsers?
        if usersCompared {
            channel.handOver(replay, snapshot: txn.snapshotID)
        } else {
            // The users at the head: in chunks, with the reading thread once it compared the
            // tickets; ``Auditor/run(_:options:)`` adds up what both saw.
            let chunks = UserChunks(replay, limit: options.maxFindings)
            channel.handOver(replay, snapshot: txn.snapshotID, users: (chunks, checkpoint))
            let seen = try compareUsers(store, txn: txn, replay: replay, at: checkpoint, chunks: chunks)
            pending = PendingUsers(at: checkpoint, seen: seen, chunks: chunks)
        }
        // Events stored past the head `meta` records (the reading thread stops at the head).
        let beyond = try txn.withCursor(store.layout.events) { cursor in try cursor.last().flatMap { UInt64(bigEndianBytes: $0.key) } }
        if let beyond, beyond > meta.head.sequence {
            findings.add(meta.head.sequence + 1, "head", "the log holds events up to \(beyond), after the head \(meta.head.sequence) that meta records")
        }
        return pending
    }

    /// The users compared in chunks at `at`, `seen` of them by the replaying thread: their
    /// findings and the check for missing ones wait for the reading thread.
    struct PendingUsers {
        var at: UInt64
        var seen: Int
        var chunks: UserChunks
    }

    /// Decodes a record, checks the rules on it and applies it through the ``Projector``.
    static func applyDecoded(
        _ record: ArraySlice<UInt8>, sequence: UInt64, replay: inout CompactReplay, store: StoreHandle, txn: Transaction,
        findings: inout FindingList
    ) throws {
        let decoded = record.withUnsafeBytes { payload in Result { () throws(DecodingFailure) in try EventCodec.decode(payload: payload) } }
        let event: LedgerEvent
        switch decoded {
        case .success(let e): event = e
        case .failure(let error):
            findings.add(sequence, "decode", "\(error)")
            return
        }
        replay.checkRules(event, sequence: sequence, findings: &findings)
        do {
            try replay.applyGenerally(event, sequence: sequence)
        } catch let inconsistent as InconsistentEvent {
            findings.add(sequence, inconsistent.rule, inconsistent.detail)
            if inconsistent.rule == "consume-without-issue", case .ticketConsumed(let c) = event {
                refineConsumeWithoutIssue(store, txn: txn, locator: c.locator, sequence: sequence, findings: &findings)
            }
        }
    }

    /// The rules the projector does not enforce, checked against the state before `event`.
    static func checkRules(_ event: LedgerEvent, sequence: UInt64, replay: some TicketProjections, findings: inout FindingList) {
        switch event {
        case .poolConfigured(let e):
            if e.policy.secretRequired && e.secret == nil {
                findings.add(sequence, "secret-policy", "pool '\(e.pool)' requires a secret but was configured without one")
            }
        case .ticketIssued(let e):
            guard let pool = (try? replay.pool(e.pool)) ?? nil else {
                findings.add(sequence, "issue-unconfigured-pool", "a ticket was issued in pool '\(e.pool)', which was never configured")
                return
            }
            if e.expiresAt != e.at.advanced(by: pool.policy.ticketLifetime) {
                findings.add(sequence, "issue-lifetime", "ticket \(TicketLocator(sequence: sequence)) expires at \(e.expiresAt), not issue time + the pool's lifetime")
            }
        case .ticketConsumed(let e):
            if let pool = (try? replay.pool(e.pool)) ?? nil {
                if pool.policy.secretRequired && pool.secret == nil {
                    findings.add(sequence, "secret-required", "ticket \(e.locator) was consumed in pool '\(e.pool)', which required a secret but had none to check against")
                }
            } else {
                findings.add(sequence, "unconfigured-pool", "ticket \(e.locator) was consumed in pool '\(e.pool)', which was never configured")
            }
            if let ticket = (try? replay.ticket(e.locator)) ?? nil, ticket.status == .issued, e.at >= ticket.expiresAt {
                findings.add(sequence, "consume-after-expiry", "ticket \(e.locator) was consumed at \(e.at), at or after its expiry \(ticket.expiresAt)")
            }
        case .ticketExpired(let e):
            if let ticket = (try? replay.ticket(e.locator)) ?? nil {
                if e.at < ticket.expiresAt {
                    findings.add(sequence, "expire-before-expiry", "ticket \(e.locator) was expired at \(e.at), before its expiry \(ticket.expiresAt)")
                }
                if ticket.pool != e.pool {
                    findings.add(sequence, "same-pool", "ticket \(e.locator) of pool '\(ticket.pool)' expired in pool '\(e.pool)'")
                }
            }
        case .redemptionRejected, .ticketsPurged:
            break
        }
    }

    /// A consume of a ticket the projection no longer holds: when the log shows it was issued
    /// (and so was consumed or expired, then purged), that is a second use.
    static func refineConsumeWithoutIssue(
        _ store: StoreHandle, txn: Transaction, locator: TicketLocator, sequence: UInt64, findings: inout FindingList
    ) {
        guard locator.sequence < sequence else { return }
        let issued = (try? txn.withValue(store.layout.events, key: locator.sequence.bigEndianBytes) { bytes -> Bool in
            guard let bytes, let (payload, _) = try? EventCodec.split(bytes),
                  case .ticketIssued? = try? EventCodec.decode(payload: payload) else { return false }
            return true
        }) ?? false
        if issued {
            findings.add(sequence, "single-use", "ticket \(locator) was issued at \(locator.sequence), used up and purged before this consume")
        }
    }

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
        guard seen != replay.userCount else { return }
        for key in replay.existingUserKeys.sorted() {
            let present = try txn.withValue(store.layout.users, key: key.bytes) { $0 != nil }
            if !present {
                findings.add(sequence, "projection-users", "user '\(key.user)' of pool '\(key.pool)' is missing from the stored projection at the checkpoint \(sequence)")
            }
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

    static func compareTickets(_ store: StoreHandle, txn: Transaction, replay: CompactReplay, at head: UInt64, findings: inout FindingList) throws {
        // tickets
        var seen = 0
        var trimmer = ResidentPageTrimmer(environment: store.environment, blocksPerTrim: ResidentPageTrimmer.blocksPerScatteredTrim)
        defer { trimmer.trim() }
        try txn.forEachEntry(store.layout.tickets) { e in
            trimmer.saw(e.value)
            guard let sequence = UInt64(bigEndianBytes: e.key) else {
                findings.add(head, "projection-tickets", "a tickets key is not 8 bytes")
                return true
            }
            if replay.ticketRecordMatches(sequence, e.value) {
                seen += 1
                return true
            }
            let locator = TicketLocator(sequence: sequence)
            // Only a ticket the replay has counts as seen (an extra one must not hide a missing one).
            let rebuilt = try replay.ticket(locator)
            if rebuilt != nil { seen += 1 }
            let stored: TicketState
            do {
                stored = try TicketState(decoding: e.value)
            } catch {
                findings.add(head, "projection-tickets", "ticket \(locator): \(error)")
                return true
            }
            guard let rebuilt else {
                findings.add(head, "projection-tickets", "ticket \(locator) is stored but the replay has no such ticket")
                return true
            }
            let fields = differingFields(stored, rebuilt)
            if !fields.isEmpty {
                findings.add(head, "projection-tickets", "ticket \(locator) differs from the replay in \(fields.joined(separator: ", "))")
            }
            return true
        }
        if seen != replay.tickets.count {
            var locators: [UInt64] = []
            replay.tickets.forEach { locators.append($0.locator) }
            for sequence in locators.sorted() where try txn.withValue(store.layout.tickets, key: sequence.bigEndianBytes, { $0 == nil }) {
                findings.add(head, "projection-tickets", "ticket \(TicketLocator(sequence: sequence)) is missing from the stored projection")
            }
        }
        // pools
        var poolsSeen = 0
        try txn.forEachEntry(store.layout.pools) { e in
            let id = PoolID(unchecked: String(decoding: e.key, as: UTF8.self))
            let rebuilt = try replay.pool(id)
            if rebuilt != nil { poolsSeen += 1 }  // an extra pool must not hide a missing one
            let stored: PoolState
            do {
                stored = try PoolState(decoding: e.value)
            } catch {
                findings.add(head, "projection-pools", "pool '\(id)': \(error)")
                return true
            }
            guard let rebuilt else {
                findings.add(head, "projection-pools", "pool '\(id)' is stored but was never configured")
                return true
            }
            var fields: [String] = []
            if stored.policy != rebuilt.policy { fields.append("policy") }
            if stored.secret != rebuilt.secret { fields.append("secret digest") }
            if stored.configuredAt != rebuilt.configuredAt { fields.append("configuredAt") }
            if !fields.isEmpty {
                findings.add(head, "projection-pools", "pool '\(id)' differs from the replay in \(fields.joined(separator: ", "))")
            }
            return true
        }
        let configured = replay.configuredPools
        if poolsSeen != configured.count {
            for id in configured.sorted() where try txn.withValue(store.layout.pools, key: Array(id.rawValue.utf8), { $0 == nil }) {
                findings.add(head, "projection-pools", "pool '\(id)' is missing from the stored projection")
            }
        }
        // the expiry index
        var dueSeen = 0
        try txn.forEachEntry(store.layout.due) { e in
            guard e.key.count == 16,
                  let expires = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: e.key[0..<8])),
                  let sequence = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: e.key[8..<16]))
            else {
                findings.add(head, "projection-due", "an expiry index key is not 16 bytes")
                return true
            }
            let due = DueEntry(expiresAt: Int64(bitPattern: expires), locator: sequence)
            if replay.isDue(due) {
                dueSeen += 1  // an extra entry must not hide a missing one
            } else {
                findings.add(head, "projection-due", "the expiry index lists ticket \(TicketLocator(sequence: sequence)) at \(Timestamp(millisecondsSince1970: due.expiresAt)), which the replay has not due")
            }
            return true
        }
        if dueSeen != replay.issuedCount {
            let missing = replay.dueEntries
            for due in missing where try txn.withValue(store.layout.due, key: due.key, { $0 == nil }) {
                findings.add(head, "projection-due", "ticket \(TicketLocator(sequence: due.locator)) is missing from the expiry index")
            }
        }
    }

    static func differingFields(_ a: UserState, _ b: UserState) -> [String] {
        var out: [String] = []
        if a.profile != b.profile { out.append("profile") }
        if a.signedUp != b.signedUp { out.append("signedUp") }
        if a.loginsCount != b.loginsCount { out.append("loginsCount (\(a.loginsCount) stored, \(b.loginsCount) replayed)") }
        if a.lastLogin != b.lastLogin { out.append("lastLogin") }
        if a.lastIP != b.lastIP { out.append("lastIP") }
        return out
    }

    static func differingFields(_ a: TicketState, _ b: TicketState) -> [String] {
        var out: [String] = []
        if a.status != b.status { out.append("status (\(a.status.rawValue) stored, \(b.status.rawValue) replayed)") }
        if a.pool != b.pool { out.append("pool") }
        if a.user != b.user { out.append("user") }
        if a.issuedAt != b.issuedAt { out.append("issuedAt") }
        if a.expiresAt != b.expiresAt { out.append("expiresAt") }
        if a.consumedAt != b.consumedAt { out.append("consumedAt") }
        if a.expiredAt != b.expiredAt { out.append("expiredAt") }
        if a.ip != b.ip { out.append("ip") }
        if a.verifierDigest != b.verifierDigest { out.append("verifier digest") }
        return out
    }
}
