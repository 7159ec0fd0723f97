#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Up to 45 bytes of text held inline (an IP address as the log stores it), or none: no
/// `String`, no heap allocation per ticket or user.
struct InlineText: Sendable, Hashable {
    /// The byte count, or `none`.
    private var count: UInt8
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0, w4: UInt64 = 0, w5: UInt64 = 0

    private static let none: UInt8 = 0xFF
    /// The longest text held.
    static let capacity = 45
    static let absent = InlineText(count: none)

    private init(count: UInt8) { self.count = count }

    /// `bytes` inline (the caller keeps them at or under ``capacity``).
    init(_ bytes: UnsafeRawBufferPointer) {
        count = UInt8(truncatingIfNeeded: min(bytes.count, Self.capacity))
        let n = Int(count)
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { dst in
            if n > 0, let base = bytes.baseAddress, let to = dst.baseAddress { to.copyMemory(from: base, byteCount: n) }
        }
        (w0, w1, w2, w3, w4, w5) = words
    }

    /// `text`'s UTF-8 bytes inline, or ``absent`` for `nil`.
    init(_ text: String?) {
        guard var text else { self = .absent; return }
        self = text.withUTF8 { InlineText(UnsafeRawBufferPointer($0)) }
    }

    var isAbsent: Bool { count == Self.none }

    /// Writes what `BinaryWriter.optionalString` writes for this text.
    func write(into w: inout BinaryWriter) {
        guard count != Self.none else { return w.u8(0) }
        w.u8(1)
        w.varint(UInt64(count))
        let words = (w0, w1, w2, w3, w4, w5)
        withUnsafeBytes(of: words) { w.raw(UnsafeRawBufferPointer(rebasing: $0[0..<Int(count)])) }
    }

    /// Whether `r` reads next what ``write(into:)`` writes (and moves past it).
    func matches(_ r: inout BinaryReader) throws(DecodingFailure) -> Bool {
        guard try r.u8() == (count == Self.none ? 0 : 1) else { return false }
        guard count != Self.none else { return true }
        guard try r.varint() == UInt64(count) else { return false }
        let stored = try r.bytes(Int(count))
        let words = (w0, w1, w2, w3, w4, w5)
        return withUnsafeBytes(of: words) { sameBytes(UnsafeRawBufferPointer(rebasing: $0[0..<Int(count)]), stored) }
    }

    /// The text as decoding it from the log gives it (the log's text is valid UTF-8).
    var string: String? {
        guard count != Self.none else { return nil }
        let words = (w0, w1, w2, w3, w4, w5)
        return withUnsafeBytes(of: words) { String(decoding: UnsafeRawBufferPointer(rebasing: $0[0..<Int(count)]), as: UTF8.self) }
    }
}

/// A key of the expiry index: `(expiresAt, locator)`.
struct DueEntry: Sendable, Hashable {
    var expiresAt: Int64
    var locator: UInt64

    /// The stored key (see `dueKey`).
    var key: [UInt8] { UInt64(bitPattern: expiresAt).bigEndianBytes + locator.bigEndianBytes }
}

/// One ticket of ``CompactReplay``: fixed size, no `String`s (pool and user as interned indices).
struct CompactTicket: Sendable {
    var issuedAt: Int64
    var expiresAt: Int64
    var consumedAt: Int64
    var expiredAt: Int64
    var verifier: SHA256Digest
    var ip: InlineText
    /// Index into ``CompactReplay``'s users (its pool and user id).
    var user: UInt32
    /// Index into ``CompactReplay``'s pools.
    var pool: UInt32
    var status: TicketStatus
    var hasConsumedAt: Bool
    var hasExpiredAt: Bool
    /// Whether the record holds a ticket (``TicketTable`` reuses free ones).
    var live = false
    /// Its key.
    var locator: UInt64 = 0
}

