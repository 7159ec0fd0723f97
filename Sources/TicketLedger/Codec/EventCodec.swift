/// The binary record of one event in the `events` database:
/// `version (1 byte) ‖ kind (1 byte) ‖ at (8) ‖ fields ‖ chain hash (32)`, where the chain
/// hash is SHA-256(previous record's chain hash ‖ every byte before it).
///
/// Each record carries the lowest format version that can express it, so a log without the
/// newer kinds stays readable by older builds: version 1 has kinds 1–5; version 2 adds
/// `TicketsPurged` (kind 6: count, then the locators as rising LEB128 deltas); version 3 adds
/// `RefusalsCounted` (kind 7: the locator, then the count as LEB128) and `TokensRevoked` (kind 8:
/// the locator, then `until`), and a `TicketConsumed`
/// in version 3 carries the digest of its retry key after the locator (one without a key is
/// still version 1). In version 4 a `TicketIssued` carries its personal fields sealed (see
/// ``SealedPersonalData``): after the verifier, the key generation (LEB128) and the boxes of the
/// profile, the phone (optional) and the IP (optional), in place of the clear profile and IP;
/// it adds `UserForgotten` (kind 9: the user id, then the destroyed key's generation, LEB128)
/// and the rejection reason `userForgotten` (7).
enum EventCodec {
    /// The newest record format this build writes and reads.
    static let version: UInt8 = 4
    static let hashLength = 32
    /// The most tickets one `TicketsPurged` record lists (the sweeper splits larger purges).
    static let maxPurgedPerRecord = 8192

    /// The kind byte of each event.
    enum Kind: UInt8 {
        case poolConfigured = 1, ticketIssued, ticketConsumed, ticketExpired, redemptionRejected, ticketsPurged
        case refusalsCounted, tokensRevoked, userForgotten

        /// The first format version that has this kind.
        var sinceVersion: UInt8 {
            switch self {
            case .ticketsPurged: 2
            case .refusalsCounted, .tokensRevoked: 3
            case .userForgotten: 4
            default: 1
            }
        }

        /// The kind of `event`.
        init(of event: LedgerEvent) {
            switch event {
            case .poolConfigured: self = .poolConfigured
            case .ticketIssued: self = .ticketIssued
            case .ticketConsumed: self = .ticketConsumed
            case .ticketExpired: self = .ticketExpired
            case .redemptionRejected: self = .redemptionRejected
            case .ticketsPurged: self = .ticketsPurged
            case .refusalsCounted: self = .refusalsCounted
            case .tokensRevoked: self = .tokensRevoked
            case .userForgotten: self = .userForgotten
            }
        }
    }

    /// The record's bytes before the chain hash.
    static func payload(of event: LedgerEvent) -> [UInt8] {
        var w = BinaryWriter(capacity: 96)
        encode(event, into: &w)
        return w.bytes
    }

