/// The common events applied straight from their record bytes, as ``EventPreparer`` parsed them.
extension CompactReplay {
    /// Applies the payload of an issue, consume, expire or rejection at `sequence` directly
    /// (``EventPreparer/prepare(_:sequence:start:)`` then ``applyPrepared(_:in:)``); `false`,
    /// having changed nothing, for anything else: the caller decodes it and takes the general path.
    mutating func applyDirectly(_ payload: UnsafeRawBufferPointer, sequence: UInt64) -> Bool {
        let e = preparer.prepare(payload, sequence: sequence, start: 0)
        usePoolNumbers(of: preparer.token)
        return applyPrepared(e, in: payload)
    }

    /// Reads the pool numbers of ``PreparedEvent``s as the preparer with `token` gave them
    /// (forgetting another's): call before applying or touching its events.
    @inline(__always)
    mutating func usePoolNumbers(of token: UInt64) {
        guard token != preparedPoolsToken else { return }
        preparedPoolsToken = token
        preparedPools.removeAll(keepingCapacity: true)
    }

    /// The replay's index of `e`'s pool, if it is interned (``usePoolNumbers(of:)`` first).
    @inline(__always)
    mutating func pool(of e: PreparedEvent, in bytes: UnsafeRawBufferPointer) -> UInt32? {
        let n = Int(e.pool)
        if n < preparedPools.count, preparedPools[n] != 0 { return preparedPools[n] - 1 }
        let from = e.start + Int(e.poolStart)
        guard e.start >= 0, from + Int(e.poolCount) <= bytes.count else { return nil }
        // A pool id interned earlier came from a decoded (validated) event.
        guard let pool = poolIndex(bytes: UnsafeRawBufferPointer(rebasing: bytes[from..<(from + Int(e.poolCount))])) else { return nil }
        if n >= preparedPools.count { preparedPools.append(contentsOf: repeatElement(0, count: n - preparedPools.count + 1)) }
        preparedPools[n] = pool + 1
        return pool
    }

    /// Applies a prepared issue, consume or expire directly, when it breaks no audit rule and
    /// ``Projector`` would apply it without complaint; then the outcome is exactly
    /// ``Projector``'s (see each case). A rejection only needs its pool known. Returns `false`,
    /// having changed nothing, for anything else. `bytes` holds the payload at `e.start`.
    mutating func applyPrepared(_ e: PreparedEvent, in bytes: UnsafeRawBufferPointer) -> Bool {
        switch e.kind {
        case .undecodable, .general: return false
        default: break
        }
        guard e.start >= 0, e.count >= 0, e.start + e.count <= bytes.count, let pool = pool(of: e, in: bytes) else { return false }
        switch e.kind {
        case .issue: return issue(e, payload: UnsafeRawBufferPointer(rebasing: bytes[e.start..<(e.start + e.count)]), pool: pool)
        case .consume: return consume(locator: e.word, at: e.at, pool: pool)
        case .expire: return expire(locator: e.word, at: e.at, pool: pool)
        case .rejected:
            refusalEvents += 1  // no rule to check, nothing to apply
            return true
        case .undecodable, .general: return false
        }
    }

