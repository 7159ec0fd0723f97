import Synchronization

/// The personal-data keys a ledger's callers have opened redemption answers with, kept so
/// that a redemption does not read the store for its user's key each time. A key is used only
/// for boxes of its own generation (a user forgotten and back has a new one, read afresh), and
/// `forget` drops it. At most ``capacity`` keys; when full it starts over.
final class PersonalKeyCache: Sendable {
    static let capacity = 65_536
    private let keys = Mutex<[UserKey: PersonalKey]>([:])

    /// `user`'s key of `generation`, from the cache or else from `read` (then kept).
    func key(for user: UserKey, generation: UInt32, read: () throws(LedgerError) -> PersonalKey?) throws(LedgerError) -> PersonalKey? {
        if let cached = keys.withLock({ $0[user] }), cached.generation == generation { return cached }
        guard let key = try read() else { return nil }
        keys.withLock { keys in
            if keys.count >= Self.capacity { keys.removeAll(keepingCapacity: true) }
            keys[user] = key
        }
        return key
    }

    /// Drops `user`'s key (the user was forgotten).
    func forget(_ user: UserKey) {
        _ = keys.withLock { $0.removeValue(forKey: user) }
    }
}
