import Testing
@testable import TicketLedger

/// The pure core on its own: ``Decider``, ``Projector`` and the sweep's plans over in-memory
/// projections. No store is opened, no clock runs, nothing is random.

/// Pools, tickets and the expiry index in dictionaries.
struct InMemoryTickets: TicketProjections {
    var pools: [PoolID: PoolState] = [:]
    var tickets: [TicketLocator: TicketState] = [:]
    var due: Set<TicketLocator> = []

    func pool(_ id: PoolID) throws -> PoolState? { pools[id] }
    func ticket(_ locator: TicketLocator) throws -> TicketState? { tickets[locator] }
    mutating func setPool(_ state: PoolState, for id: PoolID) throws { pools[id] = state }
    mutating func setTicket(_ state: TicketState, for locator: TicketLocator) throws { tickets[locator] = state }
    mutating func setDue(_ locator: TicketLocator, at expiresAt: Timestamp, _ present: Bool) throws {
        if present { due.insert(locator) } else { due.remove(locator) }
    }
    mutating func removeTicket(_ locator: TicketLocator) throws { tickets[locator] = nil }
}

/// Users in a dictionary.
struct InMemoryUsers: UserProjections {
    var users: [UserKey: UserState] = [:]
    func user(_ key: UserKey) throws -> UserState? { users[key] }
    mutating func setUser(_ state: UserState, for key: UserKey) throws { users[key] = state }
}

/// Both halves of the projections in memory.
struct InMemoryProjections {
    var ticketsHalf = InMemoryTickets()
    var usersHalf = InMemoryUsers()

    var due: Set<TicketLocator> { ticketsHalf.due }
    var ticketStates: [TicketLocator: TicketState] { ticketsHalf.tickets }
    func pool(_ id: PoolID) throws -> PoolState? { try ticketsHalf.pool(id) }
    func ticket(_ locator: TicketLocator) throws -> TicketState? { try ticketsHalf.ticket(locator) }
    func user(_ key: UserKey) throws -> UserState? { try usersHalf.user(key) }

    /// Applies `event` at `sequence` to both halves, as the live path and replay do.
    mutating func apply(_ event: LedgerEvent, at sequence: UInt64) throws {
        try Projector.apply(event, sequence: sequence, tickets: &ticketsHalf, users: &usersHalf)
    }
}

enum Fixture {
    static let t0 = Timestamp(millisecondsSince1970: 1_795_305_600_000)
    static let pool = PoolID.test("app")
    static let other = PoolID.test("other")
    static let salt: (UInt64, UInt64) = (1, 2)
    static let secret = "s3cret"

    /// A configured pool (secret required, 120 s) and one ticket issued at `t0`, at sequence 2.
    static func issued(getPhone: Bool = true) throws -> (InMemoryProjections, Ticket) {
        var p = InMemoryProjections()
        let configured = try Decider.configurePool(pool, policy: PoolPolicy(), secret: secret, salt: salt, now: t0).get()
        try p.apply(.poolConfigured(configured), at: 1)
        let ticket = Ticket(locator: TicketLocator(sequence: 2), verifier: (7, 8))
        var profile = UserProfile()
        profile.nickname = "Ann"
        profile.phone = "17612346754"
        let request = IssueRequest(pool: pool, user: .test("u1"), profile: profile, getPhone: getPhone)
        let event = try Decider.issue(
            request, ip: try IPAddress("10.0.0.1"), verifierDigest: ticket.verifierDigest,
            poolState: try p.pool(pool), now: t0).get()
        try p.apply(.ticketIssued(event), at: 2)
        return (p, ticket)
    }

    static func redeem(
        _ p: InMemoryProjections, _ ticket: Ticket?, pool: PoolID = pool, secret: String? = secret, at: Timestamp
    ) throws -> RedeemDecision {
        Decider.redeem(
            presented: ticket, pool: pool, secret: secret, poolState: try p.pool(pool),
            ticketState: try ticket.map { try p.ticket($0.locator) } ?? nil, now: at)
    }
}

@Suite("Domain: the decider")
struct DeciderTests {
    /// One row: what is presented, when, and what the decider must answer and record.
    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var ticket: Presented
        var pool: PoolID = Fixture.pool
        var secret: String? = Fixture.secret
        var millisecondsAfterIssue: Int64 = 1_000
        var settled: TicketStatus = .issued
        /// `nil`: consumed; else the reason told and the reason recorded (`nil`: nothing recorded).
        var refused: (told: RejectionReason, recorded: RejectionReason?)?
        var testDescription: String { name }