    /// Reads, without changing anything the replay shows, the memory that applying `events`
    /// directly will touch, and returns a value made from it: for an issue, its user's table
    /// bucket, spelling, record and profile; for a consume or expire, its ticket's record and
    /// that ticket's user's. Each level is read for every event before the next level, so the
    /// cache misses of a few dozen events overlap instead of stalling one after another.
    mutating func touch(_ events: ArraySlice<PreparedEvent>, in bytes: UnsafeRawBufferPointer) -> UInt64 {
        // Per event: 0 nothing; 1 an issue at level `a` = bucket word; 2 a ticket at level `a` = its user.
        var sink: UInt64 = 0
        var kinds = touchKinds
        var a = touchWords
        kinds.removeAll(keepingCapacity: true)
        a.removeAll(keepingCapacity: true)
        for e in events {
            switch e.kind {
            case .issue:
                guard let pool = pool(of: e, in: bytes) else { fallthrough }
                kinds.append(1)
                a.append(userByteIndex.firstEntry(UserByteIndex.combine(e.userHash, pool: pool)))
            case .consume, .expire:
                guard let index = tickets.find(e.word) else { fallthrough }
                kinds.append(2)
                a.append(UInt64(tickets.records[index].user))
            default:
                kinds.append(0)
                a.append(0)
            }
        }
        // Level 2: an issue's spelling (→ its user and id bytes); a ticket's user record.
        var spelled = touchSpellings
        spelled.removeAll(keepingCapacity: true)
        for k in kinds.indices {
            if kinds[k] == 1, let (user, start) = userByteIndex.spelling(ofEntry: a[k]) {
                a[k] = UInt64(user)
                spelled.append(start)
            } else if kinds[k] == 2, a[k] < UInt64(users.count) {
                sink &+= users[Int(a[k])].loginsCount
                kinds[k] = 0
            } else {
                kinds[k] = 0
            }
        }
        // Level 3: an issue's user record and id bytes; level 4: its profile.
        for start in spelled { sink &+= UInt64(userByteIndex.arenaByte(start)) }
        for k in kinds.indices where kinds[k] == 1 && a[k] < UInt64(users.count) {
            a[k] = UInt64(users[Int(a[k])].profileStart)
        }
        for k in kinds.indices where kinds[k] == 1 && a[k] < UInt64(profiles.count) {
            sink &+= UInt64(profiles[Int(a[k])])
        }
        touchKinds = kinds
        touchWords = a
        touchSpellings = spelled
        return sink
    }

    /// `TicketIssued` (prepared: a printable ASCII user id, so valid): the pool is configured
    /// and `expiresAt` is its time plus the pool's lifetime (else `checkRules` has a finding).
    /// Tickets half: a fresh `issued` ticket (and so a due entry). Users half: as ``Projector``,
    /// the profile from the event, its phone kept from before (or none) without `getPhone`.
    private mutating func issue(_ e: PreparedEvent, payload: UnsafeRawBufferPointer, pool: UInt32) -> Bool {
        if e.sealed { return issueSealed(e, payload: payload, pool: pool) }
        let expiresAt = Int64(bitPattern: e.word)
        let userEnd = Int(e.userStart) + Int(e.userCount)
        let (profileStart, phoneStart, phoneEnd, profileEnd) = (Int(e.profileStart), Int(e.phoneStart), Int(e.phoneEnd), Int(e.profileEnd))
        guard userEnd <= payload.count, 0 <= profileStart, profileStart <= phoneStart, phoneStart <= phoneEnd,
              phoneEnd <= profileEnd, profileEnd <= payload.count,
              let state = poolStates[Int(pool)],
              Rules.expiry(issuedAt: Timestamp(millisecondsSince1970: e.at), lifetime: state.policy.ticketLifetime)
                .millisecondsSince1970 == expiresAt
        else { return false }
        let at = e.at

        // Tickets half.
        let userBytes = UnsafeRawBufferPointer(rebasing: payload[Int(e.userStart)..<userEnd])
        let user = internUser(pool: pool, bytes: userBytes, hash: UserByteIndex.combine(e.userHash, pool: pool))
        // A user with sealed fields takes the Projector path (``UserState/takeProfile(of:)``).
        guard sealedUsers.isEmpty || sealedUsers[Int(user)] == nil, forgottenUsers.isEmpty || forgottenUsers[Int(user)] == nil else { return false }
        let record = CompactTicket(
            issuedAt: at, expiresAt: expiresAt, consumedAt: 0, expiredAt: 0, verifier: e.verifier, ip: e.ip,
            user: user, pool: pool, status: .issued, hasConsumedAt: false, hasExpiredAt: false)
        // A ticket's key is its issue's own sequence, and each sequence is applied once: no
        // earlier record is replaced.
        tickets.set(e.sequence, record)
        issuedCount += 1

        // Users half.
        let i = Int(user)
        let existed = users[i].exists
        if !existed { startUser(i, at: at) }
        let eventProfile = UnsafeRawBufferPointer(rebasing: payload[profileStart..<profileEnd])
        if e.getPhone {
            setProfile(i, eventProfile)
            return true
        }
        // The event's profile with the phone field replaced by the user's (or none).
        if existed && profileUnchanged(i, payload: payload, profileStart, phoneStart, phoneEnd, profileEnd) { return true }
        var spliced: [UInt8] = []
        swap(&spliced, &scratch)
        spliced.removeAll(keepingCapacity: true)
        spliced.append(contentsOf: UnsafeRawBufferPointer(rebasing: payload[profileStart..<phoneStart]))
        if existed {
            let u = users[i]
            profiles.withUnsafeBytes { arena in
                let old = UnsafeRawBufferPointer(rebasing: arena[u.profileStart..<(u.profileStart + u.profileCount)])
                var o = BinaryReader(old, what: "profile")
                for _ in 0..<3 { _ = try? skipOptionalText(&o, maxBytes: 1 << 20) }
                let start = o.offset
                _ = try? skipOptionalText(&o, maxBytes: 1 << 20)
                spliced.append(contentsOf: UnsafeRawBufferPointer(rebasing: old[start..<o.offset]))
            }
        } else {
            spliced.append(0)
        }
        spliced.append(contentsOf: UnsafeRawBufferPointer(rebasing: payload[phoneEnd..<profileEnd]))
        spliced.withUnsafeBytes { setProfile(i, $0) }
        swap(&spliced, &scratch)
        return true
    }

