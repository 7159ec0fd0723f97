import LMDB

extension WriteBatch {
    /// How many tickets a sweep may read for each one it may drop.
    static let scanPerPurge = 8

    /// Drops up to `limit` consumed or expired tickets whose `expiresAt` plus `grace`
    /// is at or before `now`, appending one `TicketsPurged` per pool (so replay drops exactly
    /// the same ones). Returns how many it dropped.
    ///
    /// The tickets database is keyed by issue sequence, so the oldest tickets come first; the
    /// scan stops at the first ticket issued within the grace period (none after it can be due
    /// unless the clock went back, and then they wait for a later sweep). Live tickets of
    /// long-lived pools it passes on the way are skipped, but it reads at most
    /// `scanPerPurge × limit` of them, so that a sweep never holds the writer long: settled
    /// tickets behind more live ones than that wait until those settle (at most a pool's
    /// lifetime, a day). Redemption does no extra work for this.
    @discardableResult
    mutating func purgeSettled(now: Timestamp, limit: Int, grace: Duration) throws -> Int {
        let projections = self.projections
        var byPool: [PoolID: [TicketLocator]] = [:]
        var found = 0
        var budget = limit.multipliedReportingOverflow(by: Self.scanPerPurge).overflow ? Int.max : limit * Self.scanPerPurge
        try projections.txn.withCursor(projections.layout.tickets) { cursor in
            var entry = try cursor.first()
            while let e = entry, found < limit, budget > 0 {
                budget -= 1
                guard let sequence = UInt64(bigEndianBytes: e.key) else {
                    throw LedgerError.corrupted(path: projections.path, detail: "a tickets key is not 8 bytes")
                }
                let state = try TicketState(decoding: e.value)
                if state.issuedAt.advanced(by: grace) > now { break }
                if state.status != .issued && state.expiresAt.advanced(by: grace) <= now {
                    byPool[state.pool, default: []].append(TicketLocator(sequence: sequence))
                    found += 1
                }
                entry = try cursor.next()
            }
        }
        for pool in byPool.keys.sorted() {
            guard let locators = byPool[pool] else { continue }
            var start = 0
            while start < locators.count {
                let end = min(start + EventCodec.maxPurgedPerRecord, locators.count)
                try append(.ticketsPurged(TicketsPurged(pool: pool, at: now, locators: Array(locators[start..<end]))))
                start = end
            }
        }
        return found
    }
}
