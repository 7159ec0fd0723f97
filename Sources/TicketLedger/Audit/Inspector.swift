import LMDB

enum Inspector {
    /// The ticket's state and its events: the log is scanned from its issue (the locator is
    /// the sequence) to its purge, or to the head.
    static func ticket(_ scan: some StoreScan, _ locator: TicketLocator) throws -> TicketReport {
        var state = try scan.ticket(locator)
        if let box = state?.sealedIP, let ticket = state {
            // Shown opened, when the user's key still exists.
            let user = UserKey(pool: ticket.pool, user: ticket.user)
            if let key = try scan.personalKey(for: user), let ip = PersonalOpening.ip(box, of: user, key: key) { state?.ip = ip }
        }
        var history: [LoggedEvent] = []
        guard locator.sequence >= 1 else { return TicketReport(locator: locator, state: state, history: []) }
        var opener = EventOpener(scan)
        try scan.scanEvents(from: locator.sequence, strict: false) { logged in
            if logged.sequence == locator.sequence {
                guard case .ticketIssued = logged.event else { return false }  // no ticket was issued here
                history.append(try opener.opened(logged))
                return true
            }
            if case .ticketsPurged(let e) = logged.event, e.locators.contains(locator) {
                history.append(logged)
                return false  // nothing refers to a purged ticket afterwards
            }
            if logged.locator == locator { history.append(logged) }
            return true
        }
        return TicketReport(locator: locator, state: state, history: history)
    }

    /// The user's document (the stored projection plus the log after its checkpoint) and the
    /// events about their tickets; scans the whole log.
    static func user(_ scan: some StoreScan, pool: PoolID, user: UserID) throws -> UserReport {
        let tickets = scan
        let meta = try tickets.meta()
        var overlay = UsersView.Overlay(base: meta.usersSequence, applied: meta.usersSequence, users: [:])
        try UsersView.catchUp(&overlay, with: tickets, meta: meta)
        let key = UserKey(pool: pool, user: user)
        let state = try overlay.user(key) ?? tickets.checkpointedUser(key)
        var mine: Set<UInt64> = []
        var history: [LoggedEvent] = []
        var opener = EventOpener(scan)
        try scan.scanEvents(from: 1, strict: false) { logged in
            switch logged.event {
            case .ticketIssued(let e):
                if e.pool == pool && e.user == user {
                    mine.insert(logged.sequence)
                    history.append(try opener.opened(logged))
                }
            case .ticketsPurged(let e):
                if e.locators.contains(where: { mine.contains($0.sequence) }) { history.append(logged) }
            default:
                if let locator = logged.locator, mine.contains(locator.sequence) { history.append(logged) }
            }
            return true
        }
        let document = try state.flatMap { state in
            state.isForgotten ? nil : UserDocument(user: key, state: state, key: try scan.personalKey(for: key))
        }
        return UserReport(pool: pool, user: user, document: document, history: history)
    }

    static func statistics(_ store: StoreHandle) throws(LedgerError) -> StoreStatistics {
        let info: EnvironmentInfo
        let file: (fileBytes: Int, neededBytes: Int)
        do {
            info = try store.environment.info()
            file = try store.environment.dataFileCheck()
        } catch {
            throw ledgerError(error, path: store.path)
        }
        return try store.read { txn in
            let meta = try store.meta(txn)
            let log = try txn.statistics(store.layout.events)
            var counts: [TicketStatus: Int] = [:]
            try txn.forEachEntry(store.layout.tickets) { e in
                // Byte 1 of a ticket record is its status (see `TicketState.encoded`).
                if e.value.count > 1, let status = TicketStatus(code: e.value[1]) { counts[status, default: 0] += 1 }
                return true
            }
            return StoreStatistics(
                head: meta.head, events: log.entries, logBytes: log.bytes, ticketsIssued: counts[.issued] ?? 0,
                ticketsConsumed: counts[.consumed] ?? 0, ticketsExpired: counts[.expired] ?? 0,
                due: try txn.count(store.layout.due), pools: try txn.count(store.layout.pools),
                usersStored: try txn.count(store.layout.users), usersCheckpoint: meta.usersSequence,
                mapSize: info.mapSize, mapUsedBytes: info.usedBytes, fileBytes: file.fileBytes)
        }
    }
}
