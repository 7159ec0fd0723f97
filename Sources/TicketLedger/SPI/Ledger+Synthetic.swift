extension Ledger {
    /// Appends a synthetic login workload until the log holds `events` events (more only when
    /// configuring the pools, one event each, already passes it): a
    /// benchmark and test fixture, not for production stores. Open the ledger with a
    /// ``ManualClock`` (`clock`, moved `secondsPerBatch` per batch), `Durability.none` and
    /// `groupCommit: false` for speed.
    ///
    /// Each batch of about `batchSize` commands redeems the previous batch's tickets (most with
    /// the right secret, some replayed, some with a wrong secret, some left to expire), issues
    /// new ones to `users` users across `pools` pools, and runs the sweeper (expiry and purge).
    @_spi(Benchmark)
    public func appendSyntheticLoad(
        events target: UInt64, pools poolCount: Int = 4, users userCount: Int = 100_000, batchSize: Int = 20_000,
        secondsPerBatch: Int64 = 5, clock: ManualClock, progress: ((UInt64) -> Void)? = nil
    ) throws(LedgerError) {
        let secret = "synthetic-secret"
        let pools = try (0..<max(1, poolCount)).map { (i) throws(LedgerError) in try PoolID("synthetic-\(i)") }
        for pool in pools { try configurePool(pool, policy: PoolPolicy(), secret: secret) }
        var rng = SplitMix64(seed: 42)
        var previous: [(Ticket, PoolID)] = []
        var consumed: [(Ticket, PoolID)] = []
        while true {
            let logged = try head().sequence
            guard logged < target else { break }
            let remaining = Int(clamping: target - logged)
            var commands: [Command] = []
            commands.reserveCapacity(batchSize + 16)
            for (ticket, pool) in previous {
                let roll = rng.next() % 100
                if roll < 85 {
                    commands.append(.redeem(ticket, pool: pool, secret: secret))
                    consumed.append((ticket, pool))
                } else if roll < 88 {
                    commands.append(.redeem(ticket, pool: pool, secret: "wrong"))
                }  // else: left to expire
            }
            for (ticket, pool) in consumed.suffix(batchSize / 50) { commands.append(.redeem(ticket, pool: pool, secret: secret)) }
            if consumed.count > batchSize { consumed.removeFirst(consumed.count - batchSize) }
            // Every command but the sweep appends at most one event: keep the batch within
            // what is left, with room for one issue so that every batch makes progress.
            if commands.count >= remaining { commands.removeLast(commands.count - (remaining - 1)) }
            let issues = max(1, min(batchSize, remaining) - commands.count)
            for _ in 0..<issues {
                let pool = pools[Int(rng.next() % UInt64(pools.count))]
                let n = rng.next() % UInt64(max(1, userCount))
                let request = IssueRequest(
                    pool: pool, user: UserID(unchecked: "u\(n)"),
                    profile: UserProfile(nickname: "n\(n % 1000)", openid: "o\(n)"), getPhone: false)
                commands.append(.issue(request, ip: IPAddress(normalized: "::ffff:10.0.\(n % 250).\(n % 199)")))
            }
            // The sweep appends up to `limit` expiries and purges of up to `limit` tickets (at
            // most one event per pool per 8,192): only when that cannot pass the target.
            let room = remaining - commands.count - 2 * pools.count
            if room > 1 { commands.append(.expireDue(limit: min(1_000_000, room / 2), grace: Ledger.ticketGracePeriod)) }
            let results = try writer.runBatch(commands)
            previous = []
            for (command, result) in zip(commands, results) {
                if case .issue(let request, _) = command, case .success(.issued(let issued)) = result {
                    previous.append((issued.ticket, request.pool))
                }
            }
            clock.advance(by: .seconds(secondsPerBatch))
            progress?(try head().sequence)
        }
    }
}
