/// The projections an audit rebuilds, compactly: pools and users interned to small integers,
/// tickets as fixed-size records keyed by locator, profiles as their encoded bytes, the expiry
/// index derived from the tickets (an entry `(expiresAt, locator)` exactly for each ticket still
/// `issued`, which is what ``Projector`` maintains with `setDue`).
///
/// It conforms to both projection protocols, so any event can go through ``Projector`` itself;
/// ``CompactReplayer`` applies the common events (issue, consume, expire, purge) directly on the
/// record bytes, taking the ``Projector`` path for anything unusual. Its projections read back as
/// ``TicketState``/``UserState`` values, equal to what a reference replay through ``Projector`` alone builds (tested).
struct CompactReplay: TicketProjections, UserProjections, Sendable {
    // Pools: few, by index.
    var poolIDs: [PoolID] = []
    var poolBytes: [[UInt8]] = []
    var poolStates: [PoolState?] = []
    var poolIndex: [PoolID: UInt32] = [:]

    // Users: (pool, user) → index; by the id's bytes, exactly as ``UserKey`` hashes.
    var userKeys: [UserKey] = []
    var users: [CompactUser] = []
    /// Users `0..<indexedUsers` by key. The fast path adds users to ``userByteIndex`` only
    /// while every user is printable ASCII and in it; the rest join when anything needs the
    /// dictionary (``indexAllUsers()``). (Both compare ids by their bytes; the ASCII rule
    /// dates from when ``UserID`` used `String`'s canonical equality, and only keeps
    /// non-ASCII ids on the slower path.)
    private(set) var userIndex: [UserKey: UInt32] = [:]
    private(set) var indexedUsers = 0
    /// Users not in ``userByteIndex``: ids not printable ASCII, pools not interned.
    private(set) var otherUsers = 0
    /// Whether every spelling added to ``userByteIndex`` went in.
    private(set) var byteIndexComplete = true
    /// The same by raw id bytes, for the fast path.
    var userByteIndex: UserByteIndex
    var existingUsers = 0
    var profiles: [UInt8] = []
    var profileWaste = 0
    /// Reused for spliced profiles.
    var scratch: [UInt8] = []

    // Tickets.
    var tickets = TicketTable()
    /// `RedemptionRejected` events applied.
    var refusalEvents: UInt64 = 0
    /// Refusals the `RefusalsCounted` events applied stand for.
    var refusalsSummarised: UInt64 = 0
    /// Per ticket still held: the refusals its `RefusalsCounted` events stand for (few tickets).
    var summarisedRefusals: [UInt64: UInt64] = [:]
    /// Per ticket still held: the retry key its consume recorded (consumes with a key take
    /// the ``Projector`` path, which sets it through ``setTicket(_:for:)``).
    var retryKeys: [UInt64: SHA256Digest] = [:]
    /// Per ticket still held: until when its tokens are revoked (set through ``setTicket(_:for:)``).
    var revocations: [UInt64: Int64] = [:]
    /// Per ticket still held: its sealed IP (tickets issued in event format 4, which take the
    /// ``Projector`` path and are set through ``setTicket(_:for:)``).
    var sealedIPs: [UInt64: [UInt8]] = [:]
    /// Per user index: the sealed fields of its record (set through ``setUser(_:for:)``). The
    /// direct path leaves users and tickets with sealed fields to the ``Projector`` path.
    var sealedUsers: [Int: SealedUserFields] = [:]
    /// Per user index: when it was last forgotten, and whether its record is what forgetting
    /// left (set through ``setUser(_:for:)``; such users too take the ``Projector`` path).
    var forgottenUsers: [Int: (at: UInt64, isForgotten: Bool)] = [:]
    /// Tickets whose status is `issued`: the size of the expiry index.
    var issuedCount = 0
    /// Keeps the reads of ``touch(_:in:)`` from being optimized away.
    var touchSink: UInt64 = 0
    /// Reused by ``touch(_:in:)``.
    var touchKinds: [UInt8] = []
    var touchWords: [UInt64] = []
    var touchSpellings: [Int] = []
    /// Prepares the events of ``applyDirectly(_:sequence:)``.
    var preparer: EventPreparer
    /// Preparer's pool number → replay pool index + 1 (0: not yet known), for the preparer
    /// `preparedPoolsToken` names.
    var preparedPools: [UInt32] = []
    var preparedPoolsToken: UInt64 = 0

    init() {
        let index = UserByteIndex()
        userByteIndex = index
        preparer = EventPreparer(seed: index.seed)
    }

    /// A preparer for events this replay applies (``applyPrepared(_:in:)``): its user hashes
    /// are the replay's.
    func makePreparer() -> EventPreparer { EventPreparer(seed: userByteIndex.seed) }

