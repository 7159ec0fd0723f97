import LMDB

extension Auditor {
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
                        batch.bytes[e.start..<(e.start + e.count)], sequence: sequence, replay: &replay,
                        scan: LMDBScan(store, txn: txn), findings: &findings)
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
        _ record: ArraySlice<UInt8>, sequence: UInt64, replay: inout CompactReplay, scan: some StoreScan,
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
                refineConsumeWithoutIssue(scan, locator: c.locator, sequence: sequence, findings: &findings)
            }
        }
    }

    /// The rules the projector does not enforce, checked against the state before `event`.
    static func checkRules(_ event: LedgerEvent, sequence: UInt64, replay: some TicketProjections, findings: inout FindingList) {
        switch event {
        case .poolConfigured(let e):
            if !Rules.hasSecretItNeeds(secretRequired: e.policy.secretRequired, hasSecret: e.secret != nil) {
                findings.add(sequence, "secret-policy", "pool '\(e.pool)' requires a secret but was configured without one")
            }
        case .ticketIssued(let e):
            guard let pool = (try? replay.pool(e.pool)) ?? nil else {
                findings.add(sequence, "issue-unconfigured-pool", "a ticket was issued in pool '\(e.pool)', which was never configured")
                return
            }
            if e.expiresAt != Rules.expiry(issuedAt: e.at, lifetime: pool.policy.ticketLifetime) {
                findings.add(sequence, "issue-lifetime", "ticket \(TicketLocator(sequence: sequence)) expires at \(e.expiresAt), not issue time + the pool's lifetime")
            }
        case .ticketConsumed(let e):
            if let pool = (try? replay.pool(e.pool)) ?? nil {
                if !Rules.hasSecretItNeeds(secretRequired: pool.policy.secretRequired, hasSecret: pool.secret != nil) {
                    findings.add(sequence, "secret-required", "ticket \(e.locator) was consumed in pool '\(e.pool)', which required a secret but had none to check against")
                }
            } else {
                findings.add(sequence, "unconfigured-pool", "ticket \(e.locator) was consumed in pool '\(e.pool)', which was never configured")
            }
            if let ticket = (try? replay.ticket(e.locator)) ?? nil, Rules.isLive(ticket.status), !Rules.isBeforeExpiry(e.at, expiresAt: ticket.expiresAt) {
                findings.add(sequence, "consume-after-expiry", "ticket \(e.locator) was consumed at \(e.at), at or after its expiry \(ticket.expiresAt)")
            }
        case .ticketExpired(let e):
            if let ticket = (try? replay.ticket(e.locator)) ?? nil {
                if !Rules.isDue(e.at, expiresAt: ticket.expiresAt) {
                    findings.add(sequence, "expire-before-expiry", "ticket \(e.locator) was expired at \(e.at), before its expiry \(ticket.expiresAt)")
                }
                if !Rules.isSamePool(ticket.pool, e.pool) {
                    findings.add(sequence, "same-pool", "ticket \(e.locator) of pool '\(ticket.pool)' expired in pool '\(e.pool)'")
                }
            }
        case .refusalsCounted(let e):
            if !Rules.isSummaryCount(e.count) {
                findings.add(sequence, "refusals-count", "ticket \(e.locator): a summary of \(e.count) refusals, outside 1...\(Rules.refusalsPerSummary)")
            }
            if let ticket = (try? replay.ticket(e.locator)) ?? nil {
                if !Rules.isSamePool(ticket.pool, e.pool) {
                    findings.add(sequence, "same-pool", "ticket \(e.locator) of pool '\(ticket.pool)' has refusals counted in pool '\(e.pool)'")
                }
            } else {
                findings.add(sequence, "refusals-unknown-ticket", "refusals of ticket \(e.locator) are summarised, but the projection does not hold it")
            }
        case .ticketsPurged(let e):
            for locator in e.locators {
                if let ticket = (try? replay.ticket(locator)) ?? nil, !Rules.isRevocationOver(ticket.revokedUntil, now: e.at) {
                    findings.add(sequence, "purge-revoked-ticket", "ticket \(locator) was purged while its tokens' revocation lasts")
                }
            }
        case .redemptionRejected, .tokensRevoked, .userForgotten:
            break
        }
    }

    /// A consume of a ticket the projection no longer holds: when the log shows it was issued
    /// (and so was consumed or expired, then purged), that is a second use.
    static func refineConsumeWithoutIssue(
        _ scan: some StoreScan, locator: TicketLocator, sequence: UInt64, findings: inout FindingList
    ) {
        guard locator.sequence < sequence, let record = (try? scan.record(at: locator.sequence)) ?? nil else { return }
        let issued = record.withUnsafeBytes { bytes in
            if case .ticketIssued? = try? EventCodec.decode(record: bytes) { true } else { false }
        }
        if issued {
            findings.add(sequence, "single-use", "ticket \(locator) was issued at \(locator.sequence), used up and purged before this consume")
        }
    }
}