/// One user of ``CompactReplay``: counters, times, and the profile's encoded bytes in an arena.
struct CompactUser: Sendable {
    var exists = false
    var profileStart = 0
    var profileCount = 0
    var signedUp: Int64 = 0
    var loginsCount: UInt64 = 0
    var lastLogin: Int64 = 0
    var hasLastLogin = false
    var lastIP = InlineText.absent
}

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
                    return memcmp(a, b, k.count) == 0
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
                if memcmp(dst, src, bytes.count) != 0 { dst.copyMemory(from: src, byteCount: bytes.count) }
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
            ip: t.ip.string.map { IPAddress(normalized: $0) }, verifierDigest: t.verifier)
    }

    func userState(_ u: CompactUser) -> UserState? {
        guard u.exists, let profile = profile(of: u) else { return nil }
        return UserState(
            profile: profile, signedUp: Timestamp(millisecondsSince1970: u.signedUp), loginsCount: u.loginsCount,
            lastLogin: u.hasLastLogin ? Timestamp(millisecondsSince1970: u.lastLogin) : nil,
            lastIP: u.lastIP.string.map { IPAddress(normalized: $0) })
    }

    /// Users that exist, by key.
    var userCount: Int { existingUsers }
    var existingUserKeys: [UserKey] { users.indices.filter { users[$0].exists }.map { userKeys[$0] } }
    /// Pools configured.
    var configuredPools: [PoolID] { poolIDs.indices.filter { poolStates[$0] != nil }.map { poolIDs[$0] } }

    /// Whether the expiry index holds `(expiresAt, locator)`.
    func isDue(_ entry: DueEntry) -> Bool {
        guard let t = tickets[entry.locator] else { return false }
        return t.status == .issued && t.expiresAt == entry.expiresAt
    }

    /// The expiry index, sorted.
    var dueEntries: [DueEntry] {
        var out: [DueEntry] = []
        out.reserveCapacity(issuedCount)
        tickets.forEach { if $0.status == .issued { out.append(DueEntry(expiresAt: $0.expiresAt, locator: $0.locator)) } }
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
        let old = tickets.set(locator.sequence, record)
        if old?.status == .issued { issuedCount -= 1 }
        if state.status == .issued { issuedCount += 1 }
    }

    /// Derived from the tickets' status (see the type's note): nothing to store.
    mutating func setDue(_ locator: TicketLocator, at expiresAt: Timestamp, _ present: Bool) throws {}

    mutating func removeTicket(_ locator: TicketLocator) throws {
        if tickets.remove(locator.sequence)?.status == .issued { issuedCount -= 1 }
    }

    // MARK: - UserProjections

    func user(_ key: UserKey) throws -> UserState? { userIndex(of: key).flatMap { userState(users[Int($0)]) } }

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
    }
}

/// Whether `bytes` are valid UTF-8, as decoding text from the log requires.
@inline(__always)
func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    if bytes.allSatisfy({ $0 < 0x80 }) { return true }
    return String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) != nil
}

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
        case .rejected: return true  // no rule to check, nothing to apply
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
        let expiresAt = Int64(bitPattern: e.word)
        let userEnd = Int(e.userStart) + Int(e.userCount)
        let (profileStart, phoneStart, phoneEnd, profileEnd) = (Int(e.profileStart), Int(e.phoneStart), Int(e.phoneEnd), Int(e.profileEnd))
        guard userEnd <= payload.count, 0 <= profileStart, profileStart <= phoneStart, phoneStart <= phoneEnd,
              phoneEnd <= profileEnd, profileEnd <= payload.count,
              let state = poolStates[Int(pool)],
              Timestamp(millisecondsSince1970: e.at).advanced(by: state.policy.ticketLifetime).millisecondsSince1970 == expiresAt
        else { return false }
        let at = e.at

        // Tickets half.
        let userBytes = UnsafeRawBufferPointer(rebasing: payload[Int(e.userStart)..<userEnd])
        let user = internUser(pool: pool, bytes: userBytes, hash: UserByteIndex.combine(e.userHash, pool: pool))
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
        if !existed {
            existingUsers += 1
            users[i].exists = true
            users[i].signedUp = at
            users[i].loginsCount = 0
            users[i].hasLastLogin = false
            users[i].lastLogin = 0
            users[i].lastIP = .absent
        }
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
        guard let state = poolStates[Int(pool)], !(state.policy.secretRequired && state.secret == nil),
              let index = tickets.find(locator)
        else { return false }
        let t = tickets.records[index]
        guard t.status == .issued, t.pool == pool, at < t.expiresAt, users[Int(t.user)].exists else { return false }
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
        return true
    }

    /// `TicketExpired`: the ticket is `issued` in this pool and `at` is not before its expiry
    /// (else a finding or an ``InconsistentEvent``). Then, as ``Projector``: expired at `at`,
    /// no longer due.
    private mutating func expire(locator: UInt64, at: Int64, pool: UInt32) -> Bool {
        guard let index = tickets.find(locator) else { return false }
        let t = tickets.records[index]
        guard t.status == .issued, t.pool == pool, at >= t.expiresAt else { return false }
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
            if let pool, let t = tickets[locator.sequence], t.status != .issued && t.pool == pool {
                tickets.remove(locator.sequence)
                continue
            }
            let rest = TicketsPurged(pool: e.pool, at: e.at, locators: Array(e.locators[i...]))
            try Projector.applyToTickets(.ticketsPurged(rest), sequence: sequence, to: &self)
            return
        }
    }

    /// Applies `event` through ``Projector`` (both halves, as `Projector.apply` does).
    mutating func applyGenerally(_ event: LedgerEvent, sequence: UInt64) throws {
        if case .ticketsPurged(let e) = event {
            try purge(e, sequence: sequence)
            return
        }
        let ticket = try Projector.applyToTickets(event, sequence: sequence, to: &self)
        try Projector.applyToUsers(event, sequence: sequence, ticket: ticket, to: &self)
    }
}

