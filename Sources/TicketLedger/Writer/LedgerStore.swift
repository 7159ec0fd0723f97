/// The seam between the writer and storage: everything the writer (``LedgerWriter``,
/// ``WriteBatch``, ``UsersView``) asks of a store, and nothing else. LMDB implements it
/// (`Storage/LMDBStore.swift`), and so does PostgreSQL (`Storage/Postgres/PostgresStore.swift`):
/// the writer, the rules and the users overlay are the same for both.
///
/// The calls are made for a store across a network as much as for one in memory:
/// - a batch is one transaction (``write(_:)``): commit on return, abort on throw;
/// - what a batch's commands read is given to ``LedgerStore/write(readingAhead:_:)`` (a
///   ``ReadAhead``), so a networked store asks for it with the transaction's first round trip,
///   not one per command;
/// - scans (the expiry index, old tickets, the log tail) feed a pure plan from the domain
///   (``ExpiryPlan``, ``PurgePlan``) until it says stop, so a store can fetch them in pages;
/// - writes are whole records (an appended event, the meta record, a checkpoint's users).
///
/// The writer is generic over its store, so the LMDB path is specialized and stays as direct
/// as it was: no existential or witness-table call per key on the hot path.
protocol LedgerStore: Sendable {
    /// One write transaction.
    associatedtype Batch: StoreBatch
    /// One read transaction.
    associatedtype Snapshot: StoreSnapshot

    /// Where the store lives, for errors and logs.
    var path: String { get }

    /// Whether a commit returns only once it is durable. When it is not, commits are cheap
    /// and the writer hands waking callers to another thread.
    var commitsWaitForDisk: Bool { get }

    /// Whether the store reads ahead (else the writer does not gather a ``ReadAhead``).
    var readsAhead: Bool { get }

    /// Runs `body` in one write transaction: commits when it returns, rolls back when it throws.
    /// Writers are serialized (across processes too, for a store that several share). Every
    /// failure, the store's and `body`'s, reaches the caller as a ``LedgerError`` naming the store.
    /// What `ahead` names is read before `body` runs (by a store that ``readsAhead``).
    func write<R>(readingAhead ahead: ReadAhead?, _ body: (Batch) throws -> R) throws(LedgerError) -> R

    /// Runs `body` in one read transaction (a consistent snapshot); failures as in ``write(_:)``.
    func read<R>(_ body: (Snapshot) throws -> R) throws(LedgerError) -> R

    /// What ``LedgerReading`` reads this store through.
    var readAccess: LedgerReadAccess { get }

    /// The key of the store's ticket texts (``LocatorCipher``), the same for every process
    /// that opens the store: made once, on the first open for writing, and kept in the store.
    var locatorCipher: LocatorCipher { get }

    /// Releases the store; no call may follow.
    func close()
}

/// What a batch's commands will read — pools, tickets and the users being issued to — gathered
/// before its transaction begins.
struct ReadAhead: Sendable {
    var pools: [PoolID] = []
    var tickets: [TicketLocator] = []
    var users: [UserKey] = []

    var isEmpty: Bool { pools.isEmpty && tickets.isEmpty && users.isEmpty }
}

/// What a transaction reads: the metadata record, projections and the log.
protocol StoreSnapshot {
    /// The metadata record: the log's head and the users checkpoint's sequence.
    func meta() throws -> StoreMeta
    /// A pool's state.
    func pool(_ id: PoolID) throws -> PoolState?
    /// A ticket's state in the tickets projection.
    func ticket(_ locator: TicketLocator) throws -> TicketState?
    /// A user as of the last users checkpoint (the stored users projection alone).
    func checkpointedUser(_ key: UserKey) throws -> UserState?
    /// Calls `body` with each event after `sequence` up to `last`, in order (the users
    /// overlay's catch-up reads the log tail through it).
    func forEachEvent(after sequence: UInt64, through last: UInt64, _ body: (UInt64, LedgerEvent) throws -> Void) throws
    /// A ticket already purged from the projection, as its `TicketIssued` event describes it;
    /// `nil` when the log has no such issue.
    func purgedTicket(_ locator: TicketLocator) throws -> TicketState?
    /// Reads ahead the tickets a catch-up of the log tail is about to ask for.
    func readAhead(tickets: [TicketLocator]) throws
    /// The key that seals `user`'s personal data (``PersonalKey``), or `nil` when the user has
    /// none (never issued a sealed ticket, or forgotten) or the store does not seal.
    func personalKey(for user: UserKey) throws -> PersonalKey?
}

extension StoreSnapshot {
    /// Nothing to read ahead (a store in the same process).
    func readAhead(tickets: [TicketLocator]) throws {}
}

/// One write transaction of the writer: the tickets side of the projections (through
/// ``TicketProjections``, as the ``Projector`` writes them), and the log, meta record and
/// users checkpoint. A value of it is a handle: copies work on the same transaction.
protocol StoreBatch: StoreSnapshot, TicketProjections {
    /// Appends `event`'s encoded record (see `EventCodec`) at `sequence`, the head's next.
    mutating func append(record: [UInt8], of event: LedgerEvent, at sequence: UInt64) throws
    /// Replaces the metadata record.
    mutating func setMeta(_ meta: StoreMeta) throws
    /// Writes a users checkpoint: every user given (full states, replacing the stored ones).
    mutating func checkpoint(users: [(key: UserKey, state: UserState)]) throws
    /// Feeds `plan` the expiry index's entries, oldest `expiresAt` first, until it says stop.
    func scanDue(into plan: inout ExpiryPlan) throws
    /// Feeds `plan` the tickets projection in issue order, oldest first, until it says stop.
    func scanTickets(into plan: inout PurgePlan) throws
    /// `user`'s personal-data key, made (and kept outside the log) when the user has none;
    /// `nil` for a store that keeps personal data in the clear.
    mutating func ensurePersonalKey(for user: UserKey) throws -> PersonalKey?
    /// Destroys `user`'s personal-data key so that no copy of it stays in the store (a user
    /// forgotten). It may be gone even if the transaction then rolls back.
    mutating func destroyPersonalKey(for user: UserKey) throws
}

extension LedgerStore {
    /// A store in the same process reads nothing ahead.
    var readsAhead: Bool { false }

    /// One write transaction that reads nothing ahead.
    func write<R>(_ body: (Batch) throws -> R) throws(LedgerError) -> R {
        try write(readingAhead: nil, body)
    }
}