    private static func encode(_ event: LedgerEvent, into w: inout BinaryWriter) {
        switch event {
        case .ticketConsumed(let e) where e.retryKey != nil: w.u8(3)
        case .ticketIssued(let e) where e.sealed != nil: w.u8(4)
        case .redemptionRejected(let e) where e.reason == .userForgotten: w.u8(4)
        default: w.u8(Kind(of: event).sinceVersion)
        }
        switch event {
        case .poolConfigured(let e):
            w.u8(Kind.poolConfigured.rawValue)
            w.i64(e.at.millisecondsSince1970)
            w.string(e.pool.rawValue)
            w.i64(e.policy.ticketLifetime.wholeMilliseconds)
            w.bool(e.policy.secretRequired)
            SecretDigest.write(e.secret, into: &w)
        case .ticketIssued(let e):
            w.u8(Kind.ticketIssued.rawValue)
            w.i64(e.at.millisecondsSince1970)
            w.string(e.pool.rawValue)
            w.string(e.user.rawValue)
            w.digest(e.verifierDigest)
            if let sealed = e.sealed {
                sealed.write(into: &w)
            } else {
                e.profile.write(into: &w)
                w.optionalString(e.ip?.text)
            }
            w.bool(e.getPhone)
            w.i64(e.expiresAt.millisecondsSince1970)
        case .ticketConsumed(let e):
            w.u8(Kind.ticketConsumed.rawValue)
            w.i64(e.at.millisecondsSince1970)
            w.string(e.pool.rawValue)
            w.u64(e.locator.sequence)
            if let key = e.retryKey { w.digest(key) }
        case .ticketExpired(let e):
            w.u8(Kind.ticketExpired.rawValue)
            w.i64(e.at.millisecondsSince1970)
            w.string(e.pool.rawValue)
            w.u64(e.locator.sequence)
        case .redemptionRejected(let e):
            w.u8(Kind.redemptionRejected.rawValue)
            w.i64(e.at.millisecondsSince1970)
            w.string(e.pool.rawValue)
            w.u64(e.locator.sequence)
            w.u8(e.reason.code)
        case .ticketsPurged(let e):
            w.u8(Kind.ticketsPurged.rawValue)
            w.i64(e.at.millisecondsSince1970)
            w.string(e.pool.rawValue)
            w.varint(UInt64(e.locators.count))
            var previous: UInt64 = 0
            for locator in e.locators {
                w.varint(locator.sequence &- previous)
                previous = locator.sequence
            }
        case .refusalsCounted(let e):
            w.u8(Kind.refusalsCounted.rawValue)
            w.i64(e.at.millisecondsSince1970)
            w.string(e.pool.rawValue)
            w.u64(e.locator.sequence)
            w.varint(e.count)
        case .tokensRevoked(let e):
            w.u8(Kind.tokensRevoked.rawValue)
            w.i64(e.at.millisecondsSince1970)
            w.string(e.pool.rawValue)
            w.u64(e.locator.sequence)
            w.i64(e.until.millisecondsSince1970)
        case .userForgotten(let e):
            w.u8(Kind.userForgotten.rawValue)
            w.i64(e.at.millisecondsSince1970)
            w.string(e.pool.rawValue)
            w.string(e.user.rawValue)
            w.varint(UInt64(e.keyGeneration))
        }
    }

    /// The full record: payload ‖ SHA-256(previous ‖ payload). Returns the record and its hash.
    static func record(of event: LedgerEvent, after previous: SHA256Digest) -> (bytes: [UInt8], hash: SHA256Digest) {
        var w = BinaryWriter(capacity: 128)
        encode(event, into: &w)
        let hash = w.bytes.withUnsafeBytes { previous.chained(with: $0) }
        w.digest(hash)
        return (w.bytes, hash)
    }

    /// Splits a stored record into its payload and stored chain hash.
    static func split(_ record: UnsafeRawBufferPointer) throws(DecodingFailure) -> (payload: UnsafeRawBufferPointer, hash: SHA256Digest) {
        guard record.count >= 2 + 8 + hashLength else {
            throw DecodingFailure("event", "record of \(record.count) bytes is shorter than the smallest event")
        }
        let cut = record.count - hashLength
        return (UnsafeRawBufferPointer(rebasing: record[..<cut]), SHA256Digest(UnsafeRawBufferPointer(rebasing: record[cut...])))
    }

    /// Decodes a whole stored record (its chain hash is not checked here).
    static func decode(record: UnsafeRawBufferPointer) throws(DecodingFailure) -> LedgerEvent {
        try decode(payload: try split(record).payload)
    }