    /// Makes room for about `tickets` tickets, `users` users and `profileBytes` bytes of
    /// profiles (from the stored projections' sizes), so the arrays do not grow by doubling —
    /// copying themselves and touching fresh memory each time — during the replay. A hint only:
    /// more still fit, and untouched capacity takes no resident memory.
    mutating func reserve(tickets: Int, users: Int, profileBytes: Int) {
        self.tickets.reserve(max(0, tickets))
        userKeys.reserveCapacity(max(0, users))
        self.users.reserveCapacity(max(0, users))
        userByteIndex.reserve(max(0, users))
        profiles.reserveCapacity(max(0, profileBytes))
    }

    // MARK: - Interning

    mutating func internPool(_ id: PoolID) -> UInt32 {
        if let i = poolIndex[id] { return i }
        let i = UInt32(poolIDs.count)
        poolIDs.append(id)
        poolBytes.append(Array(id.rawValue.utf8))
        poolStates.append(nil)
        poolIndex[id] = i
        return i
    }

    /// The index of the pool whose id has exactly these bytes (pool ids are ASCII, so byte
    /// equality is `String` equality), if it is interned.
    func poolIndex(bytes: UnsafeRawBufferPointer) -> UInt32? {
        if poolBytes.count <= 16 {
            for (i, known) in poolBytes.enumerated() where known.count == bytes.count {
                let same = known.withUnsafeBytes { k in
                    guard let a = k.baseAddress, let b = bytes.baseAddress else { return k.count == bytes.count }
                    return POSIX.compareBytes(a, b, count: k.count) == 0
                }
                if same { return UInt32(i) }
            }
            return nil
        }
        return poolIndex[PoolID(unchecked: String(decoding: bytes, as: UTF8.self))]
    }

    /// The index of the user with printable ASCII id `bytes` in pool `pool`, interned.
    @inline(__always)
    mutating func internUser(pool: UInt32, bytes: UnsafeRawBufferPointer) -> UInt32 {
        internUser(pool: pool, bytes: bytes, hash: userByteIndex.hash(pool: pool, bytes))
    }

    /// The same, given `h`, ``UserByteIndex/hash(pool:_:)`` of them.
    @inline(__always)
    mutating func internUser(pool: UInt32, bytes: UnsafeRawBufferPointer, hash h: UInt64) -> UInt32 {
        if let i = userByteIndex.find(pool: pool, bytes, hash: h) { return i }
        let key = UserKey(pool: poolIDs[Int(pool)], user: UserID(unchecked: String(decoding: bytes, as: UTF8.self)))
        if otherUsers > 0 || !byteIndexComplete, let i = userIndex[key] {
            // A user the byte index missed (the dictionary is complete here: see `userIndex`).
            userByteIndex.insert(pool: pool, bytes, hash: h, user: i)
            return i
        }
        return addUser(key, pool: pool, bytes: bytes, hash: h)
    }

    /// Appends user `key`, known to be new, keeping ``userIndex``'s rule.
    private mutating func addUser(_ key: UserKey, pool: UInt32?, bytes: UnsafeRawBufferPointer?, hash h: UInt64) -> UInt32 {
        let i = UInt32(userKeys.count)
        userKeys.append(key)
        users.append(CompactUser())
        if let pool, let bytes {
            if !userByteIndex.insert(pool: pool, bytes, hash: h, user: i) { byteIndexComplete = false }
        } else {
            otherUsers += 1
        }
        if otherUsers > 0 || !byteIndexComplete { indexAllUsers() }
        return i
    }

    /// The index of user `key`, interned (by the id's bytes, as ``UserKey`` hashes).
    mutating func internUser(_ key: UserKey) -> UInt32 {
        var id = key.user.rawValue
        let ascii = id.withUTF8 { $0.allSatisfy { $0 >= 0x20 && $0 < 0x7f } }
        // A non-ASCII id is looked up in the dictionary: index the users only the byte index has first.
        if !ascii { indexAllUsers() }
        if let i = userIndex(of: key) { return i }
        guard ascii else { return addUser(key, pool: nil, bytes: nil, hash: 0) }
        guard let pool = poolIndex[key.pool] else {
            byteIndexComplete = false
            return addUser(key, pool: nil, bytes: nil, hash: 0)
        }
        return id.withUTF8 { b in
            let raw = UnsafeRawBufferPointer(b)
            return addUser(key, pool: pool, bytes: raw, hash: userByteIndex.hash(pool: pool, raw))
        }
    }

    /// Adds the users only the byte index has to ``userIndex``.
    mutating func indexAllUsers() {
        guard indexedUsers < userKeys.count else { return }
        userIndex.reserveCapacity(userKeys.count)
        for i in indexedUsers..<userKeys.count { userIndex[userKeys[i]] = UInt32(i) }
        indexedUsers = userKeys.count
    }

