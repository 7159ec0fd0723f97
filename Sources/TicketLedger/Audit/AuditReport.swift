/// The outcome of an audit.
public struct AuditReport: Sendable, Encodable {
    /// Whether every check held.
    public var ok: Bool { findings.isEmpty && findingsOmitted == 0 }
    /// Events in the log, as far as the head `meta` records.
    public var events: UInt64
    /// The head `meta` records.
    public var head: ChainHead
    /// The chain as recomputed: the last event's sequence and recomputed hash.
    public var computedHead: ChainHead
    /// The sequence the stored users projection reflects (compared at exactly that point).
    public var usersCheckpoint: UInt64
    /// Every refused redemption of a known ticket the store accounts for (checked against the log).
    public var refusals: RefusalTally
    /// Every finding, by sequence (at most ``AuditOptions/maxFindings``).
    public var findings: [AuditFinding]
    /// Findings beyond the ones kept.
    public var findingsOmitted: Int
    /// How long the audit took.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case ok, events, head, computedHead, usersCheckpoint, refusals, findings, findingsOmitted, seconds
    }

    /// `head` and `computedHead` as `SEQ:HEX`, the form `--expect-digest` takes.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok)
        try c.encode(events, forKey: .events)
        try c.encode(head.description, forKey: .head)
        try c.encode(computedHead.description, forKey: .computedHead)
        try c.encode(usersCheckpoint, forKey: .usersCheckpoint)
        try c.encode(refusals, forKey: .refusals)
        try c.encode(findings, forKey: .findings)
        try c.encode(findingsOmitted, forKey: .findingsOmitted)
        try c.encode(seconds, forKey: .seconds)
    }
}