    /// Decodes a payload (a record without its chain hash).
    static func decode(payload: UnsafeRawBufferPointer) throws(DecodingFailure) -> LedgerEvent {
        var r = BinaryReader(payload, what: "event")
        let v = try r.u8()
        guard v != 0 else { throw r.failure("format version 0 does not exist") }
        guard v <= version else {
            throw r.failure("written in event format version \(v); this build reads up to \(version)")
        }
        let kindByte = try r.u8()
        guard let kind = Kind(rawValue: kindByte) else { throw r.failure("unknown event kind \(kindByte)") }
        guard v >= kind.sinceVersion else {
            throw r.failure("event kind \(kindByte) needs format version \(kind.sinceVersion), the record says \(v)")
        }
        let at = Timestamp(millisecondsSince1970: try r.i64())
        let pool = try readPool(&r)
        let event: LedgerEvent
        switch kind {
        case .poolConfigured:
            let lifetimeMs = try r.i64()
            let lifetime = Duration.milliseconds(lifetimeMs)
            guard PoolPolicy.lifetimeBounds.contains(lifetime) else { throw r.failure("ticket lifetime \(lifetimeMs) ms is out of bounds") }
            let required = try r.bool()
            let secret = try SecretDigest.read(from: &r)
            event = .poolConfigured(PoolConfigured(
                pool: pool, at: at, policy: PoolPolicy(ticketLifetime: lifetime, secretRequired: required), secret: secret))
        case .ticketIssued:
            let userText = try r.string(maxBytes: UserID.maxLength)
            guard let user = try? UserID(userText) else { throw r.failure("user id is not valid") }
            let verifier = try r.digest()
            var profile = UserProfile()
            var ip: IPAddress?
            var sealed: SealedPersonalData?
            if v >= 4 {
                sealed = try SealedPersonalData.read(from: &r)
            } else {
                profile = try UserProfile.read(from: &r)
                ip = try r.optionalString(maxBytes: 45).map { IPAddress(normalized: $0) }
            }
            let getPhone = try r.bool()
            let expiresAt = Timestamp(millisecondsSince1970: try r.i64())
            event = .ticketIssued(TicketIssued(
                pool: pool, at: at, user: user, verifierDigest: verifier, profile: profile, ip: ip, sealed: sealed,
                getPhone: getPhone, expiresAt: expiresAt))
        case .ticketConsumed:
            let locator = TicketLocator(sequence: try r.u64())
            let retryKey = v >= 3 ? try r.digest() : nil
            event = .ticketConsumed(TicketConsumed(pool: pool, at: at, locator: locator, retryKey: retryKey))
        case .ticketExpired:
            event = .ticketExpired(TicketExpired(pool: pool, at: at, locator: TicketLocator(sequence: try r.u64())))
        case .redemptionRejected:
            let locator = TicketLocator(sequence: try r.u64())
            let code = try r.u8()
            guard let reason = RejectionReason(code: code), v >= 4 || reason != .userForgotten else {
                throw r.failure("unknown rejection reason \(code) in format version \(v)")
            }
            event = .redemptionRejected(RedemptionRejected(pool: pool, at: at, locator: locator, reason: reason))
        case .ticketsPurged:
            let count = try r.varint()
            // Every locator takes at least one byte: refuse a count the record cannot hold.
            guard count >= 1, count <= UInt64(min(r.remaining, maxPurgedPerRecord)) else {
                throw r.failure("a purge of \(count) tickets does not fit the record")
            }
            var locators: [TicketLocator] = []
            locators.reserveCapacity(Int(count))
            var previous: UInt64 = 0
            for i in 0..<count {
                let delta = try r.varint()
                guard i == 0 || delta > 0 else { throw r.failure("purged tickets are not strictly rising") }
                let (next, overflow) = previous.addingReportingOverflow(delta)
                guard !overflow else { throw r.failure("a purged ticket's locator overflows 64 bits") }
                locators.append(TicketLocator(sequence: next))
                previous = next
            }
            event = .ticketsPurged(TicketsPurged(pool: pool, at: at, locators: locators))
        case .refusalsCounted:
            let locator = TicketLocator(sequence: try r.u64())
            let count = try r.varint()
            guard count >= 1 else { throw r.failure("a summary of 0 refusals") }
            event = .refusalsCounted(RefusalsCounted(pool: pool, at: at, locator: locator, count: count))
        case .tokensRevoked:
            let locator = TicketLocator(sequence: try r.u64())
            let until = Timestamp(millisecondsSince1970: try r.i64())
            event = .tokensRevoked(TokensRevoked(pool: pool, at: at, locator: locator, until: until))
        case .userForgotten:
            let userText = try r.string(maxBytes: UserID.maxLength)
            guard let user = try? UserID(userText) else { throw r.failure("user id is not valid") }
            let generation = try r.varint()
            guard let keyGeneration = UInt32(exactly: generation) else { throw r.failure("key generation \(generation) is out of range") }
            event = .userForgotten(UserForgotten(pool: pool, at: at, user: user, keyGeneration: keyGeneration))
        }
        try r.expectEnd()
        return event
    }

    private static func readPool(_ r: inout BinaryReader) throws(DecodingFailure) -> PoolID {
        let text = try r.string(maxBytes: PoolID.maxLength)
        guard let pool = try? PoolID(text) else { throw r.failure("pool id is not valid") }
        return pool
    }
}
