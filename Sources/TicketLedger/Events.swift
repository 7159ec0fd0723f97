/// The only source of truth: every change to the ledger is one of these, appended to the log.
public enum LedgerEvent: Sendable, Hashable {
    /// A pool's policy was set.
    case poolConfigured(PoolConfigured)
    /// A ticket was issued; its locator is this event's sequence number.
    case ticketIssued(TicketIssued)
    /// A ticket was redeemed: the user logged in.
    case ticketConsumed(TicketConsumed)
    /// A ticket passed its lifetime unredeemed.
    case ticketExpired(TicketExpired)
    /// A redemption of a ticket the ledger knows was refused.
    case redemptionRejected(RedemptionRejected)
    /// Consumed and expired tickets past their grace period left the tickets projection.
    case ticketsPurged(TicketsPurged)

    /// When it happened.
    public var at: Timestamp {
        switch self {
        case .poolConfigured(let e): e.at
        case .ticketIssued(let e): e.at
        case .ticketConsumed(let e): e.at
        case .ticketExpired(let e): e.at
        case .redemptionRejected(let e): e.at
        case .ticketsPurged(let e): e.at
        }
    }

    /// The pool it concerns.
    public var pool: PoolID {
        switch self {
        case .poolConfigured(let e): e.pool
        case .ticketIssued(let e): e.pool
        case .ticketConsumed(let e): e.pool
        case .ticketExpired(let e): e.pool
        case .redemptionRejected(let e): e.pool
        case .ticketsPurged(let e): e.pool
        }
    }

    /// Its type's name, as `export` prints it.
    public var typeName: String {
        switch self {
        case .poolConfigured: "PoolConfigured"
        case .ticketIssued: "TicketIssued"
        case .ticketConsumed: "TicketConsumed"
        case .ticketExpired: "TicketExpired"
        case .redemptionRejected: "RedemptionRejected"
        case .ticketsPurged: "TicketsPurged"
        }
    }
}

/// A pool's policy, as configured at `at`.
public struct PoolConfigured: Sendable, Hashable {
    public var pool: PoolID
    public var at: Timestamp
    public var policy: PoolPolicy
    /// A salted digest of the pool secret, if one was set; never the secret itself.
    public var secret: SecretDigest?
}

/// A ticket was issued to `user` of `pool`.
public struct TicketIssued: Sendable, Hashable {
    public var pool: PoolID
    public var at: Timestamp
    public var user: UserID
    /// SHA-256 of the ticket's verifier; never the verifier.
    public var verifierDigest: SHA256Digest
    /// The user's profile as the issuer knew it.
    public var profile: UserProfile
    /// The end user's IP address, when the issuer knew it.
    public var ip: IPAddress?
    /// Whether the user agreed to share the phone number (`getPhone=1`).
    public var getPhone: Bool
    public var expiresAt: Timestamp
}

/// The ticket at `locator` was redeemed.
public struct TicketConsumed: Sendable, Hashable {
    public var pool: PoolID
    public var at: Timestamp
    public var locator: TicketLocator
}

/// The ticket at `locator` expired unredeemed.
public struct TicketExpired: Sendable, Hashable {
    public var pool: PoolID
    public var at: Timestamp
    public var locator: TicketLocator
}

/// A redemption of the ticket at `locator` was refused. `pool` is the pool the caller named.
public struct RedemptionRejected: Sendable, Hashable {
    public var pool: PoolID
    public var at: Timestamp
    public var locator: TicketLocator
    public var reason: RejectionReason
}

/// The sweeper dropped these consumed or expired tickets of `pool` from the tickets
/// projection, their `expiresAt` plus the grace period having passed. The log keeps their
/// history; replay drops exactly these, so it rebuilds the same projection.
public struct TicketsPurged: Sendable, Hashable {
    /// The pool the dropped tickets belong to.
    public var pool: PoolID
    /// When the sweeper dropped them.
    public var at: Timestamp
    /// The dropped tickets, strictly rising.
    public var locators: [TicketLocator]

    /// A purge of `locators` (sorted here) at `at`.
    public init(pool: PoolID, at: Timestamp, locators: [TicketLocator]) {
        self.pool = pool
        self.at = at
        self.locators = locators.sorted()
    }
}