        enum Presented: Sendable { case issued, forgedVerifier, unknownLocator, malformed }
    }

    static let rows: [Row] = [
        Row(name: "the right ticket, secret and pool, before expiry", ticket: .issued),
        Row(name: "1 ms before expiry", ticket: .issued, millisecondsAfterIssue: 119_999),
        Row(name: "at expiry", ticket: .issued, millisecondsAfterIssue: 120_000, refused: (.expired, .expired)),
        Row(name: "after expiry", ticket: .issued, millisecondsAfterIssue: 500_000, refused: (.expired, .expired)),
        Row(name: "already consumed", ticket: .issued, settled: .consumed, refused: (.alreadyConsumed, .alreadyConsumed)),
        Row(name: "already expired", ticket: .issued, settled: .expired, refused: (.expired, .expired)),
        Row(name: "no secret", ticket: .issued, secret: nil, refused: (.secretRequired, .secretRequired)),
        Row(name: "an empty secret", ticket: .issued, secret: "", refused: (.secretRequired, .secretRequired)),
        Row(name: "the wrong secret", ticket: .issued, secret: "nope", refused: (.secretMismatch, .secretMismatch)),
        Row(name: "the wrong secret before the state: a used ticket says nothing", ticket: .issued, secret: "nope",
            settled: .consumed, refused: (.secretMismatch, .secretMismatch)),
        Row(name: "another pool (configured, same secret)", ticket: .issued, pool: Fixture.other, refused: (.unknown, .wrongPool)),
        Row(name: "a pool never configured", ticket: .issued, pool: .test("nowhere"), refused: (.unknown, .wrongPool)),
        Row(name: "a forged verifier is made up: not recorded", ticket: .forgedVerifier, refused: (.unknown, nil)),
        Row(name: "a locator never issued", ticket: .unknownLocator, refused: (.unknown, nil)),
        Row(name: "a forged verifier with the wrong secret: not recorded", ticket: .forgedVerifier, secret: "nope",
            refused: (.secretMismatch, nil)),
        Row(name: "malformed text", ticket: .malformed, refused: (.malformed, nil)),
    ]

    @Test("redeem: the order of checks, what is told and what is recorded", arguments: rows)
    func redeem(_ row: Row) throws {
        var (p, ticket) = try Fixture.issued()
        let otherPool = try Decider.configurePool(Fixture.other, policy: PoolPolicy(), secret: Fixture.secret, salt: (3, 4), now: Fixture.t0).get()
        try p.apply(.poolConfigured(otherPool), at: 3)
        switch row.settled {
        case .issued: break
        case .consumed: try p.apply(.ticketConsumed(TicketConsumed(pool: Fixture.pool, at: Fixture.t0, locator: ticket.locator)), at: 4)
        case .expired: try p.apply(.ticketExpired(TicketExpired(pool: Fixture.pool, at: Fixture.t0.advanced(by: .seconds(120)), locator: ticket.locator)), at: 4)
        }
        let presented: Ticket? = switch row.ticket {
        case .issued: ticket
        case .forgedVerifier: Ticket(locator: ticket.locator, verifier: (7, 9))
        case .unknownLocator: Ticket(locator: TicketLocator(sequence: 99), verifier: (7, 8))
        case .malformed: nil
        }
        let now = Fixture.t0.advanced(by: .milliseconds(row.millisecondsAfterIssue))
        let decision = try Fixture.redeem(p, presented, pool: row.pool, secret: row.secret, at: now)
        if let refused = row.refused {
            let record = refused.recorded.map {
                RedemptionRejected(pool: row.pool, at: now, locator: ticket.locator, reason: $0)
            }
            guard case .reject(let told, let recorded, let counted, _) = decision else {
                Issue.record("expected a refusal, got \(decision)")
                return
            }
            #expect(told == refused.told)
            #expect(recorded == record.map(LedgerEvent.redemptionRejected))
            // A known ticket's refusal is counted in its record (the first: 1).
            #expect(counted?.refusals == (record == nil ? nil : 1))
        } else {
            #expect(decision == .consume(TicketConsumed(pool: Fixture.pool, at: now, locator: ticket.locator)))
        }
    }

    @Test("redeem: a pool that needs no secret ignores whatever is presented")
    func noSecretNeeded() throws {
        var (p, ticket) = try Fixture.issued()
        let open = try Decider.configurePool(Fixture.pool, policy: PoolPolicy(secretRequired: false), secret: nil, salt: (0, 0), now: Fixture.t0).get()
        try p.apply(.poolConfigured(open), at: 3)
        for secret in [nil, "", "anything"] {
            let decision = try Fixture.redeem(p, ticket, secret: secret, at: Fixture.t0.advanced(by: .seconds(1)))
            #expect(decision == .consume(TicketConsumed(pool: Fixture.pool, at: Fixture.t0.advanced(by: .seconds(1)), locator: ticket.locator)))
        }
    }

    @Test("issue: refused for a pool never configured; expires the pool's lifetime later")
    func issue() throws {
        let request = IssueRequest(pool: Fixture.pool, user: .test("u1"))
        let refused = Decider.issue(request, ip: nil, verifierDigest: .zero, poolState: nil, now: Fixture.t0)
        #expect(refused == .failure(.poolNotConfigured(Fixture.pool)))
        let pool = PoolState(policy: PoolPolicy(ticketLifetime: .seconds(30)), secret: nil, configuredAt: Fixture.t0)
        let event = try Decider.issue(request, ip: nil, verifierDigest: .zero, poolState: pool, now: Fixture.t0).get()
        #expect(event.expiresAt == Fixture.t0.advanced(by: .seconds(30)))
        #expect(event.at == Fixture.t0)
    }

    @Test("configure: lifetime and secret bounds, a required secret, and the salt given")
    func configure() throws {
        func configure(_ policy: PoolPolicy, _ secret: String?) -> Result<PoolConfigured, LedgerError> {
            Decider.configurePool(Fixture.pool, policy: policy, secret: secret, salt: Fixture.salt, now: Fixture.t0)
        }
        #expect(throws: LedgerError.self) { try configure(PoolPolicy(ticketLifetime: .milliseconds(999)), "s").get() }
        #expect(throws: LedgerError.self) { try configure(PoolPolicy(ticketLifetime: .seconds(86_401)), "s").get() }
        #expect(throws: LedgerError.self) { try configure(PoolPolicy(), "").get() }
        #expect(throws: LedgerError.self) { try configure(PoolPolicy(), String(repeating: "x", count: 1025)).get() }
        #expect(configure(PoolPolicy(), nil) == .failure(.secretMissingForPool(Fixture.pool)))
        #expect(try configure(PoolPolicy(secretRequired: false), nil).get().secret == nil)
        // The same salt gives the same digest: the decider draws no randomness of its own.
        let a = try configure(PoolPolicy(), "s3cret").get()
        let b = try configure(PoolPolicy(), "s3cret").get()
        #expect(a.secret == b.secret)
        #expect(a.secret?.matches("s3cret") == true)
        #expect(a.secret?.matches("s3creT") == false)
        // Reconfigured without a secret, a pool that requires one keeps the digest in force.
        let kept = Decider.configurePool(
            Fixture.pool, policy: PoolPolicy(ticketLifetime: .seconds(300)), secret: nil, current: a.secret,
            salt: Fixture.salt, now: Fixture.t0)
        #expect(try kept.get().secret == a.secret)
        let dropped = Decider.configurePool(
            Fixture.pool, policy: PoolPolicy(secretRequired: false), secret: nil, current: a.secret,
            salt: Fixture.salt, now: Fixture.t0)
        #expect(try dropped.get().secret == nil)
    }
}

