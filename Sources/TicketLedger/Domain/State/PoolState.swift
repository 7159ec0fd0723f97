/// The pools projection's record of one pool: the policy in force.
struct PoolState: Sendable, Hashable {
    var policy: PoolPolicy
    var secret: SecretDigest?
    var configuredAt: Timestamp

    init(policy: PoolPolicy, secret: SecretDigest?, configuredAt: Timestamp) {
        self.policy = policy
        self.secret = secret
        self.configuredAt = configuredAt
    }
}
