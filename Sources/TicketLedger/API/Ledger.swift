import Dispatch
public import Logging
import Synchronization

/// A ticket ledger: issues single-use login tickets, redeems each exactly once, and keeps
/// every change as an event in an LMDB log in one directory.
///
/// Open one `Ledger` per store per process and share it: every method may be called from
/// any thread (the synchronous API blocks until the result is durable) or task (the `async`
/// API suspends). Writes are group-committed: one writer thread takes every command waiting,
/// runs them in one transaction, commits once (one fsync), then answers them all. Other
/// processes may open the same directory at the same time; LMDB serializes their writes, so a
/// ticket is consumed at most once across all of them.
///
/// ```swift
/// let ledger = try Ledger.open(at: "/var/lib/tickets", create: true)
/// let pool = try PoolID("5f8e9c0d1a2b3c4d5e6f7a8b")
/// try ledger.configurePool(pool, policy: PoolPolicy(), secret: "pool-secret")
/// let issued = try ledger.issueTicket(IssueRequest(pool: pool, user: try UserID("u1"), ip: "192.168.0.106"))
/// switch try ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: "pool-secret") {
/// case .redeemed(let user): reply(with: user)          // the user document, loginsCount and all
/// case .rejected(let why): refuse(because: why.reason)  // alreadyConsumed, expired, …
/// }
/// ```
public final class Ledger: LedgerReading {
    /// How an open store behaves.
    public struct Options: Sendable {
        /// How durably each commit reaches the disk (default `.durable`).
        public var durability: Durability
        /// The initial size of the memory map; it grows by itself when it fills.
        public var initialMapSize: Int
        /// Group commit (the default): one writer thread batches every waiting command into
        /// one transaction. `false` runs one transaction per call on the caller's thread — the
        /// naive way, kept as a benchmark baseline.
        public var groupCommit: Bool
        /// The most commands in one batch.
        public var maxBatch: Int
        /// How long the tokens an embedding server issues for a consume live (default 7200 s,
        /// the HTTP server's): a reuse of the ticket revokes them until then.
        public var tokenLifetime: Duration = .seconds(7200)
        /// When the users overlay is checkpointed (tests make it small).
        var checkpoint = CheckpointPolicy()
        /// Tests only: asked before each batch commits; a thrown error abandons the batch.
        var faultInjector: (@Sendable () throws -> Void)?

        /// The defaults: durable commits, a 1 GiB initial map, group commit of up to 4,096 commands.
        public init(durability: Durability = .durable, initialMapSize: Int = 1 << 30, groupCommit: Bool = true, maxBatch: Int = 4096) {
            self.durability = durability
            self.initialMapSize = initialMapSize
            self.groupCommit = groupCommit
            self.maxBatch = max(1, maxBatch)
        }
    }

    /// How durably an acknowledged write survives a crash.
    public enum Durability: String, Sendable, CaseIterable {
        /// Flushed (fsync) before it is acknowledged: survives power loss. The default.
        case durable
        /// Data flushed, the meta page not: a power loss may undo the last commits, never corrupt.
        case noMetaSync
        /// Nothing flushed. Unsafe: a power loss may lose or corrupt data. For tests only.
        case none
    }

    /// The store's directory.
    public var path: String { writer.path }
    let writer: any LedgerWriting
    private let queue: CommandQueue?
    private let writerDone = DispatchSemaphore(value: 0)
    private let isClosed = Atomic<Bool>(false)

    private init(writer: any LedgerWriting, queue: CommandQueue?) {
        self.writer = writer
        self.queue = queue
    }

    deinit { close() }

