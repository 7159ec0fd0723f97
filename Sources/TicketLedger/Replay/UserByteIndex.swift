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
            return POSIX.compareBytes(base + Int(s.start), other, count: bytes.count) == 0
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
