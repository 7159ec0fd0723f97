/// Where a ticket is in its life.
public enum TicketStatus: String, Sendable, Hashable, Codable {
    /// Issued and not yet redeemed or expired (it may be past its expiry, not yet swept).
    case issued
    /// Redeemed once; every later attempt is `alreadyConsumed`.
    case consumed
    /// Swept after its lifetime passed unredeemed.
    case expired
}

/// The tickets projection's record of one ticket.
public struct TicketState: Sendable, Hashable {
    /// Where it is in its life.
    public var status: TicketStatus
    public var pool: PoolID
    public var user: UserID
    public var issuedAt: Timestamp
    public var expiresAt: Timestamp
    /// When it was redeemed, if it was.
    public var consumedAt: Timestamp?
    /// When the sweeper expired it, if it did.
    public var expiredAt: Timestamp?
    /// The end user's IP captured at issue.
    public var ip: IPAddress?
    var verifierDigest: SHA256Digest

    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 160)  // one allocation for typical ids and IPs (measured: 96 grew once)
        w.u8(1)
        w.u8(status.code)
        w.string(pool.rawValue)
        w.string(user.rawValue)
        w.i64(issuedAt.millisecondsSince1970)
        w.i64(expiresAt.millisecondsSince1970)
        w.i64(consumedAt?.millisecondsSince1970 ?? .min)
        w.i64(expiredAt?.millisecondsSince1970 ?? .min)
        w.optionalString(ip?.text)
        w.digest(verifierDigest)
        return w.bytes
    }

    init(
        status: TicketStatus, pool: PoolID, user: UserID, issuedAt: Timestamp, expiresAt: Timestamp,
        consumedAt: Timestamp?, expiredAt: Timestamp?, ip: IPAddress?, verifierDigest: SHA256Digest
    ) {
        self.status = status
        self.pool = pool
        self.user = user
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.consumedAt = consumedAt
        self.expiredAt = expiredAt
        self.ip = ip
        self.verifierDigest = verifierDigest
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws(DecodingFailure) {
        var r = BinaryReader(bytes, what: "ticket record")
        guard try r.u8() == 1 else { throw r.failure("unknown record version") }
        let code = try r.u8()
        guard let status = TicketStatus(code: code) else { throw r.failure("unknown ticket status \(code)") }
        self.status = status
        self.pool = PoolID(unchecked: try r.string(maxBytes: PoolID.maxLength))
        self.user = UserID(unchecked: try r.string(maxBytes: UserID.maxLength))
        self.issuedAt = Timestamp(millisecondsSince1970: try r.i64())
        self.expiresAt = Timestamp(millisecondsSince1970: try r.i64())
        let consumed = try r.i64()
        self.consumedAt = consumed == .min ? nil : Timestamp(millisecondsSince1970: consumed)
        let expired = try r.i64()
        self.expiredAt = expired == .min ? nil : Timestamp(millisecondsSince1970: expired)
        self.ip = try r.optionalString(maxBytes: 45).map { IPAddress(normalized: $0) }
        self.verifierDigest = try r.digest()
        try r.expectEnd()
    }
}

extension TicketStatus {
    var code: UInt8 {
        switch self {
        case .issued: 1
        case .consumed: 2
        case .expired: 3
        }
    }

    init?(code: UInt8) {
        switch code {
        case 1: self = .issued
        case 2: self = .consumed
        case 3: self = .expired
        default: return nil
        }
    }
}