@Suite("Domain: the projector")
struct ProjectorTests {
    @Test("a consume counts the login, with the time and the IP captured at issue")
    func consume() throws {
        var (p, ticket) = try Fixture.issued()
        let key = UserKey(pool: Fixture.pool, user: .test("u1"))
        #expect(try p.user(key)?.loginsCount == 0)
        #expect(p.due == [ticket.locator])
        let at = Fixture.t0.advanced(by: .seconds(5))
        try p.apply(.ticketConsumed(TicketConsumed(pool: Fixture.pool, at: at, locator: ticket.locator)), at: 3)
        let user = try #require(try p.user(key))
        #expect(user.loginsCount == 1)
        #expect(user.lastLogin == at)
        #expect(user.lastIP?.text == "::ffff:10.0.0.1")
        #expect(user.signedUp == Fixture.t0)
        #expect(try p.ticket(ticket.locator)?.status == .consumed)
        #expect(try p.ticket(ticket.locator)?.consumedAt == at)
        #expect(p.due.isEmpty)
    }

    @Test("the phone is kept only from issues with getPhone")
    func phone() throws {
        let key = UserKey(pool: Fixture.pool, user: .test("u1"))
        let (without, _) = try Fixture.issued(getPhone: false)
        #expect(try without.user(key)?.profile.phone == nil)
        var (with, _) = try Fixture.issued(getPhone: true)
        #expect(try with.user(key)?.profile.phone == "17612346754")
        var profile = UserProfile()
        profile.nickname = "Ann B"
        let later = TicketIssued(
            pool: Fixture.pool, at: Fixture.t0, user: .test("u1"), verifierDigest: .zero, profile: profile,
            ip: nil, getPhone: false, expiresAt: Fixture.t0.advanced(by: .seconds(120)))
        try with.apply(.ticketIssued(later), at: 9)
        #expect(try with.user(key)?.profile.phone == "17612346754")
        #expect(try with.user(key)?.profile.nickname == "Ann B")
    }

