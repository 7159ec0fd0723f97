import LMDB
import Synchronization

/// The users projection as every read must see it: the `users` database as of its last
/// checkpoint, plus an in-memory overlay of every user changed by the events since.
///
/// Why not write users in every transaction, like tickets? User keys are random, so each
/// redemption would dirty its own B-tree page; measured in C on this machine, that cuts 64
/// group-committed callers from about 75,000 to 12,000 redemptions/s. So the writer keeps
/// changed users in memory and checkpoints them every so often (when the overlay holds
/// `CheckpointPolicy.users` users or `CheckpointPolicy.events` events have passed, and on
/// close) together with the sequence they reflect (`StoreMeta.usersSequence`).
///
/// Rules that keep it exact:
/// 1. The overlay holds full user states (not deltas) for events `(base, applied]`, where
///    `base` is the checkpoint it was built on.
/// 2. When the stored checkpoint is not `base` (another process checkpointed), the overlay is
///    dropped and rebuilt from the log after the new checkpoint: the `users` database already
///    holds everything up to it.
/// 3. When the log's head is past `applied` (another process appended), the overlay replays
///    the tail. Both happen inside a transaction, under `state`'s lock.
/// 4. A write batch merges its changes only if nothing moved `applied` since it began;
///    otherwise a catch-up already replayed its events from the log.
final class UsersView: Sendable {
    struct Overlay {
        var base: UInt64
        var applied: UInt64
        var users: [UserKey: UserState]
    }

    let state: Mutex<Overlay>
    let path: String

    init(path: String) {
        self.path = path
        self.state = Mutex(Overlay(base: 0, applied: 0, users: [:]))
    }

    /// Brings `overlay` up to the store as `tickets`' transaction sees it (rules 2 and 3).
    static func catchUp(_ overlay: inout Overlay, with tickets: LMDBProjections, meta: StoreMeta) throws {
        if overlay.base != meta.usersSequence || overlay.applied > meta.head.sequence {
            overlay = Overlay(base: meta.usersSequence, applied: meta.usersSequence, users: [:])
        }
        guard overlay.applied < meta.head.sequence else { return }
        var users = OverlayUsers(overlay: overlay.users, tickets: tickets)
        overlay.users = [:]  // let `users` own the storage while it grows
        try tickets.forEachEvent(after: overlay.applied, through: meta.head.sequence) { sequence, event in
            var consumed: TicketState?
            if case .ticketConsumed(let e) = event { consumed = try tickets.ticket(e.locator) ?? tickets.purgedTicket(e.locator) }
            try Projector.applyToUsers(event, sequence: sequence, ticket: consumed, to: &users)
        }
        overlay.users = users.overlay
        overlay.applied = meta.head.sequence
    }

    /// The user as every acknowledged event left them, reading the store in `txn`.
    func user(_ key: UserKey, txn: Transaction, layout: StoreLayout) throws -> UserState? {
        let tickets = LMDBProjections(txn: txn, layout: layout, path: path)
        let meta = try tickets.meta()
        return try state.withLock { overlay in
            try Self.catchUp(&overlay, with: tickets, meta: meta)
            if let user = overlay.users[key] { return user }
            return try tickets.checkpointedUser(key)
        }
    }

    /// Merges a committed batch's user changes (rule 4); `checkpointed` says whether the batch
    /// wrote them all to the `users` database at `head`.
    func commit(_ changes: [UserKey: UserState], from start: UInt64, to head: UInt64, checkpointed: Bool) {
        state.withLock { overlay in
            if checkpointed {
                if overlay.applied <= head { overlay = Overlay(base: head, applied: head, users: [:]) }
                return
            }
            guard overlay.applied == start else { return }
            for (key, user) in changes { overlay.users[key] = user }
            overlay.applied = head
        }
    }
}

/// Users read through an overlay, then the `users` database; writes go to the overlay.
struct OverlayUsers: UserProjections {
    var overlay: [UserKey: UserState]
    let tickets: LMDBProjections

    func user(_ key: UserKey) throws -> UserState? {
        if let user = overlay[key] { return user }
        return try tickets.checkpointedUser(key)
    }

    mutating func setUser(_ state: UserState, for key: UserKey) throws {
        overlay[key] = state
    }
}

/// A write batch's users: its own changes, over the overlay as the batch began, over the
/// `users` database.
struct BatchUsers: UserProjections {
    var changes: [UserKey: UserState] = [:]
    var snapshot: [UserKey: UserState]
    let tickets: LMDBProjections

    func user(_ key: UserKey) throws -> UserState? {
        if let user = changes[key] ?? snapshot[key] { return user }
        return try tickets.checkpointedUser(key)
    }

    mutating func setUser(_ state: UserState, for key: UserKey) throws {
        changes[key] = state
    }
}

/// When the writer checkpoints the users overlay.
struct CheckpointPolicy: Sendable {
    /// Checkpoint once the overlay holds this many users…
    var users = 32_768
    /// …or this many events have passed since the last checkpoint.
    var events: UInt64 = 262_144
}
