/// A write batch's users: its own changes, over the overlay as the batch began, over the
/// `users` database.
struct BatchUsers<Store: StoreSnapshot>: UserProjections {
    var changes: [UserKey: UserState]
    var snapshot: UsersView.Overlay
    let tickets: Store

    init(snapshot: UsersView.Overlay, tickets: Store, expectedChanges: Int) {
        self.snapshot = snapshot
        self.tickets = tickets
        self.changes = Dictionary(minimumCapacity: expectedChanges)
    }

    func user(_ key: UserKey) throws -> UserState? {
        if let user = changes[key] ?? snapshot.user(key) { return user }
        return try tickets.checkpointedUser(key)
    }

    mutating func setUser(_ state: UserState, for key: UserKey) throws {
        changes[key] = state
    }

    /// Changes the user in place in `changes` (no copy of the state in and out, as the default
    /// `user` then `setUser` would make: a login touches every redeemed user once).
    ///
    /// On the writer thread, once per event that changes a user: a user already changed in
    /// the batch is looked up once (`index(forKey:)` copies nothing) and changed where it is;
    /// another is read from the overlay or the store, changed, and inserted once.
    mutating func updateUser(_ key: UserKey, _ body: (inout UserState?) throws -> Void) throws {
        guard changes.index(forKey: key) == nil else {
            try body(&changes[key])
            return
        }
        var state = try snapshot.user(key) ?? tickets.checkpointedUser(key)
        guard state != nil else {
            var created: UserState?
            try body(&created)
            if let created { changes[key] = created }
            return
        }
        defer { changes[key] = state }
        try body(&state)
    }

    /// Users that differ from the `users` database: the overlay's dirty ones and this batch's
    /// (an upper bound: a dirty user changed again counts twice), for the checkpoint policy.
    var dirtyCount: Int { snapshot.dirtyCount + changes.count }
}