extension CompactReplay {
    /// ``Auditor/checkRules(_:sequence:replay:findings:)`` against this state, without copying it.
    func checkRules(_ event: LedgerEvent, sequence: UInt64, findings: inout FindingList) {
        Auditor.checkRules(event, sequence: sequence, replay: self, findings: &findings)
    }
}

extension CompactReplay {
    /// ``userRecordMatches(_:_:)`` for the stored key `keyBytes` (`pool ‖ 0 ‖ user`), found
    /// by its bytes and compared without building a record: `false` says nothing (the caller
    /// then goes the general way).
    func userRecordMatches(keyBytes: UnsafeRawBufferPointer, _ stored: UnsafeRawBufferPointer) -> Bool {
        guard let nul = keyBytes.firstIndex(of: 0), nul <= PoolID.maxLength,
              let pool = poolIndex(bytes: UnsafeRawBufferPointer(rebasing: keyBytes[..<nul]))
        else { return false }
        let id = UnsafeRawBufferPointer(rebasing: keyBytes[(nul + 1)...])
        guard id.count <= UserID.maxLength, id.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }),
              let i = userByteIndex.find(pool: pool, id, hash: userByteIndex.hash(pool: pool, id))
        else { return false }
        let u = users[Int(i)]
        guard u.exists, !(u.hasLastLogin && u.lastLogin == .min) else { return false }
        var r = BinaryReader(stored, what: "user record")
        do {
            guard try r.u8() == 1 else { return false }
            let profile = try r.bytes(u.profileCount)
            let same = profiles.withUnsafeBytes { sameBytes(UnsafeRawBufferPointer(rebasing: $0[u.profileStart..<(u.profileStart + u.profileCount)]), profile) }
            guard same, try r.i64() == u.signedUp, try r.u64() == u.loginsCount,
                  try r.i64() == (u.hasLastLogin ? u.lastLogin : .min), try u.lastIP.matches(&r)
            else { return false }
            return r.isAtEnd
        } catch {
            return false
        }
    }

    /// Reads ahead, as ``touch(_:in:)`` does, what ``userRecordMatches(keyBytes:_:)`` will
    /// read for the stored users keyed `keys`: bucket, spelling, user record and profile.
    mutating func touchStoredUsers(_ run: ArraySlice<(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)>) -> UInt64 {
        var sink: UInt64 = 0
        var a = touchWords
        a.removeAll(keepingCapacity: true)
        for (keyBytes, _) in run {
            guard let nul = keyBytes.firstIndex(of: 0), nul <= PoolID.maxLength,
                  let pool = poolIndex(bytes: UnsafeRawBufferPointer(rebasing: keyBytes[..<nul]))
            else { continue }
            let id = UnsafeRawBufferPointer(rebasing: keyBytes[(nul + 1)...])
            a.append(userByteIndex.firstEntry(userByteIndex.hash(pool: pool, id)))
        }
        var starts = touchSpellings
        starts.removeAll(keepingCapacity: true)
        for k in a.indices {
            if let (user, start) = userByteIndex.spelling(ofEntry: a[k]) {
                a[k] = UInt64(user)
                starts.append(start)
            } else {
                a[k] = UInt64.max
            }
        }
        for start in starts { sink &+= UInt64(userByteIndex.arenaByte(start)) }
        for k in a.indices where a[k] < UInt64(users.count) { a[k] = UInt64(users[Int(a[k])].profileStart) }
        for k in a.indices where a[k] < UInt64(profiles.count) { sink &+= UInt64(profiles[Int(a[k])]) }
        touchWords = a
        touchSpellings = starts
        return sink
    }

    /// Whether `stored` is byte for byte the record ``UserState/encoded()`` gives for the
    /// replayed user `key`: then the two are equal field by field (decoding those bytes gives
    /// the replayed state back). `false` says nothing: compare field by field.
    func userRecordMatches(_ key: UserKey, _ stored: UnsafeRawBufferPointer) -> Bool {
        guard let i = userIndex(of: key) else { return false }
        let u = users[Int(i)]
        // A last login at Int64.min would read back as none.
        guard u.exists, !(u.hasLastLogin && u.lastLogin == .min) else { return false }
        var w = BinaryWriter(capacity: u.profileCount + 64)
        w.u8(1)
        w.raw(profileBytes(u))
        w.i64(u.signedUp)
        w.u64(u.loginsCount)
        w.i64(u.hasLastLogin ? u.lastLogin : .min)
        u.lastIP.write(into: &w)
        return w.bytes.withUnsafeBytes { sameBytes($0, stored) }
    }

    /// Whether `stored` is byte for byte the record ``TicketState/encoded()`` gives for the
    /// replayed ticket at `locator` (see ``userRecordMatches(_:_:)``).
    func ticketRecordMatches(_ locator: UInt64, _ stored: UnsafeRawBufferPointer) -> Bool {
        guard let t = tickets[locator],
              !(t.hasConsumedAt && t.consumedAt == .min), !(t.hasExpiredAt && t.expiredAt == .min)
        else { return false }
        var r = BinaryReader(stored, what: "ticket record")
        do {
            guard try r.u8() == 1, try r.u8() == t.status.code else { return false }
            let pool = poolBytes[Int(t.pool)]
            guard try r.varint() == UInt64(pool.count) else { return false }
            let storedPool = try r.bytes(pool.count)
            guard pool.withUnsafeBytes({ sameBytes($0, storedPool) }) else { return false }
            var user = userKeys[Int(t.user)].user.rawValue
            let sameUser = try user.withUTF8 { (id) throws(DecodingFailure) -> Bool in
                guard try r.varint() == UInt64(id.count) else { return false }
                return sameBytes(UnsafeRawBufferPointer(id), try r.bytes(id.count))
            }
            guard sameUser, try r.i64() == t.issuedAt, try r.i64() == t.expiresAt,
                  try r.i64() == (t.hasConsumedAt ? t.consumedAt : .min), try r.i64() == (t.hasExpiredAt ? t.expiredAt : .min),
                  try t.ip.matches(&r), try r.digest() == t.verifier
            else { return false }
            return r.isAtEnd
        } catch {
            return false
        }
    }
}

