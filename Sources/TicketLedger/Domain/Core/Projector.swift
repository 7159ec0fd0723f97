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
            try p.setTicket(TicketState(issuedBy: e), for: locator)
            try p.setDue(locator, at: e.expiresAt, true)
            return nil

        case .ticketConsumed(let e):
            guard var ticket = try p.ticket(e.locator) else {
                throw InconsistentEvent(sequence: sequence, rule: "consume-without-issue", detail: "ticket \(e.locator) was never issued")
            }
            guard Rules.isLive(ticket.status) else {
                throw InconsistentEvent(sequence: sequence, rule: "single-use", detail: "ticket \(e.locator) is already \(ticket.status.rawValue)")
            }
            guard Rules.isSamePool(ticket.pool, e.pool) else {
                throw InconsistentEvent(sequence: sequence, rule: "same-pool", detail: "ticket \(e.locator) of pool '\(ticket.pool)' consumed in pool '\(e.pool)'")
            }
            ticket.status = .consumed
            ticket.consumedAt = e.at
            ticket.retryKey = e.retryKey
            try p.setTicket(ticket, for: e.locator)
            try p.setDue(e.locator, at: ticket.expiresAt, false)
            return ticket

        case .ticketExpired(let e):
            guard var ticket = try p.ticket(e.locator) else {
                throw InconsistentEvent(sequence: sequence, rule: "expire-without-issue", detail: "ticket \(e.locator) was never issued")
            }
            guard Rules.isLive(ticket.status) else {
                throw InconsistentEvent(sequence: sequence, rule: "expire-once", detail: "ticket \(e.locator) is already \(ticket.status.rawValue)")
            }
            ticket.status = .expired
            ticket.expiredAt = e.at
            try p.setTicket(ticket, for: e.locator)
            try p.setDue(e.locator, at: ticket.expiresAt, false)
            return nil

        case .tokensRevoked(let e):
            guard var ticket = try p.ticket(e.locator) else {
                throw InconsistentEvent(sequence: sequence, rule: "revoke-unknown-ticket", detail: "tokens of ticket \(e.locator) revoked, but the projection does not hold it")
            }
            guard ticket.status == .consumed, Rules.isSamePool(ticket.pool, e.pool) else {
                throw InconsistentEvent(sequence: sequence, rule: "revoke-unconsumed-ticket", detail: "tokens of ticket \(e.locator) revoked in pool '\(e.pool)', but it is \(ticket.status.rawValue) in pool '\(ticket.pool)'")
            }
            ticket.revokedUntil = e.until
            try p.setTicket(ticket, for: e.locator)
            return nil

        case .redemptionRejected, .refusalsCounted, .userForgotten:
            // Recorded in the log for audit. The ticket's refusal count is kept by the live
            // path (`TicketState.refusals`), not derived: no projection changes here.
            return nil

        case .ticketsPurged(let e):
            for locator in e.locators {
                guard let ticket = try p.ticket(locator) else {
                    throw InconsistentEvent(sequence: sequence, rule: "purge-unknown-ticket", detail: "ticket \(locator) is not in the projection")
                }
                guard Rules.isPurgeable(ticket.status) else {
                    throw InconsistentEvent(sequence: sequence, rule: "purge-live-ticket", detail: "ticket \(locator) is still issued")
                }
                guard Rules.isSamePool(ticket.pool, e.pool) else {
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
                var user = UserState.receiving(existing, at: e.at)
                user.takeProfile(of: e)
                existing = user
            }

        case .ticketConsumed(let e):
            guard let ticket else {
                throw InconsistentEvent(sequence: sequence, rule: "consume-without-issue", detail: "ticket \(e.locator) was never issued")
            }
            try p.updateUser(UserKey(pool: ticket.pool, user: ticket.user)) { user in
                guard let found = user else {
                    throw InconsistentEvent(sequence: sequence, rule: "user-exists", detail: "no user '\(ticket.user)' in pool '\(ticket.pool)'")
                }
                guard !found.isForgotten, !Rules.isIssuedBeforeForgetting(e.locator, forgottenAt: found.forgottenAt) else {
                    throw InconsistentEvent(
                        sequence: sequence, rule: "consume-after-forget",
                        detail: "ticket \(e.locator) of user '\(ticket.user)' was issued before the user was forgotten (event \(found.forgottenAt))")
                }
                user?.recordLogin(at: e.at, with: ticket)
            }

        case .userForgotten(let e):
            try p.updateUser(UserKey(pool: e.pool, user: e.user)) { user in
                user = UserState.forgotten(at: e.at, sequence: sequence)
            }

        case .poolConfigured, .ticketExpired, .redemptionRejected, .ticketsPurged, .refusalsCounted, .tokensRevoked:
            break
        }
    }
}