    /// Opens the store in directory `path`.
    ///
    /// - Parameters:
    ///   - path: the store's directory.
    ///   - create: create the directory (and missing parents) and an empty store when there is none.
    ///   - options: durability, the initial map size, group commit (``Options``).
    ///   - clock: where the time comes from (inject a ``ManualClock`` in tests).
    ///   - logger: where the ledger logs, at `info` and below. Tickets and secrets are never logged.
    /// - Throws: ``LedgerError`` when the directory is missing (``LedgerError/storeNotFound(path:)``),
    ///   holds something else (``LedgerError/notAStore(path:reason:)``), was written by a newer
    ///   version (``LedgerError/newerFormat(path:found:supported:)``), cannot be read, or is
    ///   already open in this process; ``LedgerError/invalidArgument(_:_:)`` for a
    ///   `postgres://` URL (open it as a ``StoreLocation``), which would otherwise be taken for
    ///   a relative directory.
    public static func open(
        at path: String, create: Bool = false, options: Options = Options(),
        clock: any LedgerClock = SystemClock(), logger: Logger = Logger(label: "TicketLedger")
    ) throws(LedgerError) -> Ledger {
        guard !PostgresLocation.isURL(path) else {
            throw .invalidArgument("store", "'\(path)' is a PostgreSQL URL: open it with Ledger.open(_:) and a StoreLocation")
        }
        let store = try LMDBStore.open(at: path, create: create, durability: options.durability, initialMapSize: options.initialMapSize)
        let ledger = try start(store, options: options, clock: clock, logger: logger)
        logger.debug("opened ticket store", metadata: ["path": "\(path)", "durability": "\(options.durability.rawValue)"])
        return ledger
    }

    /// Opens the store in a PostgreSQL database, shared by every host that opens it: single
    /// use holds across all of them (each batch locks the log's head row in its transaction).
    ///
    /// - Parameters:
    ///   - location: the database (``PostgresLocation``; the password comes from `PGPASSWORD`
    ///     or a password file, never from the URL).
    ///   - create: create the schema when the database has none (as `ticket-ledger migrate`).
    ///   - options: `maxBatch` and `groupCommit` apply; durability is the server's
    ///     (`synchronous_commit`), and the map size does not apply.
    ///   - clock: where the time comes from.
    ///   - logger: where the ledger logs, at `info` and below; never the password.
    /// - Throws: ``LedgerError/storeUnavailable(path:reason:)`` when the database cannot be
    ///   reached, ``LedgerError/notAStore(path:reason:)`` when it holds no schema (without
    ///   `create`), ``LedgerError/newerFormat(path:found:supported:)`` for a newer schema.
    public static func open(
        postgres location: PostgresLocation, create: Bool = false, options: Options = Options(),
        clock: any LedgerClock = SystemClock(), logger: Logger = Logger(label: "TicketLedger")
    ) throws(LedgerError) -> Ledger {
        let store = try PostgresStore.open(location, create: create, logger: logger)
        var options = options
        options.checkpoint = .everyBatch
        let ledger = try start(store, options: options, clock: clock, logger: logger)
        logger.debug("opened ticket store", metadata: ["store": "\(location)"])
        return ledger
    }

    /// Starts a writer on `store`: catches the users overlay up, then starts the writer thread.
    private static func start(
        _ store: some LedgerStore, options: Options, clock: any LedgerClock, logger: Logger
    ) throws(LedgerError) -> Ledger {
        let writer = LedgerWriter(
            store: store, clock: clock,
            logger: logger, maxBatch: options.maxBatch, checkpointPolicy: options.checkpoint,
            tokenLifetime: options.tokenLifetime, faultInjector: options.faultInjector)
        do {
            // Catch the users overlay up with the log tail now, not on the first request.
            _ = try writer.user(UserKey(pool: PoolID(unchecked: ""), user: UserID(unchecked: "")))
        } catch {
            writer.shutDown(checkpoint: false)
            throw error
        }
        let queue = options.groupCommit ? CommandQueue() : nil
        let ledger = Ledger(writer: writer, queue: queue)
        if let queue {
            let done = ledger.writerDone
            let rc = POSIX.startThread(named: "ledger-writer") { [writer] in
                writer.writerLoop(queue)
                done.signal()
            }
            guard rc == 0 else {
                ledger.isClosed.store(true, ordering: .releasing)
                writer.shutDown(checkpoint: false)
                throw .storage(path: store.path, operation: "pthread_create(writer)", message: "cannot start the writer thread (error \(rc))")
            }
        }
        return ledger
    }

