/// What ``Ledger/forget(pool:user:)`` did.
public struct ForgetReport: Sendable, Hashable {
    /// The user's pool.
    public var pool: PoolID
    /// The user.
    public var user: UserID
    /// The sequence of the `UserForgotten` event appended; `nil` when the user was already
    /// forgotten (and has had no ticket since): nothing was left to erase.
    public var sequence: UInt64?
    /// The generation of the key destroyed; 0 when the user had none (their tickets were all
    /// issued before sealing, so their clear fields in those records remain: see the README).
    public var keyGeneration: UInt32

    /// A report of forgetting `user` of `pool`.
    public init(pool: PoolID, user: UserID, sequence: UInt64?, keyGeneration: UInt32) {
        self.pool = pool
        self.user = user
        self.sequence = sequence
        self.keyGeneration = keyGeneration
    }
}
