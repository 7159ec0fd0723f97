import Testing
@testable import TicketLedger

/// The audit's compact replay (events applied from their bytes where it can, through the
/// `Projector` otherwise) against the reference replay (`ReplayState`: every event decoded and
/// applied by the `Projector`): random logs full of rule breaks, odd user ids (canonically
/// equivalent spellings, non-ASCII), phones kept or not, give the same findings and the same
/// projections field by field.
@Suite("Compact replay")
struct CompactReplayTests {
    static let pools = ["pa", "pb", "pc", "pd"].map { PoolID.test($0) }
    static let users = ["u1", "u2", "K", "\u{212A}", "é", "e\u{301}", "a-rather-long-user-id-0123456789", "用户"]
        .map { UserID.test($0) }

    /// A random event at `sequence` given the locators issued so far.
    static func randomEvent(_ rng: inout SplitMix64, at now: Int64, issued: [UInt64]) -> LedgerEvent {
        func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
        let pool = pick(pools)
        let at = Timestamp(millisecondsSince1970: now)
        let locator = issued.isEmpty || rng.next() % 10 == 0 ? TicketLocator(sequence: rng.next() % 500 + 1) : TicketLocator(sequence: pick(issued))
        switch rng.next() % 100 {
        case 0..<4:
            let required = rng.next() % 2 == 0
            let secret: SecretDigest? = rng.next() % 4 == 0 ? nil : SecretDigest(salt: (1, 2), digest: .zero)
            return .poolConfigured(PoolConfigured(
                pool: pool, at: at, policy: PoolPolicy(ticketLifetime: .seconds(Int64(rng.next() % 3 + 1) * 30), secretRequired: required),
                secret: secret))
        case 4..<45:
            let lifetime = Int64(rng.next() % 3 + 1) * 30_000
            let phone: String? = rng.next() % 2 == 0 ? "1761234\(1000 + rng.next() % 9000)" : nil
            let ip: IPAddress? = switch rng.next() % 3 {
            case 0: nil
            case 1: IPAddress(normalized: "::ffff:10.0.0.\(rng.next() % 250)")
            default: IPAddress(normalized: "2001:db8:85a3:1234:5678:8a2e:370:\(rng.next() % 9999)")
            }
            let user = pick(users)
            let profile = UserProfile(
                nickname: rng.next() % 3 == 0 ? "昵称\(rng.next() % 5)" : "n\(rng.next() % 5)", phone: phone,
                openid: rng.next() % 2 == 0 ? "o\(rng.next() % 7)" : nil, emailVerified: rng.next() % 2 == 0)
            var event = TicketIssued(
                pool: pool, at: at, user: user, verifierDigest: SHA256Digest(w0: rng.next(), w1: 1, w2: 2, w3: 3),
                profile: profile, ip: ip, getPhone: rng.next() % 2 == 0,
                expiresAt: Timestamp(millisecondsSince1970: now + (rng.next() % 8 == 0 ? lifetime + 1 : lifetime)))
            // Half the issues seal their personal fields (event format 4), under one of two key
            // generations: clear and sealed records of one user interleave.
            if rng.next() % 2 == 0, let key = PersonalKey(bytes: (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next() | 1) }, generation: UInt32(rng.next() % 2 + 1)),
               let sealed = try? SealedPersonalData.seal(profile: profile, ip: ip, of: UserKey(pool: pool, user: user), under: key) {
                event.profile = UserProfile()
                event.ip = nil
                event.sealed = sealed
            }
            return .ticketIssued(event)
        case 45..<75:
            return .ticketConsumed(TicketConsumed(pool: rng.next() % 6 == 0 ? pick(pools) : pool, at: at, locator: locator))
        case 75..<85:
            return .ticketExpired(TicketExpired(pool: pool, at: at, locator: locator))
        case 85..<90:
            return .redemptionRejected(RedemptionRejected(pool: pool, at: at, locator: locator, reason: .alreadyConsumed))
        default:
            let picked = Set((0..<Int(rng.next() % 6 + 1)).compactMap { _ in issued.isEmpty ? nil : pick(issued) })
            return .ticketsPurged(TicketsPurged(pool: pool, at: at, locators: picked.isEmpty ? [locator] : picked.map(TicketLocator.init(sequence:))))
        }
    }

    @Test("the compact replay gives the reference replay's findings and projections", arguments: Array(1...12) as [UInt64])
    func sameAsReference(seed: UInt64) throws {
        try compareWithReference(seed: seed, damaged: false)
    }

    /// Records with random bytes changed or cut short, prepared as the audit's reading thread
    /// does: what no longer decodes is a `decode` finding at its sequence on both sides, and
    /// whatever still decodes is applied exactly as the reference applies it.
    @Test("damaged records through the prepared path: the reference's findings and projections", arguments: Array(21...28) as [UInt64])
    func damagedSameAsReference(seed: UInt64) throws {
        try compareWithReference(seed: seed, damaged: true)
    }

    func compareWithReference(seed: UInt64, damaged: Bool) throws {
        var rng = SplitMix64(seed: seed)
        var reference = ReplayState()
        var compact = CompactReplay()
        // As in the audit: a preparer of its own (the reading thread's), payloads inside a batch.
        var preparer = compact.makePreparer()
        var damagedCount = 0
        var referenceFindings = FindingList(limit: 100_000)
        var compactFindings = FindingList(limit: 100_000)
        var issued: [UInt64] = []
        var now: Int64 = 1_795_305_600_000
        // Configure the first two pools, so that most events are the common, valid ones.
        var events: [LedgerEvent] = Self.pools.prefix(2).map {
            .poolConfigured(PoolConfigured(pool: $0, at: Timestamp(millisecondsSince1970: now), policy: PoolPolicy(ticketLifetime: .seconds(60)), secret: SecretDigest(salt: (1, 2), digest: .zero)))
        }
        for sequence in 1...UInt64(3000) {
            now += Int64(rng.next() % 20_000)
            let event = sequence <= UInt64(events.count) ? events[Int(sequence - 1)] : Self.randomEvent(&rng, at: now, issued: issued)
            if sequence > UInt64(events.count) { events.append(event) }
            if case .ticketIssued = event { issued.append(sequence) }
            var payload = EventCodec.payload(of: event)
            if damaged && sequence > 2 && rng.next() % 3 == 0 {
                damagedCount += 1
                for _ in 0..<(rng.next() % 3 + 1) {
                    let at = Int(rng.next() % UInt64(payload.count))
                    payload[at] = rng.next() % 2 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : payload[at] ^ 1
                }
                if rng.next() % 4 == 0 { payload = Array(payload.prefix(Int(rng.next() % UInt64(payload.count)))) }
            }
            let decoded = payload.withUnsafeBytes { try? EventCodec.decode(payload: $0) }
            if !damaged { #expect(decoded != nil) }

            // Reference: decode, check, apply through the Projector.
            if let decoded {
                Auditor.checkRules(decoded, sequence: sequence, replay: reference.tickets, findings: &referenceFindings)
                do {
                    try reference.apply(decoded, sequence: sequence)
                } catch let e as InconsistentEvent {
                    referenceFindings.add(sequence, e.rule, e.detail)
                }
            } else {
                referenceFindings.add(sequence, "decode", "")
            }

            // Compact: as the audit does it, the payload at some offset in a batch's bytes,
            // prepared, then read ahead (which must change nothing) and applied.
            let offset = Int(rng.next() % 8)
            let batch = [UInt8](repeating: 0xEE, count: offset) + payload + [0xEE]
            let prepared = batch.withUnsafeBytes {
                preparer.prepare(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + payload.count)]), sequence: sequence, start: offset)
            }
            compact.usePoolNumbers(of: preparer.token)
            let events = [prepared, PreparedEvent(sequence: sequence, start: 0, count: -1, kind: .undecodable)]
            _ = batch.withUnsafeBytes { compact.touch(events[...], in: $0) }
            if !batch.withUnsafeBytes({ compact.applyPrepared(prepared, in: $0) }) {
                if let decoded {
                    compact.checkRules(decoded, sequence: sequence, findings: &compactFindings)
                    do {
                        try compact.applyGenerally(decoded, sequence: sequence)
                    } catch let e as InconsistentEvent {
                        compactFindings.add(sequence, e.rule, e.detail)
                    }
                } else {
                    compactFindings.add(sequence, "decode", "")
                }
            } else {
                #expect(decoded != nil, "seed \(seed): event \(sequence) applied directly but does not decode")
            }
        }
        if damaged { #expect(damagedCount > 500, "seed \(seed)") }
        #expect(compactFindings.items == referenceFindings.items, "seed \(seed)")
        #expect(!referenceFindings.items.isEmpty, "seed \(seed): the random log breaks rules")

        // Projections, field by field.
        var tickets: [UInt64: TicketState] = [:]
        compact.tickets.forEach { tickets[$0.locator] = compact.ticketState($0) }
        #expect(tickets == reference.tickets.tickets, "seed \(seed)")
        var users: [UserKey: UserState] = [:]
        for (i, u) in compact.users.enumerated() where u.exists { users[compact.userKeys[i]] = compact.userState(i) }
        #expect(users == reference.users.users, "seed \(seed)")
        #expect(compact.userCount == reference.users.users.count, "seed \(seed)")
        var pools: [PoolID: PoolState] = [:]
        for id in compact.configuredPools { pools[id] = try compact.pool(id) }
        #expect(pools == reference.tickets.pools, "seed \(seed)")
        #expect(Set(compact.dueEntries) == reference.tickets.due, "seed \(seed)")
        #expect(compact.issuedCount == reference.tickets.due.count, "seed \(seed)")
        for due in reference.tickets.due { #expect(compact.isDue(due), "seed \(seed)") }

        // The byte-for-byte comparison agrees with the reference's stored form.
        for (locator, state) in reference.tickets.tickets {
            let matches = state.encoded().withUnsafeBytes { compact.ticketRecordMatches(locator, $0) }
            // A user id canonically equal to an earlier spelling is interned as that spelling:
            // the bytes differ, and the audit compares such a ticket field by field.
            let interned = compact.tickets[locator].map { compact.userKeys[Int($0.user)].user.rawValue }
            #expect(matches || interned.map { !$0.utf8.elementsEqual(state.user.rawValue.utf8) } == true, "seed \(seed): ticket \(locator)")
        }
        for (key, state) in reference.users.users {
            let matches = state.encoded().withUnsafeBytes { compact.userRecordMatches(key, $0) }
            #expect(matches, "seed \(seed): user \(key.user)")
        }
    }
}