    /// Checkpoints the users projection, stops the writer after it has answered every queued
    /// command, and closes the store. Further calls throw ``LedgerError/closed``; closing twice
    /// is harmless.
    public func close() { close(checkpointing: true) }

    /// Closes; without `checkpointing` the users overlay is left to be replayed from the log
    /// on the next open, as after a crash (tests use that).
    func close(checkpointing: Bool) {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let queue {
            queue.stop()
            writerDone.wait()
        }
        writer.shutDown(checkpoint: checkpointing)
    }

    // MARK: - Commands

    /// Sets `pool`'s policy, appending `PoolConfigured`. The secret is stored only as a salted digest.
    ///
    /// - Throws: ``LedgerError/secretMissingForPool(_:)`` when the policy requires a secret and
    ///   none is given; ``LedgerError/invalidArgument(_:_:)`` for a lifetime outside 1 s…1 day.
    public func configurePool(_ pool: PoolID, policy: PoolPolicy = PoolPolicy(), secret: String?) throws(LedgerError) {
        _ = try submit(.configurePool(pool, policy, secret: secret)).get()
        logPoolConfigured(pool, policy)
    }

    func logPoolConfigured(_ pool: PoolID, _ policy: PoolPolicy) {
        writer.logger.info("pool configured", metadata: [
            "pool": "\(pool)", "lifetime_s": "\(policy.ticketLifetime.wholeMilliseconds / 1000)",
            "secret_required": "\(policy.secretRequired)",
        ])
    }

    /// Issues a ticket to `request.user`, appending `TicketIssued`.
    ///
    /// - Returns: the ticket (hand its `text` to the app) and when it expires.
    /// - Throws: ``LedgerError/poolNotConfigured(_:)``, or ``LedgerError/invalidArgument(_:_:)``
    ///   for an IP address or a profile field out of bounds.
    public func issueTicket(_ request: IssueRequest) throws(LedgerError) -> IssuedTicket {
        guard case .issued(let issued) = try submit(try Self.issueCommand(request)).get() else { throw Self.mismatch }
        return issued
    }

    /// Issues a ticket, suspending instead of blocking; see `issueTicket(_:)`.
    public func issueTicket(_ request: IssueRequest) async throws(LedgerError) -> IssuedTicket {
        guard case .issued(let issued) = try await submit(try Self.issueCommand(request)).get() else { throw Self.mismatch }
        return issued
    }

    /// Redeems `ticket` in `pool`, at most once across every thread and process.
    ///
    /// Everything is decided and appended in one write transaction: on success
    /// `TicketConsumed`, on refusal of a ticket the ledger knows `RedemptionRejected`.
    /// Returns only once the outcome is durable.
    ///
    /// With an `idempotencyKey` (``RetryKey``: 1–255 bytes of printable ASCII, one per
    /// exchange the caller may repeat) the consume records the key's digest, and a retry of
    /// the same ticket with the same key — while the ticket is held, until its grace period
    /// ends — gets the consume's answer again (the same user, `lastLogin` and `lastIP`)
    /// without counting a second login. Without the key, or with another, a consumed ticket
    /// is `alreadyConsumed`.
    /// - Returns: the user document, or why the ticket was refused.
    /// - Throws: ``LedgerError/invalidArgument(_:_:)`` for a malformed idempotency key;
    ///   otherwise only when the store itself fails (then nothing of the batch was applied).
    public func redeem(
        ticket: String, pool: PoolID, secret: String?, idempotencyKey: String? = nil
    ) throws(LedgerError) -> RedemptionOutcome {
        let command = try redeemCommand(ticket, pool: pool, secret: secret, idempotencyKey: idempotencyKey)
        guard case .redeemed(let redemption) = try submit(command).get() else { throw Self.mismatch }
        return try opened(redemption)
    }

