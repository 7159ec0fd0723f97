import Synchronization

/// The commands run in one write transaction: each is decided against the state left by
/// the ones before it (``Decider``), its events appended to the log and applied to the
/// projections (``Projector``). Nothing is visible to anyone until the transaction commits.
/// It reaches storage only through `Store` (``StoreBatch``), the seam another store implements.
struct WriteBatch<Store: StoreBatch> {
    var tickets: CachedTickets<Store>
    private(set) var users: BatchUsers<Store>
    let clock: any LedgerClock
    let path: String
    /// Seals the locators of the tickets it issues (their `tl2.` texts).
    let cipher: LocatorCipher
    /// How long the tokens of a consume live (a reuse revokes them until then).
    var tokenLifetime: Duration = Rules.defaultTokenLifetime
    private var meta: StoreMeta
    private let startMeta: StoreMeta
    /// The sequence the log stood at when the batch began.
    var startSequence: UInt64 { startMeta.head.sequence }
    /// Whether `checkpointUsers` ran in this batch.
    private(set) var checkpointed = false
    /// The last secret a pool's digest accepted in this batch (forgotten with the batch).
    private var acceptedSecret: SecretDigest.Accepted?
    /// Whether the batch answered a redemption: then it commits a write, whatever it decided.
    private var answeredRedemption = false
    /// The personal-data keys its issues sealed with (for ``PersonalKeyCache``, once committed).
    private(set) var usedKeys: [(UserKey, PersonalKey)] = []

    /// Opens a batch in `store`'s transaction, first bringing `usersView` up to what the
    /// transaction sees (another process may have appended since our last batch).
    init(
        store: Store, path: String, clock: any LedgerClock, cipher: LocatorCipher, usersView: UsersView, expectedChanges: Int = 0
    ) throws {
        self.path = path
        self.clock = clock
        self.cipher = cipher
        let tickets = store
        self.tickets = CachedTickets(store: store)
        let meta = try tickets.meta()
        self.meta = meta
        self.startMeta = meta
        let snapshot = try usersView.state.withLock { overlay in
            try UsersView.catchUp(&overlay, with: tickets, meta: meta)
            return overlay
        }
        self.users = BatchUsers(snapshot: snapshot, tickets: tickets, expectedChanges: expectedChanges)
    }

    /// Where the log stands now.
    var head: ChainHead { meta.head }
    /// The store's transaction (for the sweep, `WriteBatch+Sweep.swift`).
    var store: Store { tickets.store }

    /// What `commands` will read, for a store across a network to ask for at once (see
    /// ``LedgerStore/readsAhead``).
    static func readAhead(for commands: [Command]) -> ReadAhead {
        var ahead = ReadAhead()
        for command in commands {
            switch command {
            case let .redeem(ticket, pool, _, _):
                ahead.pools.append(pool)
                if let ticket { ahead.tickets.append(ticket.locator) }
            case let .issue(request, _):
                ahead.pools.append(request.pool)
                ahead.users.append(UserKey(pool: request.pool, user: request.user))
            case .forget(let key):
                ahead.users.append(key)
            case .configurePool, .expireDue:
                break
            }
        }
        return ahead
    }

    /// Appends `event` at the next sequence number, chains it and applies it. Returns its sequence.
    @discardableResult
    mutating func append(_ event: LedgerEvent) throws -> UInt64 {
        let sequence = meta.head.sequence + 1
        let (record, hash) = EventCodec.record(of: event, after: meta.head.hash)
        try tickets.store.append(record: record, of: event, at: sequence)
        try Projector.apply(event, sequence: sequence, tickets: &tickets, users: &users)
        meta.head = ChainHead(sequence: sequence, hash: hash)
        return sequence
    }

    /// Runs one command. Throws only when the store fails (the whole batch is then abandoned);
    /// a command the rules refuse comes back as a failure, and the batch goes on.
    mutating func run(_ command: Command) throws -> Result<Reply, LedgerError> {
        switch command {
        case let .configurePool(pool, policy, secret):
            let salt = SecretDigest.randomSalt()
            let current = try secret == nil ? tickets.pool(pool)?.secret : nil
            switch Decider.configurePool(
                pool, policy: policy, secret: secret, current: current, salt: salt, now: clock.now()
            ) {
            case .success(let event):
                try append(.poolConfigured(event))
                return .success(.configured)
            case .failure(let error):
                return .failure(error)
            }
        case let .issue(request, ip):
            return try issue(request, ip: ip).map(Reply.issued)
        case let .redeem(ticket, pool, secret, retryKey):
            return .success(.redeemed(try redeem(ticket, pool: pool, secret: secret, retryKey: retryKey)))
        case let .expireDue(limit, grace):
            return .success(.swept(try expireDue(limit: limit, grace: grace)))
        case let .forget(key):
            return try forget(key).map(Reply.forgot)
        }
    }

    /// Forgets a user: their key destroyed (by the store, now), `UserForgotten` appended.
    mutating func forget(_ key: UserKey) throws -> Result<ForgetReport, LedgerError> {
        var store = tickets.store
        let generation = try store.personalKey(for: key)?.generation
        switch Decider.forget(key, user: try users.user(key), keyGeneration: generation, now: clock.now()) {
        case .success(nil):
            return .success(ForgetReport(pool: key.pool, user: key.user, sequence: nil, keyGeneration: 0))
        case .success(let event?):
            if generation != nil { try store.destroyPersonalKey(for: key) }
            let sequence = try append(.userForgotten(event))
            return .success(ForgetReport(pool: key.pool, user: key.user, sequence: sequence, keyGeneration: event.keyGeneration))
        case .failure(let error):
            return .failure(error)
        }
    }

