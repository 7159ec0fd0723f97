import LMDB
extension Auditor {
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
                if let payload = chain.check(sequence, e.value, findings: &findings) {
                    batch.bytes.append(contentsOf: payload)
                    prepared = preparer.prepare(payload, sequence: sequence, start: start)
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
