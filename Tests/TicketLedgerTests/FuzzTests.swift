import Testing
@_spi(Fuzzing) @testable import TicketLedger

/// A bounded, seeded sweep of what the libFuzzer target (Fuzz/) explores without bounds: the
/// event decoder, the projection and metadata records, the ticket parser and caller-text
/// validation get valid inputs mutated and random bytes, and none may trap. A failure prints
/// its seed; TICKET_LEDGER_SEED=N repeats it (or tries other inputs).
@Suite("Fuzzed input")
struct FuzzTests {
    static let iterations = 20_000

    /// Applies 1–8 random mutations: flip, overwrite with an extreme, insert, delete, truncate, extend.
    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let choice = Int.random(in: 0..<6, using: &rng)
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch choice {
            case 0 where !bytes.isEmpty: bytes[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            case 1 where !bytes.isEmpty: bytes[at] = [0x00, 0xff, 0x7f, 0x80, 0x01].randomElement(using: &rng) ?? 0
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
            case 3 where !bytes.isEmpty: bytes.remove(at: at)
            case 4: bytes = Array(bytes.prefix(at))
            default: bytes += (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
        }
        return bytes
    }

    static func randomBytes(_ rng: inout SplitMix64, upTo limit: Int = 300) -> [UInt8] {
        (0..<Int.random(in: 0...limit, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    /// Valid event records, one per kind and then some (purges of one and many tickets; the
    /// records of format 3: a refusal summary, a revocation, a consume with a retry key).
    static var records: [[UInt8]] {
        let purges: [LedgerEvent] = [
            .ticketsPurged(TicketsPurged(pool: CodecTests.pool, at: CodecTests.at, locators: [TicketLocator(sequence: 5)])),
            .ticketsPurged(TicketsPurged(
                pool: CodecTests.pool, at: CodecTests.at, locators: (1...300).map { TicketLocator(sequence: UInt64($0 * $0)) })),
            .refusalsCounted(RefusalsCounted(pool: CodecTests.pool, at: CodecTests.at, locator: TicketLocator(sequence: 7), count: 1000)),
            .tokensRevoked(TokensRevoked(pool: CodecTests.pool, at: CodecTests.at, locator: TicketLocator(sequence: 7), until: CodecTests.at)),
            .ticketConsumed(TicketConsumed(pool: CodecTests.pool, at: CodecTests.at, locator: TicketLocator(sequence: 7), retryKey: .zero)),
        ]
        return (CodecTests.events + purges).map { EventCodec.record(of: $0, after: .zero).bytes }
    }

    @Test("valid records decode back to their events (the seeds' sanity)")
    func validRecords() throws {
        for (record, event) in zip(Self.records, CodecTests.events) {
            #expect(record.withUnsafeBytes { FuzzEntry.eventRecord($0) } == event)
        }
    }

    @Test("the event decoder takes mutated records and random bytes without trapping")
    func eventDecoder() {
        let seed = testSeed(0xE7E7_0001)
        var rng = SplitMix64(seed: seed)
        let seeds = Self.records
        var decoded = 0
        for i in 0..<Self.iterations {
            let input = i % 5 == 0 ? Self.randomBytes(&rng) : Self.mutate(seeds[i % seeds.count], &rng)
            input.withUnsafeBytes { bytes in
                if FuzzEntry.eventRecord(bytes) != nil { decoded += 1 }
                #expect(FuzzEntry.eventRoundTrips(bytes), "seed \(seed), iteration \(i): \(input)")
            }
        }
        #expect(decoded > 0, "some mutations keep a record decodable (seed \(seed))")
    }

    @Test("the ticket parser takes mutated tickets and random text; what parses is canonical")
    func ticketParser() {
        let seed = testSeed(0x71C4_E700)
        var rng = SplitMix64(seed: seed)
        let tickets = (0..<16).map { Array(Ticket.random(at: TicketLocator(sequence: UInt64($0) << ($0 * 3))).text.utf8) }
        for ticket in tickets {
            #expect(ticket.withUnsafeBytes { FuzzEntry.ticketText($0) } == String(decoding: ticket, as: UTF8.self))
        }
        var parsed = 0
        for i in 0..<Self.iterations {
            let input = i % 5 == 0 ? Self.randomBytes(&rng, upTo: 64) : Self.mutate(tickets[i % tickets.count], &rng)
            input.withUnsafeBytes { bytes in
                if let text = FuzzEntry.ticketText(bytes) {
                    parsed += 1
                    #expect(Array(text.utf8) == input, "seed \(seed), iteration \(i): parsed a non-canonical ticket")
                }
            }
        }
        // Flipping a bit of a base64url digit often gives another digit: some mutants parse.
        #expect(parsed > 0, "seed \(seed)")
    }

    @Test("projection and metadata records, and caller text, take any bytes without trapping")
    func recordsAndText() {
        let seed = testSeed(0x9E0C_0001)
        var rng = SplitMix64(seed: seed)
        let ticket = TicketState(
            status: .consumed, pool: CodecTests.pool, user: .test("u1"), issuedAt: CodecTests.at, expiresAt: CodecTests.at,
            consumedAt: CodecTests.at, expiredAt: nil, ip: IPAddress(normalized: "::1"), verifierDigest: .zero)
        let user = UserState(
            profile: UserProfile(nickname: "安", phone: "17612346754"), signedUp: CodecTests.at, loginsCount: 3,
            lastLogin: CodecTests.at, lastIP: nil)
        let pool = PoolState(policy: PoolPolicy(), secret: SecretDigest.make(for: "s"), configuredAt: CodecTests.at)
        let meta = StoreMeta(format: 1, head: ChainHead(sequence: 9, hash: .zero), usersSequence: 4)
        var counted = ticket
        counted.refusals = 1_234
        counted.retryKey = .zero
        counted.revokedUntil = CodecTests.at
        let seeds = [ticket.encoded(), counted.encoded(), user.encoded(), pool.encoded(), meta.encoded()]
        for record in seeds { #expect(record.withUnsafeBytes { FuzzEntry.projectionRecords($0) } >= 1) }
        let texts = ["5f8e9c0d1a2b3c4d5e6f7a8b", "wx-user-42", "192.168.0.106", "::ffff:10.0.0.1", "17612346754", "用户"]
            .map { Array($0.utf8) }
        for i in 0..<Self.iterations {
            let input = i % 5 == 0 ? Self.randomBytes(&rng) : Self.mutate(seeds[i % seeds.count], &rng)
            _ = input.withUnsafeBytes { FuzzEntry.projectionRecords($0) }
            let text = i % 3 == 0 ? Self.randomBytes(&rng, upTo: 80) : Self.mutate(texts[i % texts.count], &rng)
            _ = text.withUnsafeBytes { FuzzEntry.callerText($0) }
        }
    }
}
