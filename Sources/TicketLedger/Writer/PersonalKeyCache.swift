import Synchronization

/// The personal-data keys a ledger's callers have opened redemption answers with, kept so
/// that a redemption does not read the store for its user's key each time. A key is used only
/// for boxes of its own generation (a user forgotten and back has a new one, read afresh), and
/// `forget` drops it. The keys are spread over ``stripes`` locks by user, so that many callers
/// at once rarely wait on one another; each stripe holds at most ``perStripe`` keys and starts
/// over when full.
final class PersonalKeyCache: Sendable {
    static let stripes = 64
    static let perStripe = 2_048
    /// One lock and the keys under it.
    private final class Stripe: Sendable {
        let keys = Mutex<[UserKey: PersonalKey]>([:])
    }

    private let stripes: [Stripe] = (0..<PersonalKeyCache.stripes).map { _ in Stripe() }

    private func stripe(_ user: UserKey) -> Stripe {
        stripes[Int(UInt(bitPattern: user.hashValue) % UInt(Self.stripes))]
    }

    /// `user`'s key of `generation`, from the cache or else from `read` (then kept).
    func key(for user: UserKey, generation: UInt32, read: () throws(LedgerError) -> PersonalKey?) throws(LedgerError) -> PersonalKey? {
        let stripe = stripe(user)
        if let cached = stripe.keys.withLock({ $0[user] }), cached.generation == generation { return cached }
        guard let key = try read() else { return nil }
        stripe.keys.withLock { keys in
            if keys.count >= Self.perStripe { keys.removeAll(keepingCapacity: true) }
            keys[user] = key
        }
        return key
    }

    /// Keeps keys a committed batch made or used (the writer calls this after the commit, so
    /// that redemptions of the tickets it issued find their user's key here).
    func remember(_ keys: [(UserKey, PersonalKey)]) {
        for (user, key) in keys {
            stripe(user).keys.withLock { keys in
                if keys.count >= Self.perStripe { keys.removeAll(keepingCapacity: true) }
                keys[user] = key
            }
        }
    }

    /// Drops `user`'s key (the user was forgotten).
    func forget(_ user: UserKey) {
        _ = stripe(user).keys.withLock { $0.removeValue(forKey: user) }
    }
}
