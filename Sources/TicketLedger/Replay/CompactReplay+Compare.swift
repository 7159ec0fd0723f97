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
        if (!forgottenUsers.isEmpty && forgottenUsers[Int(i)] != nil) || (!sealedUsers.isEmpty && sealedUsers[Int(i)] != nil) {
            // Sealed or forgotten (version 2 or 3): compared as a whole.
            return replayedRecord(Int(i)).map { $0.withUnsafeBytes { sameBytes($0, stored) } } ?? false
        }
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
        return replayedRecord(Int(i)).map { $0.withUnsafeBytes { sameBytes($0, stored) } } ?? false
    }

    /// The record ``UserState/encoded()`` gives for the replayed user `i` (who exists): version
    /// 1, or 2 with its sealed fields, built from the replay's bytes without decoding the
    /// profile; a forgotten user's (version 3) from its state.
    func replayedRecord(_ i: Int) -> [UInt8]? {
        if !forgottenUsers.isEmpty, forgottenUsers[i] != nil { return userState(i)?.encoded() }
        let u = users[i]
        let sealed = sealedUsers.isEmpty ? nil : sealedUsers[i]
        var w = BinaryWriter(capacity: u.profileCount + (sealed == nil ? 64 : 320))
        w.u8(sealed == nil ? 1 : 2)
        w.raw(profileBytes(u))
        w.i64(u.signedUp)
        w.u64(u.loginsCount)
        w.i64(u.hasLastLogin ? u.lastLogin : .min)
        u.lastIP.write(into: &w)
        sealed?.write(into: &w)
        return w.bytes
    }

    /// Whether `stored` is byte for byte the record ``TicketState/encoded()`` gives for the
    /// replayed ticket at `locator` (see ``userRecordMatches(_:_:)``).
    func ticketRecordMatches(_ locator: UInt64, _ stored: UnsafeRawBufferPointer) -> Bool {
        guard let t = tickets[locator],
              !(t.hasConsumedAt && t.consumedAt == .min), !(t.hasExpiredAt && t.expiredAt == .min)
        else { return false }
        if !sealedIPs.isEmpty, sealedIPs[locator] != nil {
            // A record with a sealed IP (version 3): compared as a whole, built from the state.
            return ticketState(t).encoded().withUnsafeBytes { sameBytes($0, stored) }
        }
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
    return POSIX.compareBytes(pa, pb, count: a.count) == 0
}