/// Whether two buffers hold the same bytes.
func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    guard let pa = a.baseAddress, let pb = b.baseAddress else { return true }
    return memcmp(pa, pb, a.count) == 0
}

/// Tickets by locator, without hashing: a locator is the sequence of its issue, so the live
/// tickets sit in a window of recent sequences. A directory of pages (4,096 sequences each)
/// maps a locator to a slot holding the index of its record; records live back to back and are
/// reused through a free list. A page is freed when its last ticket goes; a page left with a
/// few stragglers (tickets never swept) hands them to a small dictionary and is freed too, so
/// memory follows the live tickets, not the length of the log.
struct TicketTable: Sendable {
    static let pageShift = 12
    static let pageSize = 1 << pageShift
    /// A page holding at most this many tickets, not the newest, moves them to ``sparse``.
    static let sparseLimit = 16
    /// The most pages the directory grows by at once.
    static let maxJump = 1024
    private static let noPage: Int32 = -1
    private static let sparsePage: Int32 = -2

    /// The records; `records[i].live` is `false` for a free one.
    private(set) var records: [CompactTicket] = []
    private var freeRecords: [UInt32] = []
    /// Slot pages back to back: a slot holds its record's index + 1, or 0.
    private var slots: [UInt32] = []
    /// Live tickets per slot page.
    private var pageCounts: [Int32] = []
    private var freeSlotPages: [Int32] = []
    /// Page number − `firstPage` → slot page, ``noPage`` or ``sparsePage``.
    private var directory: [Int32] = []
    private var firstPage: UInt64 = 0
    /// Locator → record index, for the tickets of pages made sparse.
    private var sparse: [UInt64: UInt32] = [:]
    /// Live tickets.
    private(set) var count = 0
    /// Whether ``sparse`` holds a far locator (see ``set(_:_:)``): then any page may have some.
    private var hasFar = false