    /// The index of user `key` (by the id's bytes), without interning.
    func userIndex(of key: UserKey) -> UInt32? {
        if indexedUsers == userKeys.count { return userIndex[key] }
        // Users are missing from the dictionary only while every user is printable ASCII and
        // in the byte index: there, an ASCII id is found by its bytes or is unknown.
        var id = key.user.rawValue
        let found = id.withUTF8 { (b) -> UInt32?? in
            guard b.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { return .none }
            guard let pool = poolIndex[key.pool] else { return .some(nil) }
            let raw = UnsafeRawBufferPointer(b)
            return .some(userByteIndex.find(pool: pool, raw, hash: userByteIndex.hash(pool: pool, raw)))
        }
        if let found { return found }
        // A non-ASCII id: the dictionary, then the users it lacks (``indexAllUsers()`` first
        // spares the search).
        if let i = userIndex[key] { return i }
        for i in indexedUsers..<userKeys.count where userKeys[i] == key { return UInt32(i) }
        return nil
    }

    // MARK: - Profiles

    func profileBytes(_ u: CompactUser) -> ArraySlice<UInt8> { profiles[u.profileStart..<(u.profileStart + u.profileCount)] }

    /// Sets user `i`'s profile to `bytes` (an encoded ``UserProfile``), in place when unchanged
    /// or the same length; the arena is compacted once more than half of it is stale.
    mutating func setProfile(_ i: Int, _ bytes: UnsafeRawBufferPointer) {
        let u = users[i]
        if u.profileCount == bytes.count {
            profiles.withUnsafeMutableBytes { arena in
                guard let base = arena.baseAddress, let src = bytes.baseAddress else { return }
                let dst = base + u.profileStart
                if POSIX.compareBytes(dst, src, count: bytes.count) != 0 { dst.copyMemory(from: src, byteCount: bytes.count) }
            }
            return
        }
        profileWaste += u.profileCount
        users[i].profileStart = profiles.count
        users[i].profileCount = bytes.count
        profiles.append(contentsOf: bytes)
        if profileWaste > 1 << 20 && profileWaste > profiles.count / 2 { compactProfiles() }
    }

    mutating func compactProfiles() {
        var fresh: [UInt8] = []
        fresh.reserveCapacity(profiles.count - profileWaste + 1024)
        for i in users.indices where users[i].profileCount > 0 {
            let start = fresh.count
            fresh.append(contentsOf: profileBytes(users[i]))
            users[i].profileStart = start
        }
        profiles = fresh
        profileWaste = 0
    }

    func profile(of u: CompactUser) -> UserProfile? {
        profiles.withUnsafeBytes { arena in
            var r = BinaryReader(UnsafeRawBufferPointer(rebasing: arena[u.profileStart..<(u.profileStart + u.profileCount)]), what: "profile")
            return try? UserProfile.read(from: &r)
        }
    }

    // MARK: - Reading back

    func ticketState(_ t: CompactTicket) -> TicketState {
        TicketState(
            status: t.status, pool: poolIDs[Int(t.pool)], user: userKeys[Int(t.user)].user,
            issuedAt: Timestamp(millisecondsSince1970: t.issuedAt), expiresAt: Timestamp(millisecondsSince1970: t.expiresAt),
            consumedAt: t.hasConsumedAt ? Timestamp(millisecondsSince1970: t.consumedAt) : nil,
            expiredAt: t.hasExpiredAt ? Timestamp(millisecondsSince1970: t.expiredAt) : nil,
            ip: t.ip.string.map { IPAddress(normalized: $0) }, verifierDigest: t.verifier,
            retryKey: retryKeys.isEmpty ? nil : retryKeys[t.locator],
            revokedUntil: revocations.isEmpty ? nil : revocations[t.locator].map { Timestamp(millisecondsSince1970: $0) },
            sealedIP: sealedIPs.isEmpty ? nil : sealedIPs[t.locator])
    }

    /// The state of user `i` (an index of ``users``), `nil` when it does not exist.
    func userState(_ i: Int) -> UserState? {
        let u = users[i]
        guard u.exists, let profile = profile(of: u) else { return nil }
        var state = UserState(
            profile: profile, signedUp: Timestamp(millisecondsSince1970: u.signedUp), loginsCount: u.loginsCount,
            lastLogin: u.hasLastLogin ? Timestamp(millisecondsSince1970: u.lastLogin) : nil,
            lastIP: u.lastIP.string.map { IPAddress(normalized: $0) }, sealed: sealedUsers.isEmpty ? nil : sealedUsers[i])
        if !forgottenUsers.isEmpty, let forgotten = forgottenUsers[i] {
            state.forgottenAt = forgotten.at
            state.isForgotten = forgotten.isForgotten
        }
        return state
    }