    /// User `i`'s record begun by an issue at `at`: signed up then, no logins yet.
    @inline(__always)
    private mutating func startUser(_ i: Int, at: Int64) {
        existingUsers += 1
        users[i].exists = true
        users[i].signedUp = at
        users[i].loginsCount = 0
        users[i].hasLastLogin = false
        users[i].lastLogin = 0
        users[i].lastIP = .absent
    }

    /// A sealed `TicketIssued` (event format 4), as ``issue(_:payload:pool:)`` but as
    /// ``UserState/receiving(_:at:)`` and ``UserState/takeProfile(of:)`` do with sealed fields:
    /// the ticket keeps the IP's box; the user's clear profile is emptied but for a clear phone
    /// kept without `getPhone`, and the boxes are taken (the phone's only with `getPhone`).
    /// A user forgotten takes the ``Projector`` path.
    private mutating func issueSealed(_ e: PreparedEvent, payload: UnsafeRawBufferPointer, pool: UInt32) -> Bool {
        let expiresAt = Int64(bitPattern: e.word)
        let userEnd = Int(e.userStart) + Int(e.userCount)
        func range(_ start: Int32, _ end: Int32) -> Range<Int>? {
            guard start >= 0, start <= end, Int(end) <= payload.count else { return nil }
            return Int(start)..<Int(end)
        }
        guard userEnd <= payload.count, let profileBox = range(e.profileStart, e.profileEnd),
              e.phoneStart < 0 || range(e.phoneStart, e.phoneEnd) != nil, e.ipStart < 0 || range(e.ipStart, e.ipEnd) != nil,
              let state = poolStates[Int(pool)],
              Rules.expiry(issuedAt: Timestamp(millisecondsSince1970: e.at), lifetime: state.policy.ticketLifetime)
                .millisecondsSince1970 == expiresAt
        else { return false }
        let userBytes = UnsafeRawBufferPointer(rebasing: payload[Int(e.userStart)..<userEnd])
        let user = internUser(pool: pool, bytes: userBytes, hash: UserByteIndex.combine(e.userHash, pool: pool))
        let i = Int(user)
        guard forgottenUsers.isEmpty || forgottenUsers[i] == nil else { return false }
        let phoneBox = range(e.phoneStart, e.phoneEnd).map { Array(payload[$0]) }
        let ipBox = range(e.ipStart, e.ipEnd).map { Array(payload[$0]) }

        // Tickets half: no clear IP, its box kept.
        let record = CompactTicket(
            issuedAt: e.at, expiresAt: expiresAt, consumedAt: 0, expiredAt: 0, verifier: e.verifier, ip: .absent,
            user: user, pool: pool, status: .issued, hasConsumedAt: false, hasExpiredAt: false)
        tickets.set(e.sequence, record)
        if let ipBox { sealedIPs[e.sequence] = ipBox }
        issuedCount += 1

        // Users half.
        let existed = users[i].exists
        if !existed { startUser(i, at: e.at) }
        // The clear profile: nothing but the phone a user from before sealing keeps without getPhone.
        var clear: [UInt8] = [0, 0, 0]
        if existed && !e.getPhone {
            let u = users[i]
            guard let kept = profiles.withUnsafeBytes({ arena -> [UInt8]? in
                guard u.profileStart >= 0, u.profileStart + u.profileCount <= arena.count else { return nil }
                var o = BinaryReader(UnsafeRawBufferPointer(rebasing: arena[u.profileStart..<(u.profileStart + u.profileCount)]), what: "profile")
                for _ in 0..<3 { guard (try? skipOptionalText(&o, maxBytes: 1 << 20)) != nil else { return nil } }
                let start = o.offset
                guard (try? skipOptionalText(&o, maxBytes: 1 << 20)) != nil else { return nil }
                return Array(arena[(u.profileStart + start)..<(u.profileStart + o.offset)])
            }) else { return false }
            clear += kept
        } else {
            clear.append(0)
        }
        clear += [0, 0, 0, 0, 0, 0]  // five absent texts and emailVerified false
        clear.withUnsafeBytes { setProfile(i, $0) }
        var fields = (sealedUsers.isEmpty ? nil : sealedUsers[i]) ?? SealedUserFields(keyGeneration: e.keyGeneration)
        if fields.keyGeneration != e.keyGeneration { fields = SealedUserFields(keyGeneration: e.keyGeneration) }
        fields.profile = Array(payload[profileBox])
        if e.getPhone { fields.phone = phoneBox }
        sealedUsers[i] = fields
        return true
    }

