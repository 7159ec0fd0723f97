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

    /// One record's place in the chain, for ``verify(_:payload:expect:findings:)`` to hash —
    /// later, or on another thread: the hash of the record before it (as stored) and its own.
    struct Link: Sendable {
        /// The record's sequence.
        var sequence: UInt64
        /// The stored hash of the record read before it (`0…0` for the first).
        var previous: SHA256Digest
        /// The hash the record stores.
        var stored: SHA256Digest
    }

    /// Checks the record stored at `sequence` (the next one read); returns its payload, or
    /// `nil` when the record cannot be split (then reported as `decode`).
    mutating func check(
        _ sequence: UInt64, _ record: UnsafeRawBufferPointer, findings: inout FindingList
    ) -> UnsafeRawBufferPointer? {
        guard let (payload, link) = follow(sequence, record, findings: &findings) else { return nil }
        Self.verify(link, payload: payload, expect: expect, findings: &findings)
        return payload
    }

    /// ``check(_:_:findings:)`` but for the hash: the sequence and the record's form are
    /// checked here, in log order; the returned link's hash is checked by
    /// ``verify(_:payload:expect:findings:)``, which needs nothing from the records around it
    /// (the LMDB audit runs it on a thread of its own). `nil` when the record cannot be split.
    mutating func follow(
        _ sequence: UInt64, _ record: UnsafeRawBufferPointer, findings: inout FindingList
    ) -> (payload: UnsafeRawBufferPointer, link: Link)? {
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
        let link = Link(sequence: sequence, previous: previous, stored: stored)
        // Go on from the stored hash, so one changed event is one finding (and each link can
        // be hashed apart from the others).
        previous = stored
        return (payload, link)
    }

    /// The hash of one link: its stored hash must be SHA-256(previous hash ‖ `payload`), and
    /// (with `expect`) the chain must have the expected hash at its sequence.
    static func verify(_ link: Link, payload: UnsafeRawBufferPointer, expect: ChainHead?, findings: inout FindingList) {
        let sequence = link.sequence
        let computed = link.previous.chained(with: payload)
        if computed != link.stored {
            findings.add(sequence, "chain", "event \(sequence)'s stored hash is not SHA-256(previous hash ‖ record): this event or the one before it was changed, removed or moved")
        }
        if let expect, expect.sequence == sequence, expect.hash != computed {
            findings.add(sequence, "expected-digest", "the chain at \(sequence) is \(computed.hex), not the expected \(expect.hash.hex)")
        }
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
