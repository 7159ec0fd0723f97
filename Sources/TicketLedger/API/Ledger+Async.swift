public import Logging

/// The `async` forms of the calls that would otherwise block: a task suspends instead of
/// holding a thread of the cooperative pool. Commands (`configurePool(_:policy:secret:)`,
/// `sweep(limit:grace:)`) queue for the writer thread and suspend until their batch is
/// durable; opening, closing and reads run on a Dispatch thread while the task suspends.
extension Ledger {
    /// Opens the store in directory `path`, off the cooperative pool; see
    /// `open(at:create:options:clock:logger:)`.
    public static func open(
        at path: String, create: Bool = false, options: Options = Options(),
        clock: any LedgerClock = SystemClock(), logger: Logger = Logger(label: "TicketLedger")
    ) async throws(LedgerError) -> Ledger {
        try await offloaded { () throws(LedgerError) in
            try Ledger.open(at: path, create: create, options: options, clock: clock, logger: logger)
        }
    }

    /// Opens the store at `location` (a directory or a PostgreSQL database), off the
    /// cooperative pool; see `open(_:create:options:clock:logger:)`.
    public static func open(
        _ location: StoreLocation, create: Bool = false, options: Options = Options(),
        clock: any LedgerClock = SystemClock(), logger: Logger = Logger(label: "TicketLedger")
    ) async throws(LedgerError) -> Ledger {
        try await offloaded { () throws(LedgerError) in
            try Ledger.open(location, create: create, options: options, clock: clock, logger: logger)
        }
    }

    /// Opens the store in a PostgreSQL database, off the cooperative pool; see
    /// `open(postgres:create:options:clock:logger:)`.
    public static func open(
        postgres location: PostgresLocation, create: Bool = false, options: Options = Options(),
        clock: any LedgerClock = SystemClock(), logger: Logger = Logger(label: "TicketLedger")
    ) async throws(LedgerError) -> Ledger {
        try await open(.postgres(location), create: create, options: options, clock: clock, logger: logger)
    }

    /// Sets `pool`'s policy, suspending until it is durable; see `configurePool(_:policy:secret:)`.
    public func configurePool(_ pool: PoolID, policy: PoolPolicy = PoolPolicy(), secret: String?) async throws(LedgerError) {
        _ = try await submit(.configurePool(pool, policy, secret: secret)).get()
        logPoolConfigured(pool, policy)
    }

    /// Expires due tickets and drops settled ones past `grace`, suspending until it is
    /// durable; see `expireDue(limit:grace:)`.
    public func expireDue(limit: Int = 10_000, grace: Duration = Ledger.ticketGracePeriod) async throws(LedgerError) -> Int {
        try await sweep(limit: limit, grace: grace).expired
    }

    /// Expires and drops as `expireDue(limit:grace:)` does, suspending until it is
    /// durable, and reports both counts; see `sweep(limit:grace:)`.
    public func sweep(limit: Int = 10_000, grace: Duration = Ledger.ticketGracePeriod) async throws(LedgerError) -> SweepReport {
        guard (Duration.zero...Self.maxGracePeriod).contains(grace) else {
            throw .invalidArgument("grace", "must be between 0 and 30 days")
        }
        guard case .swept(let report) = try await submit(.expireDue(limit: max(0, limit), grace: grace)).get() else {
            throw Self.mismatch
        }
        logSwept(report)
        return report
    }

    /// The state of the ticket at `locator`, read off the cooperative pool; see `ticketState(_:)`.
    public func ticketState(_ locator: TicketLocator) async throws(LedgerError) -> TicketState? {
        try await offloaded { () throws(LedgerError) in try self.ticketState(locator) }
    }

    /// The user document of `user` in `pool`, read off the cooperative pool; see
    /// `userDocument(pool:user:)`.
    public func userDocument(pool: PoolID, user: UserID) async throws(LedgerError) -> UserDocument? {
        try await offloaded { () throws(LedgerError) in try self.userDocument(pool: pool, user: user) }
    }
}