    /// Events that cannot follow the state before them, and the rule each breaks.
    @Test("inconsistent events are refused with the rule they break", arguments: [
        ("consume twice", "single-use"),
        ("consume in another pool", "same-pool"),
        ("consume a ticket never issued", "consume-without-issue"),
        ("expire after consume", "expire-once"),
        ("purge a live ticket", "purge-live-ticket"),
        ("purge in another pool", "same-pool"),
        ("purge an unknown ticket", "purge-unknown-ticket"),
    ])
    func inconsistent(_ name: String, _ rule: String) throws {
        var (p, ticket) = try Fixture.issued()
        let l = ticket.locator
        let consume = LedgerEvent.ticketConsumed(TicketConsumed(pool: Fixture.pool, at: Fixture.t0, locator: l))
        let event: LedgerEvent
        switch name {
        case "consume twice":
            try p.apply(consume, at: 3)
            event = consume
        case "consume in another pool":
            event = .ticketConsumed(TicketConsumed(pool: Fixture.other, at: Fixture.t0, locator: l))
        case "consume a ticket never issued":
            event = .ticketConsumed(TicketConsumed(pool: Fixture.pool, at: Fixture.t0, locator: TicketLocator(sequence: 77)))
        case "expire after consume":
            try p.apply(consume, at: 3)
            event = .ticketExpired(TicketExpired(pool: Fixture.pool, at: Fixture.t0, locator: l))
        case "purge a live ticket":
            event = .ticketsPurged(TicketsPurged(pool: Fixture.pool, at: Fixture.t0, locators: [l]))
        case "purge in another pool":
            try p.apply(consume, at: 3)
            event = .ticketsPurged(TicketsPurged(pool: Fixture.other, at: Fixture.t0, locators: [l]))
        default:
            event = .ticketsPurged(TicketsPurged(pool: Fixture.pool, at: Fixture.t0, locators: [TicketLocator(sequence: 77)]))
        }
        let before = p
        var thrown: InconsistentEvent?
        do {
            try p.apply(event, at: 10)
        } catch let e as InconsistentEvent {
            thrown = e
        }
        #expect(thrown?.rule == rule)
        #expect(thrown?.sequence == 10)
        #expect(p.ticketStates == before.ticketStates)
    }

    @Test("a settled ticket is purged; its user stays")
    func purge() throws {
        var (p, ticket) = try Fixture.issued()
        try p.apply(.ticketConsumed(TicketConsumed(pool: Fixture.pool, at: Fixture.t0, locator: ticket.locator)), at: 3)
        try p.apply(.ticketsPurged(TicketsPurged(pool: Fixture.pool, at: Fixture.t0, locators: [ticket.locator])), at: 4)
        #expect(try p.ticket(ticket.locator) == nil)
        #expect(try p.user(UserKey(pool: Fixture.pool, user: .test("u1")))?.loginsCount == 1)
    }
}

@Suite("Domain: the sweep's plans")
struct SweepPlanTests {
    static let now = Fixture.t0.advanced(by: .seconds(1000))

