/// Which issued tickets a sweep expires: a pure decision over the candidates storage hands
/// it from the expiry index, oldest `expiresAt` first. Storage stops feeding it as soon as
/// ``offer(_:expiresAt:)`` answers `false`, so a sweep reads only the due entries.
struct ExpiryPlan {
    /// The sweep's moment.
    let now: Timestamp
    /// The most tickets to expire.
    let limit: Int
    /// The tickets to expire, in the order offered.
    private(set) var due: [TicketLocator] = []

    init(now: Timestamp, limit: Int) {
        self.now = now
        self.limit = max(0, limit)
    }

    /// Takes the next index entry; `false` when the scan can stop (the limit is reached, or
    /// this ticket and so every later one is not due yet).
    mutating func offer(_ locator: TicketLocator, expiresAt: Timestamp) -> Bool {
        guard due.count < limit, Rules.isDue(now, expiresAt: expiresAt) else { return false }
        due.append(locator)
        return due.count < limit
    }

    /// The `TicketExpired` event for a due ticket, given its state; `nil` when the state is
    /// not a live ticket (the index and the projection disagree: the store is damaged).
    func event(for locator: TicketLocator, state: TicketState?) -> TicketExpired? {
        guard let state, Rules.isLive(state.status) else { return nil }
        return TicketExpired(pool: state.pool, at: now, locator: locator)
    }
}
