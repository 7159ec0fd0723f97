/// A user's document as every event left it, and the events about them.
public struct UserReport: Sendable, Encodable {
    /// The pool asked about.
    public var pool: PoolID
    /// The user asked about.
    public var user: UserID
    /// The user document, or `nil` when no ticket was ever issued to the user in the pool.
    public var document: UserDocument?
    /// The tickets issued to the user and every event about them, in order.
    public var history: [LoggedEvent]

    enum CodingKeys: String, CodingKey { case pool, user, document, history }

    /// `pool`, `user`, `document` (the product's user document, or `null`) and `history`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pool.rawValue, forKey: .pool)
        try c.encode(user.rawValue, forKey: .user)
        try c.encode(document, forKey: .document)
        try c.encode(history, forKey: .history)
    }
}
