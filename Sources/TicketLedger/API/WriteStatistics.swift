/// Counts of committed write batches and the commands in them.
public struct WriteStatistics: Sendable, Hashable {
    /// Write transactions committed with at least one command.
    public var batches: Int
    /// Commands in them.
    public var commands: Int
    /// Commands per batch.
    public var meanBatch: Double { batches == 0 ? 0 : Double(commands) / Double(batches) }
}
