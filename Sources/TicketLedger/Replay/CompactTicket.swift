/// A key of the expiry index: `(expiresAt, locator)`.
struct DueEntry: Sendable, Hashable {
    var expiresAt: Int64
    var locator: UInt64

    /// The stored key (see `dueKey`).
    var key: [UInt8] { UInt64(bitPattern: expiresAt).bigEndianBytes + locator.bigEndianBytes }
}

/// One ticket of ``CompactReplay``: fixed size, no `String`s (pool and user as interned indices).
struct CompactTicket: Sendable {
    var issuedAt: Int64
    var expiresAt: Int64
    var consumedAt: Int64
    var expiredAt: Int64
    var verifier: SHA256Digest
    var ip: InlineText
    /// Index into ``CompactReplay``'s users (its pool and user id).
    var user: UInt32
    /// Index into ``CompactReplay``'s pools.
    var pool: UInt32
    var status: TicketStatus
    var hasConsumedAt: Bool
    var hasExpiredAt: Bool
    /// Whether the record holds a ticket (``TicketTable`` reuses free ones).
    var live = false
    /// Its key.
    var locator: UInt64 = 0
}
