/// The sweep: expiring due tickets and dropping settled ones. What to expire and what to
/// drop is decided by the domain's pure plans (``ExpiryPlan``, ``PurgePlan``) over the
/// candidates the store hands them; the batch appends the events the plans make.
extension WriteBatch {
    /// Expires up to `limit` issued tickets whose expiry is at or before now, oldest first,
    /// then drops up to `limit` settled tickets whose `expiresAt` plus `grace` has passed.
    /// Returns how many it expired and how many it dropped.
    mutating func expireDue(limit: Int, grace: Duration) throws -> SweepReport {
        let now = clock.now()
        var plan = ExpiryPlan(now: now, limit: limit)
        try store.scanDue(into: &plan)
        for locator in plan.due {
            guard let event = plan.event(for: locator, state: try tickets.ticket(locator)) else {
                throw LedgerError.corrupted(path: path, detail: "the expiry index lists ticket \(locator), which is not issued")
            }
            try append(.ticketExpired(event))
        }
        let purged = try purgeSettled(now: now, limit: limit, grace: grace)
        return SweepReport(expired: plan.due.count, purged: purged)
    }

    /// Drops up to `limit` consumed or expired tickets whose `expiresAt` plus `grace` is at or
    /// before `now` (see ``PurgePlan``), appending one `TicketsPurged` per pool, so replay
    /// drops exactly the same ones. Returns how many it dropped. Redemption does no extra
    /// work for this.
    @discardableResult
    mutating func purgeSettled(now: Timestamp, limit: Int, grace: Duration) throws -> Int {
        var plan = PurgePlan(now: now, grace: grace, limit: limit)
        try store.scanTickets(into: &plan)
        for summary in plan.refusalSummaries() { try append(.refusalsCounted(summary)) }
        for event in plan.events(maxPerEvent: EventCodec.maxPurgedPerRecord) { try append(.ticketsPurged(event)) }
        return plan.found
    }
}
