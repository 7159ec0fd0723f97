import LMDB
extension Auditor {
    /// Rules 1 and 4, on the reading thread: the sequence is gap-free from 1 to the head, the
    /// chain ends at the head `meta` records; each record's link goes with its batch to the
    /// hashing thread (`hashing`, ``hashChain(expect:limit:from:to:)``), which checks its
    /// stored hash and passes the batch on to `channel`. Copies each record's payload for the
    /// replaying thread, with `preparer` parsing it on the way.
    static func readChainAndDecode(
        _ store: StoreHandle, through last: UInt64, expect: ChainHead?, limit: Int, preparer: EventPreparer,
        hashing: EventChannel, into channel: EventChannel
    ) throws(LedgerError) -> ChainResult {
        var preparer = preparer
        var findings = FindingList(limit: limit)
        var ticketsCompared = false
        var usersSeen = 0
        var unsummarisedRefusals: UInt64 = 0
        var chain = ChainVerifier(expect: expect, findings: &findings)
        try store.read { txn in
            let meta = try store.meta(txn)
            var trimmer = ResidentPageTrimmer(environment: store.environment)
            var batch = channel.emptyBatch()
            batch.preparer = preparer.token
            var open = true
            try txn.forEachEntry(store.layout.events) { e in
                guard let sequence = UInt64(bigEndianBytes: e.key) else {
                    findings.add(chain.expected, "sequence", "an events key is not an 8-byte sequence number")
                    return true
                }
                if sequence > last { return false }
                trimmer.saw(e.value)
                let start = batch.bytes.count
                var prepared = PreparedEvent(sequence: sequence, start: start, count: -1, kind: .undecodable)
                if let (payload, link) = chain.follow(sequence, e.value, findings: &findings) {
                    batch.bytes.append(contentsOf: payload)
                    batch.links.append((link, start, payload.count))
                    prepared = preparer.prepare(payload, sequence: sequence, start: start)
                }
                batch.events.append(prepared)
                if batch.events.count >= EventChannel.batchSize {
                    open = hashing.send(batch)
                    batch = channel.emptyBatch()
                    batch.preparer = preparer.token
                }
                return open
            }
            if open && !batch.events.isEmpty { open = hashing.send(batch) }
            hashing.endOfEvents()
            trimmer.trim()
            chain.finish(head: ChainHead(sequence: last, hash: meta.head.hash), findings: &findings)
            // The stored tickets, pools and expiry index against the replay at the head, here
            // while the replaying thread compares the users — when both read the same snapshot.
            if open, let (replay, snapshot, users) = channel.takeOver(), snapshot == txn.snapshotID {
                unsummarisedRefusals = try compareTickets(store, txn: txn, replay: replay, at: last, findings: &findings)
                ticketsCompared = true
                // Then the users the replaying thread has not taken yet.
                if let users {
                    usersSeen = try compareUsers(store, txn: txn, replay: replay, at: users.at, chunks: users.chunks)
                }
            }
        }
        return ChainResult(
            findings: findings, computedHead: chain.computedHead, ticketsCompared: ticketsCompared,
            usersSeen: usersSeen, unsummarisedRefusals: unsummarisedRefusals)
    }
}

extension Auditor {
    /// Rule 1's hashes, on a thread of their own (the reading thread's share of the work
    /// otherwise bounds the audit): each batch's links checked in log order
    /// (``ChainVerifier/verify(_:payload:expect:findings:)``), then the batch passed on to the
    /// replaying thread through `output`. Returns the findings; stops passing batches on once
    /// the replaying thread gave up, and tells the reading thread to stop.
    static func hashChain(expect: ChainHead?, limit: Int, from input: EventChannel, to output: EventChannel) -> FindingList {
        var findings = FindingList(limit: limit)
        var open = true
        while let batch = input.receive() {
            guard open else { continue }
            batch.bytes.withUnsafeBytes { bytes in
                for (link, start, count) in batch.links {
                    ChainVerifier.verify(
                        link, payload: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)]), expect: expect,
                        findings: &findings)
                }
            }
            open = output.send(batch)
            if !open { input.cancel() }
        }
        output.endOfEvents()
        return findings
    }
}
