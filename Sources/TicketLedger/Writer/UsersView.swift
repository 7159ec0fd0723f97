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
/// 1. The overlay holds the full state (not a delta) of every user changed by events
///    `(base, applied]`, where `base` is the checkpoint it was built on, marked dirty. It may
///    also hold clean users, equal to the `users` database at `base`: after a checkpoint the
///    overlay keeps what it held as a cache (up to `CheckpointPolicy.cachedUsers`), so the next
///    login of a user needs no B-tree read.
/// 2. When the stored checkpoint is not `base` (another process checkpointed), the overlay is
///    dropped and rebuilt from the log after the new checkpoint: the `users` database already
///    holds everything up to it.
/// 3. When the log's head is past `applied` (another process appended), the overlay replays
///    the tail. Both happen inside a transaction, under `state`'s lock.
/// 4. A write batch merges its changes only if nothing moved `applied` since it began;
///    otherwise a catch-up already replayed its events from the log.
final class UsersView: Sendable {
    /// A user in the overlay, and whether the `users` database is behind it.
    struct Entry {
        var state: UserState
        var dirty: Bool
    }

    struct Overlay {
        var base: UInt64
        var applied: UInt64
        var users: [UserKey: Entry]
        /// The keys of the dirty users, each once: a checkpoint writes and then cleans these
        /// without walking the clean ones (the cache may hold eight times as many).
        private(set) var dirtyKeys: [UserKey] = []
        /// How many of `users` are dirty.
        var dirtyCount: Int { dirtyKeys.count }

        init(base: UInt64, applied: UInt64, users: [UserKey: Entry] = [:]) {
            self.base = base
            self.applied = applied
            self.users = users
            self.dirtyKeys = users.compactMap { $0.value.dirty ? $0.key : nil }
        }

        /// Marks every user clean: the `users` database now holds them (after a checkpoint).
        mutating func markClean() {
            // Through the index: `users[key]?.dirty = false` would move each entry (a user
            // state) out of the dictionary and back, 32,768 of them at a checkpoint.
            for key in dirtyKeys {
                if let index = users.index(forKey: key) { users.values[index].dirty = false }
            }
            dirtyKeys.removeAll(keepingCapacity: true)
        }

        /// The user as the overlay holds them (dirty or clean), or `nil` when it holds none.
        func user(_ key: UserKey) -> UserState? { users[key]?.state }

        /// Records a changed user (rule 1).
        mutating func change(_ key: UserKey, to state: UserState) {
            if users.updateValue(Entry(state: state, dirty: true), forKey: key)?.dirty != true {
                dirtyKeys.append(key)
            }
        }
    }

    let state: Mutex<Overlay>
    let path: String

    init(path: String) {
        self.path = path
        self.state = Mutex(Overlay(base: 0, applied: 0))
    }

    /// Brings `overlay` up to the store as `tickets`' transaction sees it (rules 2 and 3).
    static func catchUp(_ overlay: inout Overlay, with tickets: some StoreSnapshot, meta: StoreMeta) throws {
        if overlay.base != meta.usersSequence || overlay.applied > meta.head.sequence {
            overlay = Overlay(base: meta.usersSequence, applied: meta.usersSequence)
        }
        guard overlay.applied < meta.head.sequence else { return }
        var users = OverlayUsers(overlay: overlay, tickets: tickets)
        overlay = Overlay(base: 0, applied: 0)  // let `users` own the storage while it grows
        // In chunks: the consumed tickets of a chunk are read at once (one round trip for a
        // store across a network), then its events applied in order.
        var chunk: [(sequence: UInt64, event: LedgerEvent)] = []
        func applyChunk() throws {
            try tickets.readAhead(tickets: chunk.compactMap { if case .ticketConsumed(let e) = $0.event { e.locator } else { nil } })
            for (sequence, event) in chunk {
                var consumed: TicketState?
                if case .ticketConsumed(let e) = event { consumed = try tickets.ticket(e.locator) ?? tickets.purgedTicket(e.locator) }
                try Projector.applyToUsers(event, sequence: sequence, ticket: consumed, to: &users)
            }
            chunk.removeAll(keepingCapacity: true)
        }
        try tickets.forEachEvent(after: users.overlay.applied, through: meta.head.sequence) { sequence, event in
            chunk.append((sequence, event))
            if chunk.count == 4096 { try applyChunk() }
        }
        try applyChunk()
        overlay = users.overlay
        overlay.applied = meta.head.sequence
    }

    /// The user as every acknowledged event left them, reading the store in `tickets`' transaction.
    func user(_ key: UserKey, in tickets: some StoreSnapshot) throws -> UserState? {
        let meta = try tickets.meta()
        return try state.withLock { overlay in
            try Self.catchUp(&overlay, with: tickets, meta: meta)
            if let user = overlay.user(key) { return user }
            return try tickets.checkpointedUser(key)
        }
    }

    /// Merges a committed batch's user changes (rule 4); `checkpointed` says whether the batch
    /// wrote every dirty user to the `users` database at `head`, after which they are clean.
    func commit(_ changes: [UserKey: UserState], from start: UInt64, to head: UInt64, checkpointed: Bool, cachedUsers: Int) {
        state.withLock { overlay in
            guard overlay.applied == start else {
                // Another process's events were caught up since the batch began; after a
                // checkpoint of ours the overlay starts over, else it already holds them.
                if checkpointed && overlay.applied <= head { overlay = Overlay(base: head, applied: head) }
                return
            }
            for (key, user) in changes { overlay.change(key, to: user) }
            overlay.applied = head
            if checkpointed {
                overlay.base = head
                if overlay.users.count > cachedUsers {
                    overlay = Overlay(base: head, applied: head)
                } else {
                    overlay.markClean()
                }
            }
        }
    }
}