    /// Whether user `i`'s profile already is what ``issue(_:payload:pool:)`` splices without
    /// `getPhone` — the event's profile (`payload[profileStart..<profileEnd]`) with its phone
    /// field (`phoneStart..<phoneEnd`) replaced by the user's — checked in place, without
    /// building it: the fields are self-delimiting, so when the stored profile starts with the
    /// event's first three fields its phone field starts where the event's does, and the
    /// splice equals it exactly when what follows that phone field equals the event's rest.
    @inline(__always)
    private func profileUnchanged(
        _ i: Int, payload: UnsafeRawBufferPointer, _ profileStart: Int, _ phoneStart: Int, _ phoneEnd: Int, _ profileEnd: Int
    ) -> Bool {
        let u = users[i]
        return profiles.withUnsafeBytes { arena -> Bool in
            guard u.profileStart >= 0, u.profileStart + u.profileCount <= arena.count else { return false }
            let old = UnsafeRawBufferPointer(rebasing: arena[u.profileStart..<(u.profileStart + u.profileCount)])
            let prefix = phoneStart - profileStart
            guard prefix <= old.count,
                  sameBytes(UnsafeRawBufferPointer(rebasing: old[..<prefix]), UnsafeRawBufferPointer(rebasing: payload[profileStart..<phoneStart]))
            else { return false }
            var o = BinaryReader(UnsafeRawBufferPointer(rebasing: old[prefix...]), what: "profile")
            guard (try? skipOptionalText(&o, maxBytes: 1 << 20)) != nil else { return false }
            return sameBytes(UnsafeRawBufferPointer(rebasing: old[(prefix + o.offset)...]), UnsafeRawBufferPointer(rebasing: payload[phoneEnd..<profileEnd]))
        }
    }

