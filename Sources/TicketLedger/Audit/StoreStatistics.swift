/// What a store holds and how much room it takes.
public struct StoreStatistics: Sendable, Encodable {
    /// The chain head.
    public var head: ChainHead
    /// Events in the log.
    public var events: Int
    /// Bytes of the map the log's pages take.
    public var logBytes: Int
    /// Tickets in the projection that are issued (live, or past expiry and not yet swept).
    public var ticketsIssued: Int
    /// Consumed tickets still in their grace period.
    public var ticketsConsumed: Int
    /// Expired tickets still in their grace period.
    public var ticketsExpired: Int
    /// Entries of the expiry index (issued tickets).
    public var due: Int
    /// Configured pools.
    public var pools: Int
    /// Users in the stored users projection (as of ``usersCheckpoint``).
    public var usersStored: Int
    /// The sequence the stored users projection reflects.
    public var usersCheckpoint: UInt64
    /// The memory map's size.
    public var mapSize: Int
    /// Bytes of the map in use (up to the last used page).
    public var mapUsedBytes: Int
    /// The size of `data.mdb`.
    public var fileBytes: Int

    enum CodingKeys: String, CodingKey {
        case head, events, logBytes, ticketsIssued, ticketsConsumed, ticketsExpired, due, pools, usersStored,
             usersCheckpoint, mapSize, mapUsedBytes, fileBytes
    }

    /// Every field, the head as `SEQ:HEX`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(head.description, forKey: .head)
        try c.encode(events, forKey: .events)
        try c.encode(logBytes, forKey: .logBytes)
        try c.encode(ticketsIssued, forKey: .ticketsIssued)
        try c.encode(ticketsConsumed, forKey: .ticketsConsumed)
        try c.encode(ticketsExpired, forKey: .ticketsExpired)
        try c.encode(due, forKey: .due)
        try c.encode(pools, forKey: .pools)
        try c.encode(usersStored, forKey: .usersStored)
        try c.encode(usersCheckpoint, forKey: .usersCheckpoint)
        try c.encode(mapSize, forKey: .mapSize)
        try c.encode(mapUsedBytes, forKey: .mapUsedBytes)
        try c.encode(fileBytes, forKey: .fileBytes)
    }
}
