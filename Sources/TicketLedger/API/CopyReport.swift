/// What ``Ledger/copy(from:to:logger:)`` copied.
public struct CopyReport: Sendable, Hashable, Encodable {
    /// Events copied (the source's head sequence).
    public var events: UInt64
    /// The chain head of the copy: the source's, unchanged. `audit DEST --expect-digest` with
    /// a digest taken from the source proves the copy.
    public var head: ChainHead
    /// Tickets in the copy's tickets projection.
    public var tickets: Int
    /// Pools configured.
    public var pools: Int
    /// Users in the copy's users projection.
    public var users: Int
    /// How long the copy took.
    public var seconds: Double

    private enum CodingKeys: String, CodingKey { case events, head, tickets, pools, users, seconds }

    /// Encodes the head as `SEQ:HEX`, as `digest` prints it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(events, forKey: .events)
        try c.encode(head.description, forKey: .head)
        try c.encode(tickets, forKey: .tickets)
        try c.encode(pools, forKey: .pools)
        try c.encode(users, forKey: .users)
        try c.encode(seconds, forKey: .seconds)
    }
}
