/// One thing an audit found wrong: at which sequence, which rule, and what exactly.
public struct AuditFinding: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The event the finding is about (the head's sequence for projection findings).
    public var sequence: UInt64
    /// The rule broken, e.g. `chain`, `sequence`, `single-use`, `projection-users`.
    public var rule: String
    /// What was found; never a ticket or a secret.
    public var detail: String

    /// A finding at `sequence` of `rule`.
    public init(sequence: UInt64, rule: String, detail: String) {
        self.sequence = sequence
        self.rule = rule
        self.detail = detail
    }

    public var description: String { "\(sequence)\t\(rule)\t\(detail)" }
}
