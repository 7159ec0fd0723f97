/// A ticket's state in the projection and its history in the log.
public struct TicketReport: Sendable, Encodable {
    /// The ticket asked about.
    public var locator: TicketLocator
    /// Its state in the tickets projection, or `nil` when the projection does not hold it
    /// (never issued, or purged after its grace period: see ``history``).
    public var state: TicketState?
    /// Every event about the ticket, in order (issue, rejections, consume or expiry, purge).
    public var history: [LoggedEvent]

    enum CodingKeys: String, CodingKey { case ticket, state, history }
    enum StateKeys: String, CodingKey { case status, pool, user, issuedAt, expiresAt, consumedAt, expiredAt, ip }

    /// `ticket` (the locator), `state` (times in ISO 8601; never the verifier digest) and `history`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(locator.description, forKey: .ticket)
        if let state {
            var s = c.nestedContainer(keyedBy: StateKeys.self, forKey: .state)
            try s.encode(state.status.rawValue, forKey: .status)
            try s.encode(state.pool.rawValue, forKey: .pool)
            try s.encode(state.user.rawValue, forKey: .user)
            try s.encode(state.issuedAt.iso8601, forKey: .issuedAt)
            try s.encode(state.expiresAt.iso8601, forKey: .expiresAt)
            try s.encode(state.consumedAt?.iso8601, forKey: .consumedAt)
            try s.encode(state.expiredAt?.iso8601, forKey: .expiredAt)
            try s.encode(state.ip?.text, forKey: .ip)
        } else {
            try c.encodeNil(forKey: .state)
        }
        try c.encode(history, forKey: .history)
    }
}
