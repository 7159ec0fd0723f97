extension Auditor {
    /// The audit of any store read through ``StoreScan`` (the audit of a PostgreSQL store):
    /// the same checks, rules and findings as ``run(_:options:)``, from the same replay
    /// (``CompactReplay`` and the ``Projector``), in one pass on one thread — the chain checked
    /// by ``ChainVerifier`` as the records stream in, the users compared at the users
    /// checkpoint, then the tickets, pools and expiry index at the head.
    ///
    /// LMDB keeps its own two-thread audit for speed; the conformance tests run both on the same
    /// stores and expect the same findings.
    static func run(scanning scan: some StoreScan, options: AuditOptions) throws -> AuditReport {
        let started = monotonicNanoseconds()
        let meta = try scan.meta()
        let head = meta.head.sequence
        let checkpoint = meta.usersSequence
        var findings = FindingList(limit: options.maxFindings)
        var replay = CompactReplay()
        let counts = try scan.storedCounts()
        replay.reserve(tickets: counts.tickets, users: counts.users, profileBytes: counts.userBytes)
        var chain = ChainVerifier(expect: options.expectedDigest, findings: &findings)
        var usersCompared = false
        if checkpoint == 0 {
            try compareUsers(scan, replay: replay, at: 0, findings: &findings)
            usersCompared = true
        }
        var count: UInt64 = 0
        try scan.scanRecords(from: 1) { sequence, record in
            guard let sequence else {
                findings.add(chain.expected, "sequence", "an events key is not an 8-byte sequence number")
                return true
            }
            if sequence > head { return false }
            if !usersCompared && sequence > checkpoint {
                try compareUsers(scan, replay: replay, at: checkpoint, findings: &findings)
                usersCompared = true
            }
            if let payload = chain.check(sequence, record, findings: &findings) {
                try applyDecoded(Array(payload)[...], sequence: sequence, replay: &replay, scan: scan, findings: &findings)
            }
            if sequence == checkpoint && !usersCompared {
                try compareUsers(scan, replay: replay, at: sequence, findings: &findings)
                usersCompared = true
            }
            count += 1
            if count % options.progressInterval == 0, let progress = options.progress {
                progress(AuditProgress(events: count, total: head, elapsedSeconds: Double(monotonicNanoseconds() - started) / 1e9))
            }
            return true
        }
        chain.finish(head: meta.head, findings: &findings)
        let unsummarised = try compareTickets(scan, replay: replay, at: head, findings: &findings)
        if !usersCompared { try compareUsers(scan, replay: replay, at: checkpoint, findings: &findings) }
        if let beyond = try scan.lastRecordSequence(), beyond > head {
            findings.add(head + 1, "head", "the log holds events up to \(beyond), after the head \(head) that meta records")
        }
        var all = findings.items
        all.sort { ($0.sequence, $0.rule) < ($1.sequence, $1.rule) }
        let kept = Array(all.prefix(options.maxFindings))
        return AuditReport(
            events: head, head: meta.head, computedHead: chain.computedHead, usersCheckpoint: checkpoint,
            refusals: RefusalTally(logged: replay.refusalEvents, summarised: replay.refusalsSummarised, unsummarised: unsummarised),
            findings: kept,
            findingsOmitted: findings.omitted + (all.count - kept.count),
            seconds: Double(monotonicNanoseconds() - started) / 1e9)
    }

    /// Compares the whole stored users projection (read through `scan`) with the replay at `sequence`.
    static func compareUsers(_ scan: some StoreScan, replay: CompactReplay, at sequence: UInt64, findings: inout FindingList) throws {
        var replay = replay
        var seen = 0
        try scan.scanStoredUsers { key, value in
            try compareUser(key, value, replay: &replay, at: sequence, seen: &seen, findings: &findings)
        }
        try findMissingUsers(scan, replay: replay, at: sequence, seen: seen, findings: &findings)
    }
}