    /// `TicketConsumed`: the pool is configured with a secret if it requires one, the ticket is
    /// `issued` in this pool and not yet expired, and its user exists (else a finding or an
    /// ``InconsistentEvent``). Then, as ``Projector``: consumed at `at`, no longer due; the user's
    /// logins +1, last login `at`, last IP the ticket's.
    private mutating func consume(locator: UInt64, at: Int64, pool: UInt32) -> Bool {
        guard let state = poolStates[Int(pool)],
              Rules.hasSecretItNeeds(secretRequired: state.policy.secretRequired, hasSecret: state.secret != nil),
              let index = tickets.find(locator)
        else { return false }
        let t = tickets.records[index]
        guard Rules.isLive(t.status), Rules.isSamePool(t.pool, pool), Rules.isBeforeExpiry(at, expiresAt: t.expiresAt),
              users[Int(t.user)].exists
        else { return false }
        // A forgotten user takes the Projector path (its rule `consume-after-forget`).
        guard forgottenUsers.isEmpty || forgottenUsers[Int(t.user)] == nil else { return false }
        tickets.update(index) {
            $0.status = .consumed
            $0.consumedAt = at
            $0.hasConsumedAt = true
        }
        issuedCount -= 1
        let u = Int(t.user)
        users[u].loginsCount += 1
        users[u].lastLogin = at
        users[u].hasLastLogin = true
        users[u].lastIP = t.ip
        // The sealed last IP, as ``UserState/takeLastIP(of:)``.
        let box = sealedIPs.isEmpty ? nil : sealedIPs[locator]
        if !sealedUsers.isEmpty, var fields = sealedUsers[u] {
            fields.lastIP = box
            sealedUsers[u] = fields
        } else if let box, let generation = PersonalSeal.generation(of: box) {
            sealedUsers[u] = SealedUserFields(keyGeneration: generation, lastIP: box)
        }
        return true
    }

    /// `TicketExpired`: the ticket is `issued` in this pool and `at` is not before its expiry
    /// (else a finding or an ``InconsistentEvent``). Then, as ``Projector``: expired at `at`,
    /// no longer due.
    private mutating func expire(locator: UInt64, at: Int64, pool: UInt32) -> Bool {
        guard let index = tickets.find(locator) else { return false }
        let t = tickets.records[index]
        guard Rules.isLive(t.status), Rules.isSamePool(t.pool, pool), Rules.isDue(at, expiresAt: t.expiresAt) else { return false }
        tickets.update(index) {
            $0.status = .expired
            $0.expiredAt = at
            $0.hasExpiredAt = true
        }
        issuedCount -= 1
        return true
    }

    /// `TicketsPurged`, as ``Projector``: drops each listed ticket; at the first it may not
    /// drop, hands the rest to ``Projector`` (which throws the same ``InconsistentEvent``).
    mutating func purge(_ e: TicketsPurged, sequence: UInt64) throws {
        let pool = poolIndex[e.pool]
        for (i, locator) in e.locators.enumerated() {
            if let pool, let t = tickets[locator.sequence], Rules.isPurgeable(t.status) && Rules.isSamePool(t.pool, pool) {
                tickets.remove(locator.sequence)
                if !summarisedRefusals.isEmpty { summarisedRefusals[locator.sequence] = nil }
                if !retryKeys.isEmpty { retryKeys[locator.sequence] = nil }
                if !revocations.isEmpty { revocations[locator.sequence] = nil }
                continue
            }
            let rest = TicketsPurged(pool: e.pool, at: e.at, locators: Array(e.locators[i...]))
            try Projector.applyToTickets(.ticketsPurged(rest), sequence: sequence, to: &self)
            return
        }
    }

    /// Applies `event` through ``Projector`` (both halves, as `Projector.apply` does).
    mutating func applyGenerally(_ event: LedgerEvent, sequence: UInt64) throws {
        switch event {
        case .ticketsPurged(let e):
            try purge(e, sequence: sequence)
            return
        case .redemptionRejected:
            refusalEvents += 1
        case .refusalsCounted(let e):
            refusalsSummarised &+= e.count
            if tickets[e.locator.sequence] != nil { summarisedRefusals[e.locator.sequence, default: 0] &+= e.count }
        default:
            break
        }
        let ticket = try Projector.applyToTickets(event, sequence: sequence, to: &self)
        try Projector.applyToUsers(event, sequence: sequence, ticket: ticket, to: &self)
    }
}
