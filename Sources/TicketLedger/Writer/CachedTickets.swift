/// The tickets projection for one batch: reads through a cache of the last pool and the last
/// ticket (a redemption reads its ticket and pool to decide, then again to apply), writes
/// through to the store. One entry each is enough for that and costs no hashing; the store
/// answers everything else, its write transaction seeing its own writes.
struct CachedTickets<Store: TicketProjections>: TicketProjections {
    /// The cache; the batch runs on one thread and ends with its transaction.
    final class Memo {
        var pool: (id: PoolID, state: PoolState?)?
        var ticket: (locator: TicketLocator, state: TicketState?)?
    }

    var store: Store
    let memo = Memo()

    init(store: Store) { self.store = store }

    func pool(_ id: PoolID) throws -> PoolState? {
        if let cached = memo.pool, cached.id == id { return cached.state }
        let state = try store.pool(id)
        memo.pool = (id, state)
        return state
    }

    func ticket(_ locator: TicketLocator) throws -> TicketState? {
        if let cached = memo.ticket, cached.locator == locator { return cached.state }
        let state = try store.ticket(locator)
        memo.ticket = (locator, state)
        return state
    }

    mutating func setPool(_ state: PoolState, for id: PoolID) throws {
        try store.setPool(state, for: id)
        memo.pool = (id, state)
    }

    mutating func setTicket(_ state: TicketState, for locator: TicketLocator) throws {
        try store.setTicket(state, for: locator)
        memo.ticket = (locator, state)
    }

    mutating func setDue(_ locator: TicketLocator, at expiresAt: Timestamp, _ present: Bool) throws {
        try store.setDue(locator, at: expiresAt, present)
    }

    mutating func removeTicket(_ locator: TicketLocator) throws {
        try store.removeTicket(locator)
        memo.ticket = (locator, nil)
    }
}
