@testable import TicketLedger
import LMDB

// The reference replay the compact one is tested against: every event decoded and applied by
// the `Projector`, into dictionaries (what rebuild and the audit used before the compact replay).

/// The tickets side of the projections in memory: what replay rebuilds, through the same
/// ``Projector`` the live path uses.
struct ReplayTickets: TicketProjections {
    var pools: [PoolID: PoolState] = [:]
    var tickets: [UInt64: TicketState] = [:]
    var due: Set<DueEntry> = []

    func pool(_ id: PoolID) throws -> PoolState? { pools[id] }
    func ticket(_ locator: TicketLocator) throws -> TicketState? { tickets[locator.sequence] }
    mutating func setPool(_ state: PoolState, for id: PoolID) throws { pools[id] = state }
    mutating func setTicket(_ state: TicketState, for locator: TicketLocator) throws { tickets[locator.sequence] = state }

    mutating func setDue(_ locator: TicketLocator, at expiresAt: Timestamp, _ present: Bool) throws {
        let entry = DueEntry(expiresAt: expiresAt.millisecondsSince1970, locator: locator.sequence)
        if present { due.insert(entry) } else { due.remove(entry) }
    }

    mutating func removeTicket(_ locator: TicketLocator) throws { tickets[locator.sequence] = nil }
}

/// The users side of the projections in memory.
struct ReplayUsers: UserProjections {
    var users: [UserKey: UserState] = [:]

    func user(_ key: UserKey) throws -> UserState? { users[key] }
    mutating func setUser(_ state: UserState, for key: UserKey) throws { users[key] = state }
    mutating func updateUser(_ key: UserKey, _ body: (inout UserState?) throws -> Void) throws { try body(&users[key]) }
}

/// Every projection rebuilt from the log in memory.
struct ReplayState {
    var tickets = ReplayTickets()
    var users = ReplayUsers()
    /// The last sequence applied.
    var sequence: UInt64 = 0

    /// Applies `event` at `sequence` with the shared ``Projector``.
    mutating func apply(_ event: LedgerEvent, sequence: UInt64) throws {
        try Projector.apply(event, sequence: sequence, tickets: &tickets, users: &users)
        self.sequence = sequence
    }
}

extension ReplayState {
    /// Replays events 1…`last` of `store` as `txn` sees them (decoded, through the `Projector`).
    static func of(_ store: StoreHandle, txn: Transaction, through last: UInt64) throws -> ReplayState {
        var replay = ReplayState()
        var sequence: UInt64 = 0
        try txn.forEachEntry(store.layout.events) { e in
            sequence += 1
            guard sequence <= last else { return false }
            let (payload, _) = try EventCodec.split(e.value)
            try replay.apply(try EventCodec.decode(payload: payload), sequence: sequence)
            return true
        }
        return replay
    }
}