    init() {}

    @inline(__always)
    private func directoryEntry(_ page: UInt64) -> Int32 {
        guard page >= firstPage else { return Self.sparsePage }
        let d = page - firstPage
        return d < UInt64(directory.count) ? directory[Int(d)] : Self.noPage
    }

    /// The index in ``records`` of the ticket at `locator`.
    @inline(__always)
    func find(_ locator: UInt64) -> Int? {
        let page = locator >> Self.pageShift
        let entry = directoryEntry(page)
        if entry >= 0 {
            let slot = slots[Int(entry) << Self.pageShift | Int(locator & UInt64(Self.pageSize - 1))]
            if slot != 0 { return Int(slot - 1) }
            if !hasFar { return nil }
        } else if entry == Self.noPage && !hasFar {
            return nil
        }
        return sparse[locator].map(Int.init)
    }

    subscript(locator: UInt64) -> CompactTicket? { find(locator).map { records[$0] } }

    /// Mutable access to record `index` (from ``find(_:)``).
    @inline(__always)
    mutating func update<R>(_ index: Int, _ body: (inout CompactTicket) -> R) -> R { body(&records[index]) }

    /// Makes room for `count` records.
    mutating func reserve(_ count: Int) { records.reserveCapacity(count) }

    /// Sets the ticket at `locator`, replacing any; returns the record replaced.
    @discardableResult
    mutating func set(_ locator: UInt64, _ ticket: CompactTicket) -> CompactTicket? {
        var ticket = ticket
        ticket.locator = locator
        ticket.live = true
        if let i = find(locator) {
            let old = records[i]
            records[i] = ticket
            return old
        }
        let index: UInt32
        if let free = freeRecords.popLast() {
            index = free
            records[Int(free)] = ticket
        } else {
            index = UInt32(records.count)
            records.append(ticket)
        }
        count += 1
        let page = locator >> Self.pageShift
        var entry = directoryEntry(page)
        // A locator far past the newest page (only a damaged log has one): kept sparse, so
        // the directory cannot balloon.
        if entry == Self.noPage, !directory.isEmpty, page - firstPage > UInt64(directory.count + Self.maxJump) {
            entry = Self.sparsePage
            hasFar = true
        }
        if entry == Self.noPage {
            entry = newSlotPage()
            if directory.isEmpty { firstPage = page }
            let d = Int(page - firstPage)
            if d >= directory.count { directory.append(contentsOf: repeatElement(Self.noPage, count: d - directory.count + 1)) }
            directory[d] = entry
        }
        if entry == Self.sparsePage {
            sparse[locator] = index
        } else {
            slots[Int(entry) << Self.pageShift | Int(locator & UInt64(Self.pageSize - 1))] = index + 1
            pageCounts[Int(entry)] += 1
        }
        return nil
    }

    private mutating func newSlotPage() -> Int32 {
        if let page = freeSlotPages.popLast() { return page }
        let page = Int32(pageCounts.count)
        pageCounts.append(0)
        slots.append(contentsOf: repeatElement(0, count: Self.pageSize))
        return page
    }

