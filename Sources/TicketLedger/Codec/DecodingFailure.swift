/// Why bytes could not be decoded into an event or record.
public struct DecodingFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was being decoded, e.g. `"event"` or `"ticket record"`.
    public let what: String
    /// Why it failed.
    public let reason: String

    init(_ what: String, _ reason: String) {
        self.what = what
        self.reason = reason
    }

    public var description: String { "cannot decode \(what): \(reason)" }
}
