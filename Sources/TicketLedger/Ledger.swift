import LMDB
public import Logging
import Synchronization

/// A ticket ledger: issues single-use login tickets, redeems each exactly once, and keeps
/// every change as an event in an LMDB log in one directory.
///
/// Open one `Ledger` per store per process and share it: every method may be called from
/// any thread or task. Other processes may open the same directory at the same time; LMDB
/// serializes their writes, so a ticket is consumed at most once across all of them.
///
/// ```swift
/// let ledger = try Ledger.open(at: "/var/lib/tickets", create: true)
/// let pool = try PoolID("5f8e9c0d1a2b3c4d5e6f7a8b")
/// try ledger.configurePool(pool, policy: PoolPolicy(), secret: "pool-secret")
/// let issued = try ledger.issueTicket(IssueRequest(pool: pool, user: try UserID("u1"), ip: "192.168.0.106"))
/// switch try ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: "pool-secret") {
/// case .redeemed(let user): print(user.loginsCount)
/// case .rejected(let why): print(why.reason)
/// }
/// ```
public final class Ledger: Sendable {
    /// How an open store behaves.
    public struct Options: Sendable {
        /// How durably each commit reaches the disk (default `.durable`).
        public var durability: Durability
        /// The initial size of the memory map; it grows by itself when it fills.
        public var initialMapSize: Int

        /// The defaults: durable commits, a 1 GiB initial map.
        public init(durability: Durability = .durable, initialMapSize: Int = 1 << 30) {
            self.durability = durability
            self.initialMapSize = initialMapSize
        }
    }

    /// How durably an acknowledged write survives a crash.
    public enum Durability: String, Sendable, CaseIterable {
        /// Flushed (fsync) before it is acknowledged: survives power loss. The default.
        case durable
        /// Data flushed, metadata not: a power loss may undo the last commits, never corrupt.
        case noMetaSync
        /// Nothing flushed. Unsafe: a power loss may lose or corrupt data. For tests only.
        case none
    }

    /// The store's directory.
    public let path: String
    let environment: Environment
    let layout: StoreLayout
    let clock: any LedgerClock
    let logger: Logger
    private let canonicalPath: String
    private let isClosed = Atomic<Bool>(false)

    private init(
        path: String, canonicalPath: String, environment: Environment, layout: StoreLayout,
        clock: any LedgerClock, logger: Logger
    ) {
        self.path = path
        self.canonicalPath = canonicalPath
        self.environment = environment
        self.layout = layout
        self.clock = clock
        self.logger = logger
    }

    deinit { close() }

    /// Opens the store in directory `path`.
    ///
    /// - Parameters:
    ///   - create: create the directory and an empty store when there is none.
    ///   - clock: where the time comes from (inject a ``ManualClock`` in tests).
    ///   - logger: where the ledger logs, at `info` and below. Tickets and secrets are never logged.
    /// - Throws: ``LedgerError`` when the directory is missing (``LedgerError/storeNotFound(path:)``),
    ///   holds something else (``LedgerError/notAStore(path:reason:)``), was written by a newer
    ///   version (``LedgerError/newerFormat(path:found:supported:)``), cannot be read, or is
    ///   already open in this process.
    public static func open(
        at path: String, create: Bool = false, options: Options = Options(),
        clock: any LedgerClock = SystemClock(), logger: Logger = Logger(label: "TicketLedger")
    ) throws(LedgerError) -> Ledger {
        var env = EnvironmentOptions()
        env.mapSize = options.initialMapSize
        env.maxDatabases = 16
        switch options.durability {
        case .durable: env.sync = .durable
        case .noMetaSync: env.sync = .noMetaSync
        case .none: env.sync = .none
        }
        let (environment, layout, canonical) = try openStore(path: path, create: create, options: env)
        logger.debug("opened ticket store", metadata: ["path": "\(path)", "durability": "\(options.durability.rawValue)"])
        return Ledger(
            path: path, canonicalPath: canonical, environment: environment, layout: layout, clock: clock, logger: logger)
    }

