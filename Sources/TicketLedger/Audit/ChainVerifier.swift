/// Rules 1 and 4 of the audit, record by record, written once for every way a log is read
/// (the audit of either store, and `copy`): the sequence is gap-free from 1, every record's
/// stored hash is SHA-256(previous hash ‖ payload), the chain ends at the head the meta record
/// holds, and (with an expected digest) has the expected hash at its sequence.
struct ChainVerifier {
    /// The digest the chain must have at its sequence, if one was given.
    let expect: ChainHead?
    /// The hash the chain has so far (the last record's stored hash).
    private(set) var previous = SHA256Digest.zero
    /// The sequence the next record should have.
    private(set) var expected: UInt64 = 1
    /// The last sequence seen.
    private(set) var lastSeen: UInt64 = 0

    init(expect: ChainHead?, findings: inout FindingList) {
        self.expect = expect
        if let expect, expect.sequence == 0, expect.hash != .zero {
            findings.add(0, "expected-digest", "the chain starts at hash 0…0, not \(expect.hash.hex)")
        }
    }

    /// The chain as computed: the last sequence seen and its hash.
    var computedHead: ChainHead { ChainHead(sequence: lastSeen, hash: previous) }

    /// Checks the record stored at `sequence` (the next one read); returns its payload, or
    /// `nil` when the record cannot be split (then reported as `decode`).
    mutating func check(
        _ sequence: UInt64, _ record: UnsafeRawBufferPointer, findings: inout FindingList
    ) -> UnsafeRawBufferPointer? {
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
        let payload: UnsafeRawBufferPointer
        let stored: SHA256Digest
        do {
            (payload, stored) = try EventCodec.split(record)
        } catch {
            findings.add(sequence, "decode", "\(error)")
            return nil
        }
        let computed = previous.chained(with: payload)
        if computed != stored {
            findings.add(sequence, "chain", "event \(sequence)'s stored hash is not SHA-256(previous hash ‖ record): this event or the one before it was changed, removed or moved")
        }
        if let expect, expect.sequence == sequence, expect.hash != computed {
            findings.add(sequence, "expected-digest", "the chain at \(sequence) is \(computed.hex), not the expected \(expect.hash.hex)")
        }
        // Go on from the stored hash, so one changed event is one finding.
        previous = stored
        return payload
    }

    /// The checks at the end of the log, whose meta record names `head`.
    func finish(head: ChainHead, findings: inout FindingList) {
        let last = head.sequence
        if lastSeen < last {
            findings.add(lastSeen + 1, "sequence", "the log ends at \(lastSeen), before the head \(last) that meta records")
        }
        if lastSeen == last, previous != head.hash {
            findings.add(last, "head", "the chain's last hash \(previous.hex) is not the head \(head.hash.hex) that meta records")
        }
        if let expect, expect.sequence > lastSeen {
            findings.add(expect.sequence, "expected-digest", "the log holds \(lastSeen) events; the expected digest is at \(expect.sequence)")
        }
    }
}
