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

/// An event that cannot follow the ones before it (found by replay, never made by `decide`).
struct InconsistentEvent: Error, Sendable, Hashable, CustomStringConvertible {
    var sequence: UInt64
    var rule: String
    var detail: String
    var description: String { "event \(sequence) breaks \(rule): \(detail)" }
}

/// `apply(event, to: projections)`: how each event changes the projections. Pure apart
/// from the projections it is handed; the live path and replay both use it.
///
/// It comes in two halves so that the users projection can be caught up on its own from
/// the log tail (see `UsersView`): the users half needs only the consumed ticket's
/// unchanging fields (pool, user, IP), which the tickets half returns.
enum Projector {
    static func apply(
        _ event: LedgerEvent, sequence: UInt64, tickets: inout some TicketProjections, users: inout some UserProjections
    ) throws {
        let ticket = try applyToTickets(event, sequence: sequence, to: &tickets)
        try applyToUsers(event, sequence: sequence, ticket: ticket, to: &users)
    }

    /// Applies the tickets half; returns the ticket a `TicketConsumed` consumed (else `nil`).
    @discardableResult
    static func applyToTickets(_ event: LedgerEvent, sequence: UInt64, to p: inout some TicketProjections) throws -> TicketState? {
        switch event {
        case .poolConfigured(let e):
            try p.setPool(PoolState(policy: e.policy, secret: e.secret, configuredAt: e.at), for: e.pool)
            return nil

        case .ticketIssued(let e):
            let locator = TicketLocator(sequence: sequence)
            try p.setTicket(
                TicketState(
                    status: .issued, pool: e.pool, user: e.user, issuedAt: e.at, expiresAt: e.expiresAt,
                    consumedAt: nil, expiredAt: nil, ip: e.ip, verifierDigest: e.verifierDigest),
                for: locator)
            try p.setDue(locator, at: e.expiresAt, true)
            return nil

        case .ticketConsumed(let e):
            guard var ticket = try p.ticket(e.locator) else {
                throw InconsistentEvent(sequence: sequence, rule: "consume-without-issue", detail: "ticket \(e.locator) was never issued")
            }
            guard ticket.status == .issued else {
                throw InconsistentEvent(sequence: sequence, rule: "single-use", detail: "ticket \(e.locator) is already \(ticket.status.rawValue)")
            }
            guard ticket.pool == e.pool else {
                throw InconsistentEvent(sequence: sequence, rule: "same-pool", detail: "ticket \(e.locator) of pool '\(ticket.pool)' consumed in pool '\(e.pool)'")
            }
            ticket.status = .consumed
            ticket.consumedAt = e.at
            try p.setTicket(ticket, for: e.locator)
            try p.setDue(e.locator, at: ticket.expiresAt, false)
            return ticket

        case .ticketExpired(let e):
            guard var ticket = try p.ticket(e.locator) else {
                throw InconsistentEvent(sequence: sequence, rule: "expire-without-issue", detail: "ticket \(e.locator) was never issued")
            }
            guard ticket.status == .issued else {
                throw InconsistentEvent(sequence: sequence, rule: "expire-once", detail: "ticket \(e.locator) is already \(ticket.status.rawValue)")
            }
            ticket.status = .expired
            ticket.expiredAt = e.at
            try p.setTicket(ticket, for: e.locator)
            try p.setDue(e.locator, at: ticket.expiresAt, false)
            return nil

        case .redemptionRejected:
            return nil  // recorded in the log for audit; no projection changes

        case .ticketsPurged(let e):
            for locator in e.locators {
                guard let ticket = try p.ticket(locator) else {
                    throw InconsistentEvent(sequence: sequence, rule: "purge-unknown-ticket", detail: "ticket \(locator) is not in the projection")
                }
                guard ticket.status != .issued else {
                    throw InconsistentEvent(sequence: sequence, rule: "purge-live-ticket", detail: "ticket \(locator) is still issued")
                }
                guard ticket.pool == e.pool else {
                    throw InconsistentEvent(sequence: sequence, rule: "same-pool", detail: "ticket \(locator) of pool '\(ticket.pool)' purged in pool '\(e.pool)'")
                }
                try p.removeTicket(locator)
            }
            return nil
        }
    }