    @Test("expiry: takes due entries in order, stops at the first not due and at the limit")
    func expiry() {
        func offered(limit: Int, _ expiries: [Int64]) -> (due: [UInt64], offers: Int) {
            var plan = ExpiryPlan(now: Self.now, limit: limit)
            var offers = 0
            for (i, ms) in expiries.enumerated() {
                offers += 1
                if !plan.offer(TicketLocator(sequence: UInt64(i + 1)), expiresAt: Self.now.advanced(by: .milliseconds(ms))) { break }
            }
            return (plan.due.map(\.sequence), offers)
        }
        #expect(offered(limit: 10, [-5, -1, 0, 1, -9]) == ([1, 2, 3], 4))  // due at `now` itself; stops at +1 ms
        #expect(offered(limit: 2, [-5, -4, -3]) == ([1, 2], 2))  // stops once the limit is reached
        #expect(offered(limit: 0, [-5]) == ([], 1))
        let plan = ExpiryPlan(now: Self.now, limit: 1)
        let live = TicketState(
            status: .issued, pool: Fixture.pool, user: .test("u"), issuedAt: Fixture.t0, expiresAt: Fixture.t0,
            consumedAt: nil, expiredAt: nil, ip: nil, verifierDigest: .zero)
        var settled = live
        settled.status = .consumed
        #expect(plan.event(for: TicketLocator(sequence: 1), state: live) == TicketExpired(pool: Fixture.pool, at: Self.now, locator: TicketLocator(sequence: 1)))
        #expect(plan.event(for: TicketLocator(sequence: 1), state: settled) == nil)
        #expect(plan.event(for: TicketLocator(sequence: 1), state: nil) == nil)
    }

    static func ticket(_ status: TicketStatus, pool: PoolID = Fixture.pool, issuedSecondsAgo: Int64, lifetime: Int64 = 10) -> TicketState {
        let issued = now.advanced(by: .seconds(-issuedSecondsAgo))
        return TicketState(
            status: status, pool: pool, user: .test("u"), issuedAt: issued, expiresAt: issued.advanced(by: .seconds(lifetime)),
            consumedAt: nil, expiredAt: nil, ip: nil, verifierDigest: .zero)
    }

    @Test("purge: settled tickets past the grace, by pool; live ones skipped; stops at the first too young")
    func purge() {
        var plan = PurgePlan(now: Self.now, grace: .seconds(300), limit: 100)
        let offers: [(TicketStatus, PoolID, Int64)] = [
            (.consumed, Fixture.pool, 1000), (.issued, Fixture.pool, 999), (.expired, Fixture.other, 900),
            (.consumed, Fixture.pool, 305), (.consumed, Fixture.pool, 311),  // 305 s ago + 10 s lifetime: inside the grace
            (.consumed, Fixture.pool, 299), (.consumed, Fixture.pool, 2000),  // issued within the grace: stop
        ]
        var taken = 0
        for (i, (status, pool, ago)) in offers.enumerated() {
            taken += 1
            if !plan.offer(TicketLocator(sequence: UInt64(i + 1)), state: Self.ticket(status, pool: pool, issuedSecondsAgo: ago)) { break }
        }
        #expect(taken == 6)
        #expect(plan.found == 3)
        #expect(plan.byPool[Fixture.pool]?.map(\.sequence) == [1, 5])
        #expect(plan.byPool[Fixture.other]?.map(\.sequence) == [3])
        let events = plan.events(maxPerEvent: 1)
        #expect(events.map(\.pool) == [Fixture.pool, Fixture.pool, Fixture.other].sorted())
        #expect(events.allSatisfy { $0.at == Self.now && $0.locators.count == 1 })
    }

    @Test("purge: reads at most scanPerPurge × limit tickets, and stops at the limit")
    func purgeBudget() {
        var plan = PurgePlan(now: Self.now, grace: .seconds(0), limit: 2)
        var offers = 0
        while offers < 1000 {
            offers += 1
            if !plan.offer(TicketLocator(sequence: UInt64(offers)), state: Self.ticket(.issued, issuedSecondsAgo: 500)) { break }
        }
        #expect(offers == 2 * PurgePlan.scanPerPurge)
        var limited = PurgePlan(now: Self.now, grace: .seconds(0), limit: 2)
        let first = limited.offer(TicketLocator(sequence: 1), state: Self.ticket(.expired, issuedSecondsAgo: 500))
        let second = limited.offer(TicketLocator(sequence: 2), state: Self.ticket(.expired, issuedSecondsAgo: 500))
        #expect(first)
        #expect(!second)
        #expect(limited.found == 2)
    }
}
