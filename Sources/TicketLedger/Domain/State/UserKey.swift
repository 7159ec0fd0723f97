/// A user within a pool: the users projection's key.
struct UserKey: Sendable, Hashable, Comparable {
    var pool: PoolID
    var user: UserID

    init(pool: PoolID, user: UserID) {
        self.pool = pool
        self.user = user
    }

    static func < (a: UserKey, b: UserKey) -> Bool { (a.pool, a.user) < (b.pool, b.user) }
}