    /// Users that exist, by key.
    var userCount: Int { existingUsers }
    var existingUserKeys: [UserKey] { users.indices.filter { users[$0].exists }.map { userKeys[$0] } }
    /// Pools configured.
    var configuredPools: [PoolID] { poolIDs.indices.filter { poolStates[$0] != nil }.map { poolIDs[$0] } }

    /// Whether the expiry index holds `(expiresAt, locator)`.
    func isDue(_ entry: DueEntry) -> Bool {
        guard let t = tickets[entry.locator] else { return false }
        return Rules.isLive(t.status) && t.expiresAt == entry.expiresAt
    }

    /// The expiry index, sorted.
    var dueEntries: [DueEntry] {
        var out: [DueEntry] = []
        out.reserveCapacity(issuedCount)
        tickets.forEach { if Rules.isLive($0.status) { out.append(DueEntry(expiresAt: $0.expiresAt, locator: $0.locator)) } }
        return out.sorted { ($0.expiresAt, $0.locator) < ($1.expiresAt, $1.locator) }
    }

    // MARK: - TicketProjections

    func pool(_ id: PoolID) throws -> PoolState? { poolIndex[id].flatMap { poolStates[Int($0)] } }

    func ticket(_ locator: TicketLocator) throws -> TicketState? { tickets[locator.sequence].map(ticketState) }

    mutating func setPool(_ state: PoolState, for id: PoolID) throws {
        poolStates[Int(internPool(id))] = state
    }

    mutating func setTicket(_ state: TicketState, for locator: TicketLocator) throws {
        let pool = internPool(state.pool)
        let user = internUser(UserKey(pool: state.pool, user: state.user))
        let record = CompactTicket(
            issuedAt: state.issuedAt.millisecondsSince1970, expiresAt: state.expiresAt.millisecondsSince1970,
            consumedAt: state.consumedAt?.millisecondsSince1970 ?? 0, expiredAt: state.expiredAt?.millisecondsSince1970 ?? 0,
            verifier: state.verifierDigest, ip: InlineText(state.ip?.text), user: user, pool: pool, status: state.status,
            hasConsumedAt: state.consumedAt != nil, hasExpiredAt: state.expiredAt != nil)
        if state.retryKey != nil || !retryKeys.isEmpty { retryKeys[locator.sequence] = state.retryKey }
        if state.revokedUntil != nil || !revocations.isEmpty { revocations[locator.sequence] = state.revokedUntil?.millisecondsSince1970 }
        if state.sealedIP != nil || !sealedIPs.isEmpty { sealedIPs[locator.sequence] = state.sealedIP }
        let old = tickets.set(locator.sequence, record)
        if let old, Rules.isLive(old.status) { issuedCount -= 1 }
        if Rules.isLive(state.status) { issuedCount += 1 }
    }

    /// Derived from the tickets' status (see the type's note): nothing to store.
    mutating func setDue(_ locator: TicketLocator, at expiresAt: Timestamp, _ present: Bool) throws {}

    mutating func removeTicket(_ locator: TicketLocator) throws {
        if !retryKeys.isEmpty { retryKeys[locator.sequence] = nil }
        if !revocations.isEmpty { revocations[locator.sequence] = nil }
        if !sealedIPs.isEmpty { sealedIPs[locator.sequence] = nil }
        if let removed = tickets.remove(locator.sequence), Rules.isLive(removed.status) { issuedCount -= 1 }
    }

    // MARK: - UserProjections

    func user(_ key: UserKey) throws -> UserState? { userIndex(of: key).flatMap { userState(Int($0)) } }

    mutating func setUser(_ state: UserState, for key: UserKey) throws {
        let i = Int(internUser(key))
        if !users[i].exists { existingUsers += 1 }
        users[i].exists = true
        var w = BinaryWriter(capacity: 64)
        state.profile.write(into: &w)
        w.bytes.withUnsafeBytes { setProfile(i, $0) }
        users[i].signedUp = state.signedUp.millisecondsSince1970
        users[i].loginsCount = state.loginsCount
        users[i].hasLastLogin = state.lastLogin != nil
        users[i].lastLogin = state.lastLogin?.millisecondsSince1970 ?? 0
        users[i].lastIP = InlineText(state.lastIP?.text)
        if state.sealed != nil || !sealedUsers.isEmpty { sealedUsers[i] = state.sealed }
        if state.forgottenAt != 0 || state.isForgotten || !forgottenUsers.isEmpty {
            forgottenUsers[i] = state.forgottenAt == 0 && !state.isForgotten ? nil : (state.forgottenAt, state.isForgotten)
        }
    }
}

/// Whether `bytes` are valid UTF-8, as decoding text from the log requires.
@inline(__always)
func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    if bytes.allSatisfy({ $0 < 0x80 }) { return true }
    return String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) != nil
}
