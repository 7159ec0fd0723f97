import Testing
@testable import TicketLedger

/// The compact replay's tables against dictionaries: tickets by locator across many pages (pages
/// freed, made sparse, the directory trimmed) and users by the bytes of their id.
@Suite("Replay tables")
struct TicketTableTests {
    static func ticket(_ n: UInt64) -> CompactTicket {
        CompactTicket(
            issuedAt: Int64(n), expiresAt: Int64(n) + 1, consumedAt: 0, expiredAt: 0, verifier: SHA256Digest(w0: n, w1: 0, w2: 0, w3: 0),
            ip: .absent, user: UInt32(truncatingIfNeeded: n), pool: 0, status: .issued, hasConsumedAt: false, hasExpiredAt: false)
    }

    @Test("tickets: random inserts and removals over a sliding window, with stragglers", arguments: [1, 2, 3] as [UInt64])
    func ticketsLikeADictionary(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var table = TicketTable()
        var reference: [UInt64: UInt64] = [:]
        var next: UInt64 = 1
        for step in 0..<200_000 {
            let roll = rng.next() % 100
            if roll < 45 {
                // Issue at the newest sequence (sometimes skipping a few).
                next += rng.next() % 3
                table.set(next, Self.ticket(next))
                reference[next] = next
                next += 1
            } else if roll < 90, !reference.isEmpty {
                // Remove something old (mostly), or anything, or something never there.
                let low = next > 20_000 ? next - 20_000 : 1
                let locator = roll < 88 ? low + rng.next() % max(1, next - low) : rng.next() % (next + 10)
                let removed = table.remove(locator)
                #expect(removed?.issuedAt == reference.removeValue(forKey: locator).map(Int64.init), "step \(step)")
            } else if roll < 92 {
                // Replace an existing one, or set an old locator (lands in a sparse or trimmed page).
                let locator = rng.next() % next + 1
                table.set(locator, Self.ticket(locator &* 3))
                reference[locator] = locator &* 3
            } else {
                let locator = rng.next() % (next + 5000)
                #expect(table[locator]?.issuedAt == reference[locator].map(Int64.init), "step \(step): \(locator)")
            }
            #expect(table.count == reference.count)
        }
        // A damaged log's locator far ahead: kept, and the table goes on working.
        table.set(1 << 60, Self.ticket(7))
        reference[1 << 60] = 7
        table.set(next, Self.ticket(next))
        reference[next] = next
        for (locator, value) in reference { #expect(table[locator]?.issuedAt == Int64(value)) }
        var seen = 0
        table.forEach { t in
            seen += 1
            #expect(reference[t.locator].map(Int64.init) == t.issuedAt)
        }
        #expect(seen == reference.count)
        // Drain: everything goes, memory is back to the free lists.
        for locator in reference.keys { table.remove(locator) }
        #expect(table.count == 0)
        #expect(table[next - 1] == nil)
    }

    @Test("users by id bytes: a hit is the user the dictionary names, per pool")
    func usersByBytes() {
        var index = UserByteIndex()
        var reference: [String: UInt32] = [:]
        var rng = SplitMix64(seed: 9)
        for i in 0..<50_000 {
            let pool = UInt32(rng.next() % 3)
            let id = "u\(rng.next() % 20_000)" + (i % 7 == 0 ? "-a-longer-id-past-eight-bytes" : "")
            let key = "\(pool)/\(id)"
            var text = id
            text.withUTF8 { bytes in
                let raw = UnsafeRawBufferPointer(bytes)
                let h = index.hash(pool: pool, raw)
                let found = index.find(pool: pool, raw, hash: h)
                #expect(found == reference[key], "\(key)")
                if found == nil {
                    let user = UInt32(reference.count)
                    reference[key] = user
                    index.insert(pool: pool, raw, hash: h, user: user)
                }
            }
        }
    }
}

@Suite("Compact replay on damaged bytes")
struct CompactReplayDamageTests {
    @Test("preparing, reading ahead and applying directly take any bytes without a crash")
    func anyBytes() {
        var replay = CompactReplay()
        let pool = PoolID.test("pa")
        try? replay.applyGenerally(.poolConfigured(PoolConfigured(
            pool: pool, at: Timestamp(millisecondsSince1970: 0), policy: PoolPolicy(ticketLifetime: .seconds(60)),
            secret: SecretDigest(salt: (1, 2), digest: .zero))), sequence: 1)
        let issue = EventCodec.payload(of: .ticketIssued(TicketIssued(
            pool: pool, at: Timestamp(millisecondsSince1970: 0), user: UserID.test("u1"), verifierDigest: .zero,
            profile: UserProfile(nickname: "n"), ip: IPAddress(normalized: "::ffff:10.0.0.1"), getPhone: false,
            expiresAt: Timestamp(millisecondsSince1970: 60_000))))
        var rng = SplitMix64(seed: 5)
        var preparer = replay.makePreparer()
        for sequence in UInt64(2)..<20_000 {
            var bytes = issue
            if sequence % 2 == 0 {
                for _ in 0..<(rng.next() % 4 + 1) { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            if rng.next() % 5 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count)))) }
            if sequence % 3 == 0 {
                _ = bytes.withUnsafeBytes { replay.applyDirectly($0, sequence: sequence) }
                continue
            }
            // As the audit does it: prepared by another preparer, then read ahead and applied.
            let prepared = bytes.withUnsafeBytes { preparer.prepare($0, sequence: sequence, start: 0) }
            replay.usePoolNumbers(of: preparer.token)
            _ = bytes.withUnsafeBytes { replay.touch([prepared][...], in: $0) }
            _ = bytes.withUnsafeBytes { replay.applyPrepared(prepared, in: $0) }
        }
        #expect(replay.tickets.count >= 1)
    }
}