/// The users projection's record of one user of one pool.
public struct UserState: Sendable, Hashable {
    /// The profile from the latest ticket issued to the user (the phone only from tickets
    /// issued with `getPhone`).
    public var profile: UserProfile
    /// When the first ticket was issued to the user.
    public var signedUp: Timestamp
    /// Successful redemptions.
    public var loginsCount: UInt64
    /// When the user last redeemed a ticket.
    public var lastLogin: Timestamp?
    /// The end user's IP captured when the last redeemed ticket was issued.
    public var lastIP: IPAddress?

    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 128)
        write(into: &w)
        return w.bytes
    }

    /// Appends the record's bytes (what ``encoded()`` returns) to `w`.
    func write(into w: inout BinaryWriter) {
        w.u8(1)
        profile.write(into: &w)
        w.i64(signedUp.millisecondsSince1970)
        w.u64(loginsCount)
        w.i64(lastLogin?.millisecondsSince1970 ?? .min)
        w.optionalString(lastIP?.text)
    }

    init(profile: UserProfile, signedUp: Timestamp, loginsCount: UInt64, lastLogin: Timestamp?, lastIP: IPAddress?) {
        self.profile = profile
        self.signedUp = signedUp
        self.loginsCount = loginsCount
        self.lastLogin = lastLogin
        self.lastIP = lastIP
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws(DecodingFailure) {
        var r = BinaryReader(bytes, what: "user record")
        guard try r.u8() == 1 else { throw r.failure("unknown record version") }
        self.profile = try UserProfile.read(from: &r)
        self.signedUp = Timestamp(millisecondsSince1970: try r.i64())
        self.loginsCount = try r.u64()
        let last = try r.i64()
        self.lastLogin = last == .min ? nil : Timestamp(millisecondsSince1970: last)
        self.lastIP = try r.optionalString(maxBytes: 45).map { IPAddress(normalized: $0) }
        try r.expectEnd()
    }
}

/// The pools projection's record of one pool: the policy in force.
struct PoolState: Sendable, Hashable {
    var policy: PoolPolicy
    var secret: SecretDigest?
    var configuredAt: Timestamp

    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 80)
        w.u8(1)
        w.i64(policy.ticketLifetime.wholeMilliseconds)
        w.bool(policy.secretRequired)
        w.i64(configuredAt.millisecondsSince1970)
        SecretDigest.write(secret, into: &w)
        return w.bytes
    }

    init(policy: PoolPolicy, secret: SecretDigest?, configuredAt: Timestamp) {
        self.policy = policy
        self.secret = secret
        self.configuredAt = configuredAt
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws(DecodingFailure) {
        var r = BinaryReader(bytes, what: "pool record")
        guard try r.u8() == 1 else { throw r.failure("unknown record version") }
        let lifetime = Duration.milliseconds(try r.i64())
        let required = try r.bool()
        self.policy = PoolPolicy(ticketLifetime: lifetime, secretRequired: required)
        self.configuredAt = Timestamp(millisecondsSince1970: try r.i64())
        self.secret = try SecretDigest.read(from: &r)
        try r.expectEnd()
    }
}

/// A user within a pool: the users projection's key.
struct UserKey: Sendable, Hashable, Comparable {
    var pool: PoolID
    var user: UserID

    /// `pool ‖ 0x00 ‖ user`: pool ids hold no NUL, so keys of one pool sort together.
    var bytes: [UInt8] {
        var w = BinaryWriter(capacity: pool.rawValue.utf8.count + 1 + user.rawValue.utf8.count)
        write(into: &w)
        return w.bytes
    }

    /// Appends ``bytes`` to `w`.
    func write(into w: inout BinaryWriter) {
        w.raw(pool.rawValue.utf8)
        w.u8(0)
        w.raw(user.rawValue.utf8)
    }

    init(pool: PoolID, user: UserID) {
        self.pool = pool
        self.user = user
    }

    init?(bytes: UnsafeRawBufferPointer) {
        guard let nul = bytes.firstIndex(of: 0),
              let p = String(validating: bytes[..<nul], as: UTF8.self),
              let u = String(validating: bytes[(nul + 1)...], as: UTF8.self)
        else { return nil }
        self.init(pool: PoolID(unchecked: p), user: UserID(unchecked: u))
    }

    static func < (a: UserKey, b: UserKey) -> Bool { (a.pool, a.user) < (b.pool, b.user) }
}
