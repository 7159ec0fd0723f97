/// `decide(command, state, policy, now)`: pure functions from a command and the state it
/// concerns to the events to append, or a refusal.
enum Decider {
    /// Decides a redemption. The order of checks is part of the contract: the secret is
    /// checked before the ticket's state, and another pool's ticket looks `unknown`, so a
    /// caller without the right secret or pool learns nothing about a ticket.
    ///
    /// `retryKey` is the digest of the caller's retry key: recorded with a consume, and a
    /// consumed ticket presented with the same one is a retry (``Rules/isRetry(presented:recorded:)``).
    ///
    /// `tokenLifetime` is how long the tokens of a consume live: a reuse revokes them until then.
    ///
    /// `secretMatches` says whether a secret is the one a pool's digest was made from (by
    /// default by digesting it; the writer remembers one it already checked).
    static func redeem(
        presented ticket: Ticket?, pool: PoolID, secret: String?,
        poolState: PoolState?, ticketState: TicketState?, forgottenAt: UInt64 = 0, now: Timestamp, retryKey: SHA256Digest? = nil,
        tokenLifetime: Duration = Rules.defaultTokenLifetime,
        secretMatches: (SecretDigest, String) -> Bool = { $0.matches($1) }
    ) -> RedeemDecision {
        guard let ticket else { return .reject(.malformed, record: nil, counted: nil) }
        // The ledger "knows" a ticket only when the verifier matches: a guessed locator alone
        // is a made-up ticket, counted but never logged.
        let known = ticketState.map { $0.verifierDigest.constantTimeEquals(ticket.verifierDigest) } ?? false
        // A known ticket's refusal is counted in its record; the first few are logged, later
        // ones summarised (`Rules.refusalRecord`), so its holder cannot grow the log at will.
        func reject(_ told: RejectionReason, recorded: RejectionReason? = nil, revoke: TokensRevoked? = nil) -> RedeemDecision {
            guard known, var counted = ticketState else { return .reject(told, record: nil, counted: nil) }
            counted.refusals = counted.refusals < .max ? counted.refusals + 1 : .max
            let record: LedgerEvent? = switch Rules.refusalRecord(count: counted.refusals) {
            case .event:
                .redemptionRejected(RedemptionRejected(pool: pool, at: now, locator: ticket.locator, reason: recorded ?? told))
            case .summary(let count):
                .refusalsCounted(RefusalsCounted(pool: counted.pool, at: now, locator: ticket.locator, count: count))
            case .counted:
                nil
            }
            return .reject(told, record: record, counted: counted, revoke: revoke)
        }
        guard let poolState else { return reject(.unknown, recorded: .wrongPool) }
        if let refusal = Rules.secretRefusal(
            policy: poolState.policy, stored: poolState.secret, presented: secret, matches: secretMatches) {
            return reject(refusal)
        }
        guard known, let state = ticketState else { return .reject(.unknown, record: nil, counted: nil) }
        guard Rules.isSamePool(state.pool, pool) else { return reject(.unknown, recorded: .wrongPool) }
        switch state.status {
        case .consumed:
            if Rules.isRetry(presented: retryKey, recorded: state.retryKey) { return .retried(state) }
            let revoke = Rules.revocation(of: state, tokenLifetime: tokenLifetime).map {
                TokensRevoked(pool: state.pool, at: now, locator: ticket.locator, until: $0)
            }
            return reject(.alreadyConsumed, revoke: revoke)
        case .expired: return reject(.expired)
        case .issued: break
        }
        // A ticket issued before its user was forgotten: as if it did not exist.
        guard !Rules.isIssuedBeforeForgetting(ticket.locator, forgottenAt: forgottenAt) else { return reject(.unknown, recorded: .userForgotten) }
        guard Rules.isBeforeExpiry(now, expiresAt: state.expiresAt) else { return reject(.expired) }
        return .consume(TicketConsumed(pool: pool, at: now, locator: ticket.locator, retryKey: retryKey))
    }

    /// Decides an issue: refused when the pool was never configured. Without `getPhone` the
    /// user did not agree to share the phone number, so it is dropped here, before the event
    /// is made: it never reaches the log, a projection or the disk.
    static func issue(
        _ request: IssueRequest, ip: IPAddress?, verifierDigest: SHA256Digest, poolState: PoolState?, now: Timestamp
    ) -> Result<TicketIssued, LedgerError> {
        guard let poolState else { return .failure(.poolNotConfigured(request.pool)) }
        var profile = request.profile
        if !request.getPhone { profile.phone = nil }
        return .success(TicketIssued(
            pool: request.pool, at: now, user: request.user, verifierDigest: verifierDigest, profile: profile,
            ip: ip, getPhone: request.getPhone, expiresAt: Rules.expiry(issuedAt: now, lifetime: poolState.policy.ticketLifetime)))
    }

    /// Decides forgetting `key`'s user, whose record is `user` and whose key is of generation
    /// `keyGeneration` (`nil`: none): refused when the pool has neither; nothing to do (`nil`)
    /// when the user was forgotten and has had no ticket since.
    static func forget(_ key: UserKey, user: UserState?, keyGeneration: UInt32?, now: Timestamp) -> Result<UserForgotten?, LedgerError> {
        guard user != nil || keyGeneration != nil else {
            return .failure(.invalidArgument("user", "pool '\(key.pool)' has no user '\(key.user)'"))
        }
        if user?.isForgotten == true && keyGeneration == nil { return .success(nil) }
        return .success(UserForgotten(pool: key.pool, at: now, user: key.user, keyGeneration: keyGeneration ?? 0))
    }

    /// Decides a pool configuration: a pool that requires a secret must be given one, or
    /// already have one (`current`, the digest in force), which it then keeps: changing a
    /// pool's lifetime does not need its secret again. The secret is kept only as its digest
    /// with `salt` (the caller draws it at random).
    static func configurePool(
        _ pool: PoolID, policy: PoolPolicy, secret: String?, current: SecretDigest? = nil, salt: (UInt64, UInt64),
        now: Timestamp
    ) -> Result<PoolConfigured, LedgerError> {
        guard PoolPolicy.lifetimeBounds.contains(policy.ticketLifetime) else {
            return .failure(.invalidArgument("lifetime", "must be between 1 s and 86400 s"))
        }
        if let secret, secret.isEmpty || secret.utf8.count > 1024 {
            return .failure(.invalidArgument("secret", "must be 1 to 1024 bytes"))
        }
        let kept = policy.secretRequired ? current : nil
        guard Rules.hasSecretItNeeds(secretRequired: policy.secretRequired, hasSecret: secret != nil || kept != nil) else {
            return .failure(.secretMissingForPool(pool))
        }
        return .success(PoolConfigured(
            pool: pool, at: now, policy: policy, secret: secret.map { SecretDigest(secret: $0, salt: salt) } ?? kept))
    }
}
