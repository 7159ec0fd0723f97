import Logging
import Synchronization

/// What ``Ledger`` asks of its writer, whatever store is behind it: a ``LedgerWriter`` over
/// LMDB or over PostgreSQL. One call per command or batch goes through this protocol; the
/// per-key work inside a batch stays specialized to the store.
protocol LedgerWriting: AnyObject, Sendable {
    /// Where the store is (a directory, or a PostgreSQL URL without its password).
    var path: String { get }
    var logger: Logger { get }
    /// Runs `commands` in one transaction; see ``LedgerWriter/runBatch(_:forceCheckpoint:)``.
    func runBatch(_ commands: [Command], forceCheckpoint: Bool) throws(LedgerError) -> [Result<Reply, LedgerError>]
    /// The writer thread's loop, until `queue` stops.
    func writerLoop(_ queue: CommandQueue)
    /// Checkpoints the users (when asked) and closes the store.
    func shutDown(checkpoint: Bool)
    /// A user as every acknowledged event left them.
    func user(_ key: UserKey) throws(LedgerError) -> UserState?
    /// A ticket's state in the tickets projection.
    func ticket(_ locator: TicketLocator) throws(LedgerError) -> TicketState?
    /// The key of a user's personal data, or `nil` when there is none.
    func personalKey(for user: UserKey) throws(LedgerError) -> PersonalKey?
    /// The keys redemption answers are opened with (``PersonalKeyCache``).
    var personalKeys: PersonalKeyCache { get }
    /// Counts of committed batches and commands.
    func statistics() -> WriteStatistics
    /// Starts the users overlay over from the checkpoint at `sequence` (after a rebuild).
    func restartUsers(at sequence: UInt64)
    /// The reads of ``LedgerReading`` on this store.
    var readAccess: LedgerReadAccess { get }
    /// The key of the store's ticket texts.
    var locatorCipher: LocatorCipher { get }
    /// Where the time comes from.
    var clock: any LedgerClock { get }
}

extension LedgerWriter: LedgerWriting {
    func ticket(_ locator: TicketLocator) throws(LedgerError) -> TicketState? {
        try store.read { snapshot in try snapshot.ticket(locator) }
    }

    func restartUsers(at sequence: UInt64) {
        users.state.withLock { $0 = UsersView.Overlay(base: sequence, applied: sequence, users: [:]) }
    }

    var readAccess: LedgerReadAccess { store.readAccess }

    var locatorCipher: LocatorCipher { store.locatorCipher }
}

extension LedgerWriting {
    /// Runs `commands` in one transaction, checkpointing the users only when due.
    func runBatch(_ commands: [Command]) throws(LedgerError) -> [Result<Reply, LedgerError>] {
        try runBatch(commands, forceCheckpoint: false)
    }
}