    mutating func issue(_ request: IssueRequest, ip: IPAddress?) throws -> Result<IssuedTicket, LedgerError> {
        let ticket = Ticket.random(at: TicketLocator(sequence: meta.head.sequence + 1), cipher: cipher)
        let decision = Decider.issue(
            request, ip: ip, verifierDigest: ticket.verifierDigest, poolState: try tickets.pool(request.pool),
            now: clock.now())
        switch decision {
        case .success(var event):
            var store = tickets.store
            let user = UserKey(pool: event.pool, user: event.user)
            if let key = try store.ensurePersonalKey(for: user) {
                event.sealed = try SealedPersonalData.seal(profile: event.profile, ip: event.ip, of: user, under: key)
                usedKeys.append((user, key))
                event.profile = UserProfile()
                event.ip = nil
            }
            try append(.ticketIssued(event))
            return .success(IssuedTicket(ticket: ticket, expiresAt: event.expiresAt, issuedAt: event.at))
        case .failure(let error):
            return .failure(error)
        }
    }

    mutating func redeem(_ ticket: Ticket?, pool: PoolID, secret: String?, retryKey: SHA256Digest? = nil) throws -> RedeemReply {
        answeredRedemption = true
        let ticketState = try ticket.map { try tickets.ticket($0.locator) } ?? nil
        let remembered = acceptedSecret
        var accepted: SecretDigest.Accepted?
        // When its user was last forgotten (only a live ticket's owner is looked up).
        let forgottenAt = try ticketState.flatMap { state in
            Rules.isLive(state.status) ? try users.user(UserKey(pool: state.pool, user: state.user))?.forgottenAt : nil
        } ?? 0
        let decision = Decider.redeem(
            presented: ticket, pool: pool, secret: secret, poolState: try tickets.pool(pool),
            ticketState: ticketState, forgottenAt: forgottenAt, now: clock.now(), retryKey: retryKey, tokenLifetime: tokenLifetime,
            secretMatches: { digest, secret in
                if remembered?.matches(secret, for: digest) == true { return true }
                guard digest.matches(secret) else { return false }
                accepted = SecretDigest.Accepted(digest: digest, secret: secret)
                return true
            })
        if let accepted { acceptedSecret = accepted }
        switch decision {
        case .consume(let event):
            try append(.ticketConsumed(event))
            guard let state = ticketState, let user = try users.user(UserKey(pool: pool, user: state.user)) else {
                throw LedgerError.corrupted(path: path, detail: "the user of ticket \(event.locator) vanished while it was consumed")
            }
            return .consumed(UserKey(pool: state.pool, user: state.user), user)
        case .retried(let state):
            // The consume's answer again: its time and IP (the user's other fields as they are now).
            guard var user = try users.user(UserKey(pool: state.pool, user: state.user)) else {
                throw LedgerError.corrupted(path: path, detail: "the user of consumed ticket \(ticket?.locator.description ?? "?") is missing")
            }
            user.lastLogin = state.consumedAt
            user.takeLastIP(of: state)
            return .consumed(UserKey(pool: state.pool, user: state.user), user)
        case .reject(let reason, let record, let counted, let revoke):
            // A known ticket's refusal: its count stored (a write, like every answer's `meta`),
            // and its event, when the rules log this one.
            if let counted, let ticket { try tickets.setTicket(counted, for: ticket.locator) }
            if let record { try append(record) }
            if let revoke { try append(.tokensRevoked(revoke)) }
            return .rejected(RedemptionRejection(reason))
        }
    }

    /// Whether the users overlay is big enough (or old enough) to checkpoint now.
    func checkpointDue(_ policy: CheckpointPolicy) -> Bool {
        users.dirtyCount >= policy.users
            || meta.head.sequence - meta.usersSequence >= policy.events
    }

    /// Writes every user the overlay (its dirty ones) and this batch changed to the `users` database, and
    /// records that it now reflects the log up to the head.
    mutating func checkpointUsers() throws {
        var records: [(key: UserKey, state: UserState)] = []
        records.reserveCapacity(users.snapshot.dirtyCount + users.changes.count)
        for key in users.snapshot.dirtyKeys where users.changes.index(forKey: key) == nil {
            if let entry = users.snapshot.users[key] { records.append((key, entry.state)) }
        }
        for (key, user) in users.changes { records.append((key, user)) }
        try tickets.store.checkpoint(users: records)
        meta.usersSequence = meta.head.sequence
        checkpointed = true
    }

    /// Writes the new head (and checkpoint) to `meta`; call once, after the last command.
    ///
    /// A batch that answered a redemption writes `meta` even when nothing changed, so that
    /// its commit costs what one with an event costs (with `.durable`, an fsync). Otherwise a
    /// made-up ticket, which appends nothing, would be answered at once and a real ticket
    /// refused for its secret (whose refusal is recorded) only after the fsync: the time of
    /// the answer would tell a caller without the secret which tickets exist.
    mutating func finish() throws {
        guard meta != startMeta || answeredRedemption else { return }
        try tickets.store.setMeta(meta)
    }
}