    /// Drops the ticket at `locator`; returns it.
    @discardableResult
    mutating func remove(_ locator: UInt64) -> CompactTicket? {
        let page = locator >> Self.pageShift
        let entry = directoryEntry(page)
        let index: Int
        let s = entry >= 0 ? Int(entry) << Self.pageShift | Int(locator & UInt64(Self.pageSize - 1)) : 0
        if entry >= 0 && slots[s] != 0 {
            index = Int(slots[s] - 1)
            slots[s] = 0
            pageCounts[Int(entry)] -= 1
            let left = pageCounts[Int(entry)]
            if left == 0 {
                freePage(page, entry)
            } else if left <= Self.sparseLimit && page - firstPage + 1 < UInt64(directory.count) {
                makeSparse(page, entry)
            }
        } else if entry == Self.sparsePage || hasFar, let i = sparse.removeValue(forKey: locator) {
            index = Int(i)
        } else {
            return nil
        }
        let old = records[index]
        records[index].live = false
        freeRecords.append(UInt32(index))
        count -= 1
        return old
    }

    private mutating func freePage(_ page: UInt64, _ entry: Int32) {
        directory[Int(page - firstPage)] = Self.noPage
        freeSlotPages.append(entry)
        // Forget leading pages that hold nothing dense: pages before `firstPage` read as
        // sparse (a lookup there asks `sparse`), and `firstPage` only moves forward.
        var lead = 0
        while lead < directory.count, directory[lead] < 0 { lead += 1 }
        if lead >= 64 || (lead > 0 && lead * 2 >= directory.count) {
            directory.removeFirst(lead)
            firstPage += UInt64(lead)
        }
    }

    private mutating func makeSparse(_ page: UInt64, _ entry: Int32) {
        let base = Int(entry) << Self.pageShift
        for i in 0..<Self.pageSize where slots[base + i] != 0 {
            sparse[page << Self.pageShift | UInt64(i)] = slots[base + i] - 1
            slots[base + i] = 0
        }
        pageCounts[Int(entry)] = 0
        directory[Int(page - firstPage)] = Self.sparsePage
        freeSlotPages.append(entry)
    }

    /// Calls `body` with each live ticket (in no particular order).
    func forEach(_ body: (CompactTicket) throws -> Void) rethrows {
        for t in records where t.live { try body(t) }
    }
}

/// The fast path's users by the raw bytes of their (printable ASCII) id: an open-addressing
/// table of `(hash tag, spelling)` words over the id bytes kept in one arena, so a lookup
/// builds no `String` and no ``UserKey``. It stands for ``CompactReplay``'s `UserKey`
/// dictionary while every id is printable ASCII; once that dictionary is complete, a miss
/// asks it and records the answer.
struct UserByteIndex: Sendable {
    private struct Spelling: Sendable {
        var start: UInt32
        var pool: UInt32
        var user: UInt32
        var count: UInt8
    }

    /// `tag << 32 | (spelling + 1)`, or 0 for an empty bucket.
    private var table: [UInt64]
    private var spellings: [Spelling] = []
    private var arena: [UInt8] = []
    /// The seed of ``idHash(seed:_:)``.
    let seed: UInt64

