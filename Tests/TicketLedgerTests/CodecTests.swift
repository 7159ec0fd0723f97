import Testing
@testable import TicketLedger

@Suite("Event codec")
struct CodecTests {
    static let pool = PoolID.test("pool-1")
    static let at = Timestamp(millisecondsSince1970: 1_795_305_600_123)

    static let events: [LedgerEvent] = [
        .poolConfigured(PoolConfigured(
            pool: pool, at: at, policy: PoolPolicy(ticketLifetime: .seconds(90), secretRequired: true),
            secret: SecretDigest.make(for: "s3cret"))),
        .poolConfigured(PoolConfigured(
            pool: pool, at: at, policy: PoolPolicy(ticketLifetime: .seconds(1), secretRequired: false), secret: nil)),
        .ticketIssued(TicketIssued(
            pool: pool, at: at, user: .test("用户-1"), verifierDigest: SHA256Digest.of([1, 2, 3]),
            profile: UserProfile(
                username: "ann", nickname: "安", photo: "https://x/p.png", phone: "17612346754", openid: "o1",
                unionid: "u1", oauth: #"{"nickName":"安"}"#, company: "ACME", metadata: "{}", emailVerified: true),
            ip: IPAddress(normalized: "::ffff:192.168.0.106"), getPhone: true, expiresAt: at.advanced(by: .seconds(120)))),
        .ticketIssued(TicketIssued(
            pool: pool, at: at, user: .test("u2"), verifierDigest: .zero, profile: UserProfile(), ip: nil,
            getPhone: false, expiresAt: at)),
        .ticketConsumed(TicketConsumed(pool: pool, at: at, locator: TicketLocator(sequence: 3))),
        .ticketExpired(TicketExpired(pool: pool, at: at, locator: TicketLocator(sequence: .max))),
    ] + RejectionReason.allCases.map {
        .redemptionRejected(RedemptionRejected(pool: pool, at: at, locator: TicketLocator(sequence: 7), reason: $0))
    }

    @Test("every event type survives encode → decode", arguments: events)
    func roundTrip(_ event: LedgerEvent) throws {
        let bytes = EventCodec.payload(of: event)
        let decoded = try bytes.withUnsafeBytes { try EventCodec.decode(payload: $0) }
        #expect(decoded == event)
    }

    @Test("a record from a future format version is refused with a clear error")
    func futureVersion() throws {
        var bytes = EventCodec.payload(of: Self.events[4])
        bytes[0] = EventCodec.version + 1
        let error = #expect(throws: DecodingFailure.self) {
            try bytes.withUnsafeBytes { try EventCodec.decode(payload: $0) }
        }
        #expect(error?.reason.contains("format version \(EventCodec.version + 1)") == true)
    }

    @Test("every truncation of every record is refused, never a crash", arguments: events)
    func truncations(_ event: LedgerEvent) {
        let bytes = EventCodec.payload(of: event)
        for n in 0..<bytes.count {
            #expect(throws: DecodingFailure.self) {
                try Array(bytes[..<n]).withUnsafeBytes { try EventCodec.decode(payload: $0) }
            }
        }
    }

    @Test("trailing bytes and unknown kinds are refused")
    func trailingAndUnknown() {
        var bytes = EventCodec.payload(of: Self.events[4])
        bytes.append(0)
        #expect(throws: DecodingFailure.self) { try bytes.withUnsafeBytes { try EventCodec.decode(payload: $0) } }
        var kind = EventCodec.payload(of: Self.events[4])
        kind[1] = 99
        #expect(throws: DecodingFailure.self) { try kind.withUnsafeBytes { try EventCodec.decode(payload: $0) } }
    }

    @Test("the chain hash is SHA-256(previous ‖ payload)")
    func chain() throws {
        let (record, hash) = EventCodec.record(of: Self.events[4], after: .zero)
        let (payload, stored) = try record.withUnsafeBytes { raw in
            let (p, h) = try EventCodec.split(raw)
            return (Array(p), h)
        }
        #expect(stored == hash)
        #expect(hash == SHA256Digest.of([UInt8](repeating: 0, count: 32) + payload))
    }
}
