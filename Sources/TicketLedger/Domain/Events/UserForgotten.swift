/// A user of `pool` was forgotten (GDPR art. 17, PIPL art. 47): the key that sealed their
/// personal data was destroyed, so every sealed field of theirs — in the log, the projections
/// and the store's files — opens no more. The log keeps that their tickets were issued and
/// redeemed, and its chain (which hashes only sealed bytes) stays whole. The users projection
/// keeps a record with nothing personal in it; the user's next ticket starts a new record, under
/// a new key. Tickets issued before stay unredeemable (format version 4).
public struct UserForgotten: Sendable, Hashable {
    /// The user's pool.
    public var pool: PoolID
    /// When the user was forgotten.
    public var at: Timestamp
    /// The user forgotten.
    public var user: UserID
    /// The generation of the key destroyed; 0 when the user had none (every ticket of theirs was
    /// issued before sealing: their clear fields in those records are not erased by this).
    public var keyGeneration: UInt32

    /// `user` of `pool` forgotten at `at`, key generation `keyGeneration` destroyed.
    public init(pool: PoolID, at: Timestamp, user: UserID, keyGeneration: UInt32) {
        self.pool = pool
        self.at = at
        self.user = user
        self.keyGeneration = keyGeneration
    }
}