/// Why a redemption was refused.
public enum RejectionReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// The text is not a ticket at all.
    case malformed
    /// No such ticket in this pool (also the answer for another pool's ticket).
    case unknown
    /// The ticket was already redeemed.
    case alreadyConsumed
    /// The ticket's lifetime has passed.
    case expired
    /// The pool requires its secret and none was given.
    case secretRequired
    /// The secret given is not the pool's.
    case secretMismatch
    /// The ticket belongs to another pool (recorded as such; the caller is told `unknown`).
    case wrongPool

    var code: UInt8 {
        switch self {
        case .malformed: 0
        case .unknown: 1
        case .alreadyConsumed: 2
        case .expired: 3
        case .secretRequired: 4
        case .secretMismatch: 5
        case .wrongPool: 6
        }
    }

    init?(code: UInt8) {
        guard let r = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = r
    }
}

/// A pool's rules for its tickets.
public struct PoolPolicy: Sendable, Hashable {
    /// How long a ticket may be redeemed after it is issued (default 120 s).
    public var ticketLifetime: Duration
    /// Whether redeeming needs the pool's secret (default `true`).
    public var secretRequired: Bool

    /// The shortest and longest lifetimes a pool may set: 1 s to 1 day.
    public static let lifetimeBounds: ClosedRange<Duration> = .seconds(1) ... .seconds(86_400)

    /// A policy; the defaults are the product's (120 s, secret required).
    public init(ticketLifetime: Duration = .seconds(120), secretRequired: Bool = true) {
        self.ticketLifetime = ticketLifetime
        self.secretRequired = secretRequired
    }
}

/// A salted SHA-256 digest of a pool secret.
public struct SecretDigest: Sendable, Hashable {
    /// 16 random bytes, as two words.
    var salt: (UInt64, UInt64)
    /// SHA-256(salt ‖ secret).
    var digest: SHA256Digest

    /// Digests `secret` with a fresh random salt.
    static func make(for secret: String) -> SecretDigest {
        var rng = SystemRandomNumberGenerator()
        let salt = (rng.next() as UInt64, rng.next() as UInt64)
        return SecretDigest(salt: salt, digest: digestOf(secret, salt: salt))
    }

    init(salt: (UInt64, UInt64), digest: SHA256Digest) {
        self.salt = salt
        self.digest = digest
    }

    /// Whether `secret` is the one digested, compared in constant time.
    func matches(_ secret: String) -> Bool {
        Self.digestOf(secret, salt: salt).constantTimeEquals(digest)
    }

    /// A secret this digest was found to match, kept to check the next presentation without
    /// hashing: the writer keeps one for the length of a batch (an app server sends the
    /// same secret with every redemption).
    struct Accepted {
        let digest: SecretDigest
        /// The secret as presented (kept, not copied).
        let secret: String

        /// Whether `secret` is the accepted one for `digest`; the bytes are compared in
        /// constant time.
        func matches(_ secret: String, for digest: SecretDigest) -> Bool {
            guard digest == self.digest else { return false }
            var (presented, accepted) = (secret, self.secret)
            return presented.withUTF8 { presented in
                accepted.withUTF8 { accepted in
                    guard presented.count == accepted.count else { return false }
                    var difference: UInt8 = 0
                    for i in 0..<presented.count { difference |= presented[i] ^ accepted[i] }
                    return difference == 0
                }
            }
        }
    }

    private static func digestOf(_ secret: String, salt: (UInt64, UInt64)) -> SHA256Digest {
        var secret = secret
        return secret.withUTF8 { SHA256Digest.of(salt.0, salt.1, then: UnsafeRawBufferPointer($0)) }
    }

    /// Writes `0`, or `1 ‖ salt ‖ digest`: how events and pool records store an optional secret.
    static func write(_ secret: SecretDigest?, into w: inout BinaryWriter) {
        guard let secret else {
            w.u8(0)
            return
        }
        w.u8(1)
        w.u64(secret.salt.0)
        w.u64(secret.salt.1)
        w.digest(secret.digest)
    }

    /// Reads what ``write(_:into:)`` wrote.
    static func read(from r: inout BinaryReader) throws(DecodingFailure) -> SecretDigest? {
        guard try r.bool() else { return nil }
        let salt = (try r.u64(), try r.u64())
        return SecretDigest(salt: salt, digest: try r.digest())
    }

    public static func == (a: SecretDigest, b: SecretDigest) -> Bool {
        a.salt == b.salt && a.digest == b.digest
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(salt.0)
        hasher.combine(salt.1)
        hasher.combine(digest)
    }
}