    /// Applies the users half. `ticket` is the consumed ticket for a `TicketConsumed`.
    static func applyToUsers(_ event: LedgerEvent, sequence: UInt64, ticket: TicketState?, to p: inout some UserProjections) throws {
        switch event {
        case .ticketIssued(let e):
            try p.updateUser(UserKey(pool: e.pool, user: e.user)) { existing in
                var profile = e.profile
                if existing == nil {
                    if !e.getPhone { profile.phone = nil }
                    existing = UserState(profile: profile, signedUp: e.at, loginsCount: 0, lastLogin: nil, lastIP: nil)
                } else {
                    if !e.getPhone { profile.phone = existing?.profile.phone }
                    existing?.profile = profile
                }
            }

        case .ticketConsumed(let e):
            guard let ticket else {
                throw InconsistentEvent(sequence: sequence, rule: "consume-without-issue", detail: "ticket \(e.locator) was never issued")
            }
            try p.updateUser(UserKey(pool: ticket.pool, user: ticket.user)) { user in
                guard user != nil else {
                    throw InconsistentEvent(sequence: sequence, rule: "user-exists", detail: "no user '\(ticket.user)' in pool '\(ticket.pool)'")
                }
                user?.loginsCount += 1
                user?.lastLogin = e.at
                user?.lastIP = ticket.ip
            }

        case .poolConfigured, .ticketExpired, .redemptionRejected, .ticketsPurged:
            break
        }
    }
}

/// The outcome a redemption decision reaches.
enum RedeemDecision: Sendable, Equatable {
    /// Consume the ticket: append this event.
    case consume(TicketConsumed)
    /// Refuse with `reason` (what the caller is told); append `record` when the ledger
    /// knows the ticket, so a flood of made-up tickets cannot grow the log.
    case reject(RejectionReason, record: RedemptionRejected?)
}

/// `decide(command, state, policy, now)`: pure functions from a command and the state it
/// concerns to the events to append, or a refusal.
enum Decider {
    /// Decides a redemption. The order of checks is part of the contract: the secret is
    /// checked before the ticket's state, and another pool's ticket looks `unknown`, so a
    /// caller without the right secret or pool learns nothing about a ticket.
    ///
    /// `secretMatches` says whether a secret is the one a pool's digest was made from (by
    /// default by digesting it; the writer remembers one it already checked).
    static func redeem(
        presented ticket: Ticket?, pool: PoolID, secret: String?,
        poolState: PoolState?, ticketState: TicketState?, now: Timestamp,
        secretMatches: (SecretDigest, String) -> Bool = { $0.matches($1) }
    ) -> RedeemDecision {
        guard let ticket else { return .reject(.malformed, record: nil) }
        // The ledger "knows" a ticket only when the verifier matches: a guessed locator alone
        // is a made-up ticket, counted but never logged.
        let known = ticketState.map { $0.verifierDigest.constantTimeEquals(ticket.verifierDigest) } ?? false
        func reject(_ told: RejectionReason, recorded: RejectionReason? = nil) -> RedeemDecision {
            guard known else { return .reject(told, record: nil) }
            return .reject(told, record: RedemptionRejected(pool: pool, at: now, locator: ticket.locator, reason: recorded ?? told))
        }
        guard let poolState else { return reject(.unknown, recorded: .wrongPool) }
        if poolState.policy.secretRequired {
            guard let secret, !secret.isEmpty else { return reject(.secretRequired) }
            guard let digest = poolState.secret, secretMatches(digest, secret) else { return reject(.secretMismatch) }
        }
        guard known, let state = ticketState else { return .reject(.unknown, record: nil) }
        guard state.pool == pool else { return reject(.unknown, recorded: .wrongPool) }
        switch state.status {
        case .consumed: return reject(.alreadyConsumed)
        case .expired: return reject(.expired)
        case .issued: break
        }
        guard now < state.expiresAt else { return reject(.expired) }
        return .consume(TicketConsumed(pool: pool, at: now, locator: ticket.locator))
    }

    /// Decides an issue: refused when the pool was never configured.
    static func issue(
        _ request: IssueRequest, ip: IPAddress?, verifierDigest: SHA256Digest, poolState: PoolState?, now: Timestamp
    ) -> Result<TicketIssued, LedgerError> {
        guard let poolState else { return .failure(.poolNotConfigured(request.pool)) }
        return .success(TicketIssued(
            pool: request.pool, at: now, user: request.user, verifierDigest: verifierDigest, profile: request.profile,
            ip: ip, getPhone: request.getPhone, expiresAt: now.advanced(by: poolState.policy.ticketLifetime)))
    }

    /// Decides a pool configuration: a pool that requires a secret must be given one.
    static func configurePool(
        _ pool: PoolID, policy: PoolPolicy, secret: String?, now: Timestamp
    ) -> Result<PoolConfigured, LedgerError> {
        guard PoolPolicy.lifetimeBounds.contains(policy.ticketLifetime) else {
            return .failure(.invalidArgument("lifetime", "must be between 1 s and 86400 s"))
        }
        if let secret, secret.isEmpty || secret.utf8.count > 1024 {
            return .failure(.invalidArgument("secret", "must be 1 to 1024 bytes"))
        }
        if policy.secretRequired && secret == nil { return .failure(.secretMissingForPool(pool)) }
        return .success(PoolConfigured(pool: pool, at: now, policy: policy, secret: secret.map(SecretDigest.make(for:))))
    }
}