    /// The outcome of `reply`, its sealed fields opened with the user's key, read here, on the
    /// caller's thread: opening costs the caller, not the writer.
    private func opened(_ reply: RedeemReply) throws(LedgerError) -> RedemptionOutcome {
        guard let (user, generation) = reply.sealedUser else { return reply.outcome(key: nil) }
        let writer = self.writer
        return reply.outcome(key: try writer.personalKeys.key(for: user, generation: generation) { () throws(LedgerError) in
            try writer.personalKey(for: user)
        })
    }

    /// Redeems a ticket, suspending instead of blocking; see `redeem(ticket:pool:secret:idempotencyKey:)`.
    public func redeem(
        ticket: String, pool: PoolID, secret: String?, idempotencyKey: String? = nil
    ) async throws(LedgerError) -> RedemptionOutcome {
        let command = try redeemCommand(ticket, pool: pool, secret: secret, idempotencyKey: idempotencyKey)
        guard case .redeemed(let redemption) = try await submit(command).get() else { throw Self.mismatch }
        return try opened(redemption)
    }

    /// The command for a redemption: the text parsed and the key digested here, on the caller's thread.
    private func redeemCommand(_ text: String, pool: PoolID, secret: String?, idempotencyKey: String?) throws(LedgerError) -> Command {
        let key = try idempotencyKey.map { (text) throws(LedgerError) in try RetryKey(text) }
        let ticket = Ticket(text, cipher: writer.locatorCipher)
        return .redeem(ticket, pool: pool, secret: secret, retryKey: ticket.flatMap { t in key?.digest(for: t.locator) })
    }

    /// Appends `TicketExpired` for every issued ticket whose expiry has passed, found through
    /// the expiry index (so the cost follows the number of due tickets), then drops consumed
    /// and expired tickets whose `expiresAt` plus `grace` has passed (`TicketsPurged`).
    ///
    /// - Parameters:
    ///   - limit: the most tickets to expire (and, separately, to drop) in this call.
    ///   - grace: how long a settled ticket stays after its `expiresAt`, so that a replayed
    ///     ticket is told `alreadyConsumed` rather than `unknown` (default
    ///     ``ticketGracePeriod``, 300 s; at most 30 days).
    /// - Returns: how many tickets it expired (`sweep(limit:grace:)` also says how many it dropped).
    /// - Throws: ``LedgerError/invalidArgument(_:_:)`` for a grace period below zero or over 30 days.
    public func expireDue(limit: Int = 10_000, grace: Duration = Ledger.ticketGracePeriod) throws(LedgerError) -> Int {
        try sweep(limit: limit, grace: grace).expired
    }

    /// Expires due tickets and drops settled ones past `grace`, as `expireDue(limit:grace:)`
    /// does, and reports both counts.
    ///
    /// - Throws: ``LedgerError/invalidArgument(_:_:)`` for a grace period below zero or over 30 days.
    public func sweep(limit: Int = 10_000, grace: Duration = Ledger.ticketGracePeriod) throws(LedgerError) -> SweepReport {
        guard (Duration.zero...Self.maxGracePeriod).contains(grace) else {
            throw .invalidArgument("grace", "must be between 0 and 30 days")
        }
        guard case .swept(let report) = try submit(.expireDue(limit: max(0, limit), grace: grace)).get() else { throw Self.mismatch }
        logSwept(report)
        return report
    }

    func logSwept(_ report: SweepReport) {
        if report.expired > 0 || report.purged > 0 {
            writer.logger.info("swept tickets", metadata: ["expired": "\(report.expired)", "purged": "\(report.purged)"])
        }
    }

    /// Issues many tickets at once: they are queued together, so they share few batches.
    /// Each request succeeds or fails on its own.
    public func issueTickets(_ requests: [IssueRequest]) throws(LedgerError) -> [Result<IssuedTicket, LedgerError>] {
        var commands: [Result<Command, LedgerError>] = []
        commands.reserveCapacity(requests.count)
        for request in requests { commands.append(Result { () throws(LedgerError) in try Self.issueCommand(request) }) }
        let valid = commands.compactMap { try? $0.get() }
        var replies = try submitAll(valid).makeIterator()
        return commands.map { command in
            if case .failure(let error) = command { return .failure(error) }
            guard let reply = replies.next() else { return .failure(Self.mismatch) }
            return reply.flatMap { reply in
                guard case .issued(let issued) = reply else { return .failure(Self.mismatch) }
                return .success(issued)
            }
        }
    }

