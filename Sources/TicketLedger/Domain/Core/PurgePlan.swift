/// Which settled tickets a sweep drops from the projection: a pure decision over the
/// tickets storage hands it in issue order (oldest first). Storage stops feeding it as soon
/// as ``offer(_:state:)`` answers `false`.
///
/// It stops at the first ticket issued within the grace period (none after it can be due
/// unless the clock went back, and then they wait for a later sweep). Live tickets of
/// long-lived pools it passes on the way are skipped, but it reads at most
/// ``scanPerPurge`` × `limit` of them, so a sweep never holds the writer long: settled
/// tickets behind more live ones than that wait until those settle (at most a pool's
/// lifetime, a day).
struct PurgePlan {
    /// How many tickets a sweep may read for each one it may drop.
    static let scanPerPurge = 8

    let now: Timestamp
    let grace: Duration
    let limit: Int
    private var budget: Int
    /// The tickets to drop, by pool, in the order offered.
    private(set) var byPool: [PoolID: [TicketLocator]] = [:]
    /// How many tickets it drops.
    private(set) var found = 0
    /// The dropped tickets whose record counts refusals not yet summarised in the log.
    private(set) var unsummarised: [(pool: PoolID, locator: TicketLocator, count: UInt64)] = []

    init(now: Timestamp, grace: Duration, limit: Int) {
        self.now = now
        self.grace = grace
        self.limit = max(0, limit)
        let (budget, overflow) = self.limit.multipliedReportingOverflow(by: Self.scanPerPurge)
        self.budget = overflow ? Int.max : budget
    }

    /// How many more tickets it may read (a store may fetch that many at once).
    var remainingReads: Int { found < limit ? budget : 0 }

    /// Takes the next ticket; `false` when the scan can stop.
    mutating func offer(_ locator: TicketLocator, state: TicketState) -> Bool {
        guard found < limit, budget > 0 else { return false }
        budget -= 1
        if state.issuedAt.advanced(by: grace) > now { return false }
        if Rules.isPurgeable(state.status) && Rules.isPastGrace(expiresAt: state.expiresAt, grace: grace, now: now)
            && Rules.isRevocationOver(state.revokedUntil, now: now) {
            byPool[state.pool, default: []].append(locator)
            found += 1
            let pending = Rules.unsummarisedRefusals(count: state.refusals)
            if pending > 0 { unsummarised.append((state.pool, locator, pending)) }
        }
        return found < limit && budget > 0
    }

    /// The `RefusalsCounted` to append before the purge: the refusals the dropped tickets'
    /// records counted since their last summary, so that the log keeps every count.
    func refusalSummaries() -> [RefusalsCounted] {
        unsummarised.map { RefusalsCounted(pool: $0.pool, at: now, locator: $0.locator, count: $0.count) }
    }

    /// One `TicketsPurged` per pool (pools in order), each split to at most `maxPerEvent`
    /// tickets, so that replay drops exactly the same ones.
    func events(maxPerEvent: Int) -> [TicketsPurged] {
        var events: [TicketsPurged] = []
        for pool in byPool.keys.sorted() {
            guard let locators = byPool[pool] else { continue }
            var start = 0
            while start < locators.count {
                let end = min(start + max(1, maxPerEvent), locators.count)
                events.append(TicketsPurged(pool: pool, at: now, locators: Array(locators[start..<end])))
                start = end
            }
        }
        return events
    }
}
