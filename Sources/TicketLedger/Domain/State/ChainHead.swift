/// Where the log stands: the last sequence number and the chain hash of that record.
public struct ChainHead: Sendable, Hashable, CustomStringConvertible {
    /// The last event's sequence number (0 for an empty log).
    public var sequence: UInt64
    /// The chain hash of that event (all zero for an empty log).
    public var hash: SHA256Digest

    /// A head at `sequence` with `hash`.
    public init(sequence: UInt64, hash: SHA256Digest) {
        self.sequence = sequence
        self.hash = hash
    }

    public var description: String { "\(sequence):\(hash.hex)" }
}
