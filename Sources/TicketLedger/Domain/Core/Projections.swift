/// The tickets side of the projections (pools, tickets, expiry index), in whatever holds
/// them: an LMDB write transaction on the live path, dictionaries in a replay.
/// ``Projector`` and ``Decider`` see nothing else, so the live path and replay share every rule.
protocol TicketProjections {
    func pool(_ id: PoolID) throws -> PoolState?
    func ticket(_ locator: TicketLocator) throws -> TicketState?
    mutating func setPool(_ state: PoolState, for id: PoolID) throws
    mutating func setTicket(_ state: TicketState, for locator: TicketLocator) throws
    /// Adds (`true`) or removes (`false`) the expiry-index entry `(expiresAt, locator)`.
    mutating func setDue(_ locator: TicketLocator, at expiresAt: Timestamp, _ present: Bool) throws
    /// Drops a ticket (consumed or expired, past its grace period) from the projection.
    mutating func removeTicket(_ locator: TicketLocator) throws
}

/// The users side of the projections: per-user profile and login statistics.
protocol UserProjections {
    func user(_ key: UserKey) throws -> UserState?
    mutating func setUser(_ state: UserState, for key: UserKey) throws
    /// Reads, changes (in place where the storage allows) and writes back one user; the
    /// default is `user` then `setUser`. `body` never removes the user.
    mutating func updateUser(_ key: UserKey, _ body: (inout UserState?) throws -> Void) throws
}

extension UserProjections {
    mutating func updateUser(_ key: UserKey, _ body: (inout UserState?) throws -> Void) throws {
        var state = try user(key)
        try body(&state)
        if let state { try setUser(state, for: key) }
    }
}