    init() {
        table = Array(repeating: 0, count: 1 << 12)
        var rng = SystemRandomNumberGenerator()
        seed = rng.next()
    }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        var x = x &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 31
        x = x &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 29)
    }

    /// A seeded hash of pool `pool` and `bytes`.
    @inline(__always)
    func hash(pool: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        Self.combine(Self.idHash(seed: seed, bytes), pool: pool)
    }

    /// The hash of pool `pool`'s user whose id hashes to `idHash`.
    @inline(__always)
    static func combine(_ idHash: UInt64, pool: UInt32) -> UInt64 {
        mix(idHash ^ (UInt64(pool) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// A seeded hash of a user id's bytes (``combine(_:pool:)`` adds the pool).
    @inline(__always)
    static func idHash(seed: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h = seed ^ UInt64(bytes.count) &* 0xD6E8_FEB8_6659_FD93
        guard let base = bytes.baseAddress else { return mix(h) }
        let n = bytes.count
        var i = 0
        while i + 8 <= n {
            h = mix(h ^ base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            for j in i..<n { tail |= UInt64(base.load(fromByteOffset: j, as: UInt8.self)) << UInt64(8 * (j - i)) }
            h = mix(h ^ tail)
        }
        return h
    }

    /// The user index recorded for `bytes` in pool `pool`.
    @inline(__always)
    func find(pool: UInt32, _ bytes: UnsafeRawBufferPointer, hash h: UInt64) -> UInt32? {
        let mask = table.count - 1
        let tag = h >> 32
        var b = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = table[b]
            if entry == 0 { return nil }
            if entry >> 32 == tag {
                let s = spellings[Int(entry & 0xFFFF_FFFF) - 1]
                if s.pool == pool, Int(s.count) == bytes.count, matches(s, bytes) { return s.user }
            }
            b = (b + 1) & mask
        }
    }

    @inline(__always)
    private func matches(_ s: Spelling, _ bytes: UnsafeRawBufferPointer) -> Bool {
        arena.withUnsafeBytes { a in
            guard let base = a.baseAddress, let other = bytes.baseAddress else { return bytes.isEmpty }
            return memcmp(base + Int(s.start), other, bytes.count) == 0
        }
    }

    /// The word in the first bucket `h` probes (for ``CompactReplay/touch(_:in:)``).
    @inline(__always)
    func firstEntry(_ h: UInt64) -> UInt64 { table[Int(truncatingIfNeeded: h) & (table.count - 1)] | 1 << 63 }

    /// The user and the first byte in the arena of the spelling a ``firstEntry(_:)`` word
    /// names, if any (unverified: a hint).
    @inline(__always)
    func spelling(ofEntry word: UInt64) -> (user: UInt32, start: Int)? {
        let entry = word & ~(1 << 63)
        guard entry & 0xFFFF_FFFF != 0, Int(entry & 0xFFFF_FFFF) <= spellings.count else { return nil }
        let s = spellings[Int(entry & 0xFFFF_FFFF) - 1]
        return (s.user, Int(s.start))
    }

    /// The arena's byte at `start` (0 past its end): reads ahead a spelling's bytes.
    @inline(__always)
    func arenaByte(_ start: Int) -> UInt8 { start >= 0 && start < arena.count ? arena[start] : 0 }

    /// Makes room for `count` spellings without growing the table.
    mutating func reserve(_ count: Int) {
        spellings.reserveCapacity(count)
        arena.reserveCapacity(count * 16)
        var size = table.count
        while size < 2 * (count + 1) && size < 1 << 32 { size *= 2 }
        if size > table.count {
            table = Array(repeating: 0, count: size)
            for (i, s) in spellings.enumerated() {
                let h = arena.withUnsafeBytes { hash(pool: s.pool, UnsafeRawBufferPointer(rebasing: $0[Int(s.start)..<(Int(s.start) + Int(s.count))])) }
                place(h, UInt64(i + 1))
            }
        }
    }

    /// Records that `bytes` in pool `pool` is user `user` (after a miss of ``find(pool:_:hash:)``).
    /// Returns `false` when it cannot (past 4 GiB of ids or 255-byte ids: the dictionary answers).
    @discardableResult
    mutating func insert(pool: UInt32, _ bytes: UnsafeRawBufferPointer, hash h: UInt64, user: UInt32) -> Bool {
        guard bytes.count <= Int(UInt8.max), arena.count + bytes.count < Int(UInt32.max),
              spellings.count < Int(UInt32.max) - 1 else { return false }
        if (spellings.count + 1) * 2 > table.count { grow() }
        spellings.append(Spelling(start: UInt32(arena.count), pool: pool, user: user, count: UInt8(bytes.count)))
        arena.append(contentsOf: bytes)
        place(h, UInt64(spellings.count))
        return true
    }

    private mutating func place(_ h: UInt64, _ value: UInt64) {
        let mask = table.count - 1
        var b = Int(truncatingIfNeeded: h) & mask
        while table[b] != 0 { b = (b + 1) & mask }
        table[b] = (h >> 32) << 32 | value
    }

    private mutating func grow() {
        table = Array(repeating: 0, count: table.count * 2)
        for (i, s) in spellings.enumerated() {
            let h = arena.withUnsafeBytes { hash(pool: s.pool, UnsafeRawBufferPointer(rebasing: $0[Int(s.start)..<(Int(s.start) + Int(s.count))])) }
            place(h, UInt64(i + 1))
        }
    }
}
