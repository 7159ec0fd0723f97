/// What an audit checks beyond the log itself, and where it reports progress.
public struct AuditOptions: Sendable {
    /// A head kept from earlier (`digest`): the chain at its sequence must have its hash.
    public var expectedDigest: ChainHead?
    /// Called every `progressInterval` events from the replaying thread.
    public var progress: (@Sendable (AuditProgress) -> Void)?
    /// How many events between progress reports.
    public var progressInterval: UInt64
    /// The most findings kept; the rest are only counted (a wrecked log can break every rule).
    public var maxFindings: Int

    /// Options; by default no expected digest and no progress reports.
    public init(
        expectedDigest: ChainHead? = nil, progress: (@Sendable (AuditProgress) -> Void)? = nil,
        progressInterval: UInt64 = 1 << 18, maxFindings: Int = 10_000
    ) {
        self.expectedDigest = expectedDigest
        self.progress = progress
        self.progressInterval = max(1, progressInterval)
        self.maxFindings = max(1, maxFindings)
    }
}
