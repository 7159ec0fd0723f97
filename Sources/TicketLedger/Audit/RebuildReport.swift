/// What a rebuild wrote.
public struct RebuildReport: Sendable, Encodable {
    /// The sequence the rebuilt projections reflect (the head when the rebuild committed).
    public var sequence: UInt64
    /// Tickets written to the tickets projection.
    public var tickets: Int
    /// Pools written.
    public var pools: Int
    /// Expiry-index entries written.
    public var due: Int
    /// Users written (the users checkpoint is now the head).
    public var users: Int
    /// How long the rebuild took.
    public var seconds: Double
}
