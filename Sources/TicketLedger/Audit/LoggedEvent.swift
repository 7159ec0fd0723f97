/// One event of the log with its sequence number, as `export` and `inspect` show it.
///
/// Its JSON form has `seq`, `type`, `at` (ISO 8601, UTC, milliseconds), `pool`, `ticket`
/// (the locator's 16 hexadecimal digits, absent for pool and purge events) and the event's
/// own fields: `user`, `ip`, `getPhone`, `expiresAt` (issue); `user`, `keyGeneration` (user forgotten); `reason` (rejection); `count` (refusals counted); `until` (tokens revoked);
/// `lifetimeMs`, `secretRequired`, `hasSecret` (pool); `tickets` (purge). Never the verifier
/// digest, the secret digest or the profile. An issue whose personal fields were sealed under a
/// key since destroyed (its user was forgotten) has `"erased": true` and no `ip`.
public struct LoggedEvent: Sendable, Hashable, Encodable {
    /// The event's sequence number.
    public var sequence: UInt64
    /// The event. Readers (`export`, `inspect`) show a sealed issue opened: its profile and IP
    /// in the clear, when its user's key still exists.
    public var event: LedgerEvent
    /// Whether the event's personal fields are sealed under a key that no longer exists (the
    /// user was forgotten): they cannot be shown, by anyone, from this store.
    public var erased = false

    /// `event` at `sequence`.
    public init(sequence: UInt64, event: LedgerEvent) {
        self.sequence = sequence
        self.event = event
    }

    /// The ticket the event concerns, if one.
    public var locator: TicketLocator? {
        switch event {
        case .ticketIssued: TicketLocator(sequence: sequence)
        case .ticketConsumed(let e): e.locator
        case .ticketExpired(let e): e.locator
        case .redemptionRejected(let e): e.locator
        case .refusalsCounted(let e): e.locator
        case .tokensRevoked(let e): e.locator
        case .poolConfigured, .ticketsPurged, .userForgotten: nil
        }
    }

    enum CodingKeys: String, CodingKey {
        case seq, type, at, pool, ticket, user, ip, erased, keyGeneration, getPhone, expiresAt, reason, count, until, lifetimeMs, secretRequired, hasSecret, tickets
    }

    /// The JSON form described above.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sequence, forKey: .seq)
        try c.encode(event.typeName, forKey: .type)
        try c.encode(event.at.iso8601, forKey: .at)
        try c.encode(event.pool.rawValue, forKey: .pool)
        if let locator { try c.encode(locator.description, forKey: .ticket) }
        switch event {
        case .poolConfigured(let e):
            try c.encode(e.policy.ticketLifetime.wholeMilliseconds, forKey: .lifetimeMs)
            try c.encode(e.policy.secretRequired, forKey: .secretRequired)
            try c.encode(e.secret != nil, forKey: .hasSecret)
        case .ticketIssued(let e):
            try c.encode(e.user.rawValue, forKey: .user)
            if erased { try c.encode(true, forKey: .erased) } else { try c.encode(e.ip?.text, forKey: .ip) }
            try c.encode(e.getPhone, forKey: .getPhone)
            try c.encode(e.expiresAt.iso8601, forKey: .expiresAt)
        case .redemptionRejected(let e):
            try c.encode(e.reason.rawValue, forKey: .reason)
        case .ticketsPurged(let e):
            try c.encode(e.locators.map(\.description), forKey: .tickets)
        case .refusalsCounted(let e):
            try c.encode(e.count, forKey: .count)
        case .tokensRevoked(let e):
            try c.encode(e.until.iso8601, forKey: .until)
        case .userForgotten(let e):
            try c.encode(e.user.rawValue, forKey: .user)
            try c.encode(e.keyGeneration, forKey: .keyGeneration)
        case .ticketConsumed, .ticketExpired:
            break
        }
    }
}