    /// Closes the store. Further calls throw ``LedgerError/closed``; closing twice is harmless.
    public func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        environment.close()
        _ = openStores.withLock { $0.remove(canonicalPath) }
    }

    // MARK: - Commands

    /// Sets `pool`'s policy, appending `PoolConfigured`. The secret is stored only as a salted digest.
    ///
    /// - Throws: ``LedgerError/secretMissingForPool(_:)`` when the policy requires a secret and
    ///   none is given; ``LedgerError/invalidArgument(_:_:)`` for a lifetime outside 1 s…1 day.
    public func configurePool(_ pool: PoolID, policy: PoolPolicy = PoolPolicy(), secret: String?) throws(LedgerError) {
        let event = try Decider.configurePool(pool, policy: policy, secret: secret, now: clock.now()).get()
        try write { batch in _ = try batch.append(.poolConfigured(event)) }
        logger.info("pool configured", metadata: [
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
        try request.profile.validate()
        let ip = try request.ip.map { (text) throws(LedgerError) in try IPAddress(text) }
        return try write { batch in try batch.issue(request, ip: ip) }
    }

    /// Redeems `ticket` in `pool`, at most once across every thread and process.
    ///
    /// Everything is decided and appended in one write transaction: on success
    /// `TicketConsumed`, on refusal of a ticket the ledger knows `RedemptionRejected`.
    /// - Returns: the user document, or why the ticket was refused.
    /// - Throws: only when the store itself fails (then nothing was consumed).
    public func redeem(ticket: String, pool: PoolID, secret: String?) throws(LedgerError) -> RedemptionOutcome {
        let parsed = Ticket(ticket)
        return try write { batch in try batch.redeem(parsed, pool: pool, secret: secret) }
    }

    /// Appends `TicketExpired` for every issued ticket whose expiry has passed, found through
    /// the expiry index (so the cost follows the number of due tickets).
    ///
    /// - Parameter limit: the most tickets to expire in this call.
    /// - Returns: how many tickets it expired.
    public func expireDue(limit: Int = 10_000) throws(LedgerError) -> Int {
        let count = try write { batch in try batch.expireDue(limit: limit) }
        if count > 0 { logger.info("expired tickets", metadata: ["count": "\(count)"]) }
        return count
    }

    // MARK: - Reads

    /// The chain head: the last sequence number and its hash, to keep elsewhere for audits.
    public func head() throws(LedgerError) -> ChainHead {
        try read { txn in try readMeta(txn).head }
    }

    /// The state of the ticket at `locator`, or `nil` when the ledger holds none.
    public func ticketState(_ locator: TicketLocator) throws(LedgerError) -> TicketState? {
        try read { txn in try LMDBProjections(txn: txn, layout: layout, path: path).ticket(locator) }
    }

    /// The user document of `user` in `pool`, or `nil` when no ticket was ever issued to them.
    public func userDocument(pool: PoolID, user: UserID) throws(LedgerError) -> UserDocument? {
        try read { txn in
            try LMDBProjections(txn: txn, layout: layout, path: path).user(UserKey(pool: pool, user: user))
                .map { UserDocument(user: user, state: $0) }
        }
    }

    // MARK: - Transactions

    func read<R>(_ body: (Transaction) throws -> R) throws(LedgerError) -> R {
        guard !isClosed.load(ordering: .acquiring) else { throw .closed }
        do {
            return try environment.read(body)
        } catch {
            throw ledgerError(error, path: path)
        }
    }

    /// Runs `body` in one write transaction, committed (durably, by default) before it returns.
    func write<R>(_ body: (inout WriteBatch) throws -> R) throws(LedgerError) -> R {
        guard !isClosed.load(ordering: .acquiring) else { throw .closed }
        do {
            return try environment.write { txn in
                var batch = try WriteBatch(txn: txn, layout: layout, path: path, clock: clock)
                let result = try body(&batch)
                try batch.finish()
                return result
            }
        } catch {
            let failure = ledgerError(error, path: path)
            switch failure {
            case .invalidArgument, .poolNotConfigured, .secretMissingForPool: break  // the caller's to handle
            default: logger.warning("write transaction failed", metadata: ["error": "\(failure)"])
            }
            throw failure
        }
    }

    func readMeta(_ txn: Transaction) throws -> StoreMeta {
        try txn.withValue(layout.meta, key: StoreLayout.metaKey) { bytes in
            guard let bytes else { throw LedgerError.corrupted(path: path, detail: "the ledger metadata record is missing") }
            return try StoreMeta(decoding: bytes)
        }
    }
}
