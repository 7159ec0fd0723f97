/// A pool's policy, as configured at `at`.
public struct PoolConfigured: Sendable, Hashable {
    public var pool: PoolID
    public var at: Timestamp
    public var policy: PoolPolicy
    /// A salted digest of the pool secret, if one was set; never the secret itself.
    public var secret: SecretDigest?
}