    /// How many write batches the ledger has committed, and the commands in them, since it opened.
    public var writeStatistics: WriteStatistics { writer.statistics() }

    static let mismatch = LedgerError.storage(path: "", operation: "reply", message: "the writer answered a different command")

    private static func issueCommand(_ request: IssueRequest) throws(LedgerError) -> Command {
        try request.profile.validate()
        let ip = try request.ip.map { (text) throws(LedgerError) in try IPAddress(text) }
        return .issue(request, ip: ip)
    }

    // MARK: - Reads

    /// The state of the ticket at `locator`, or `nil` when the ledger holds none.
    public func ticketState(_ locator: TicketLocator) throws(LedgerError) -> TicketState? {
        try checkOpen()
        return try writer.ticket(locator)
    }

    /// The user document of `user` in `pool` as of every acknowledged event, or `nil` when no
    /// ticket was ever issued to them, or they were forgotten and have had none since.
    public func userDocument(pool: PoolID, user: UserID) throws(LedgerError) -> UserDocument? {
        try checkOpen()
        let key = UserKey(pool: pool, user: user)
        guard let state = try writer.user(key), !state.isForgotten else { return nil }
        return UserDocument(user: key, state: state, key: state.sealed == nil ? nil : try writer.personalKey(for: key))
    }

    /// The open store; ``LedgerError/closed`` once closed.
    public var readAccess: LedgerReadAccess {
        get throws(LedgerError) {
            try checkOpen()
            return writer.readAccess
        }
    }

    // MARK: - Submitting commands

    private func checkOpen() throws(LedgerError) {
        guard !isClosed.load(ordering: .acquiring) else { throw .closed }
    }

    /// Runs `commands` together: queued at once (so they share batches), answered in order.
    private func submitAll(_ commands: [Command]) throws(LedgerError) -> [Result<Reply, LedgerError>] {
        try checkOpen()
        guard let queue else { return try writer.runBatch(commands, forceCheckpoint: false) }
        let slots = commands.map { _ in BlockingReply() }
        for (command, slot) in zip(commands, slots) {
            guard queue.enqueue(PendingCommand(command: command, sink: .blocking(slot))) else { throw .closed }
        }
        return slots.map { $0.wait() }
    }

    /// Runs `command`: through the writer thread (group commit), or in a transaction of its own.
    func submit(_ command: Command) throws(LedgerError) -> Result<Reply, LedgerError> {
        try checkOpen()
        guard let queue else { return try writer.runBatch([command], forceCheckpoint: false)[0] }
        let slot = BlockingReply()
        guard queue.enqueue(PendingCommand(command: command, sink: .blocking(slot))) else { throw .closed }
        return slot.wait()
    }

    func submit(_ command: Command) async throws(LedgerError) -> Result<Reply, LedgerError> {
        try checkOpen()
        // An unsafe continuation (no checking object allocated per call, which the writer
        // would then resume): each one is resumed exactly once — by `ReplySink.deliver`, as
        // the writer answers every command it takes and drains the queue before it stops, or
        // here when the queue refuses the command.
        let result: Result<Result<Reply, LedgerError>, LedgerError> = await withUnsafeContinuation { continuation in
            guard let queue else {
                // The naive baseline has no writer thread: run the transaction off the
                // cooperative pool, which must never block on I/O.
                DispatchQueue.global().async { [writer] in
                    continuation.resume(returning: Result { () throws(LedgerError) in try writer.runBatch([command], forceCheckpoint: false)[0] })
                }
                return
            }
            let pending = PendingCommand(
                command: command, sink: .async(AsyncSink { continuation.resume(returning: .success($0)) }))
            if !queue.enqueue(pending) { continuation.resume(returning: .failure(.closed)) }
        }
        return try result.get()
    }
}
