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
                unsummarisedRefusals = try compareTickets(store, txn: txn, replay: replay, at: last, findings: &findings)
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
            usersSeen: usersSeen, unsummarisedRefusals: unsummarisedRefusals)
    }
}
