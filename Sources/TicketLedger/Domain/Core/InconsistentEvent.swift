/// An event that cannot follow the ones before it (found by replay, never made by `decide`).
struct InconsistentEvent: Error, Sendable, Hashable, CustomStringConvertible {
    var sequence: UInt64
    var rule: String
    var detail: String
    var description: String { "event \(sequence) breaks \(rule): \(detail)" }
}
