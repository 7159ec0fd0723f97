/// Parses event payloads into ``PreparedEvent``s, on the audit's reading thread: version, kind,
/// lengths, text (UTF-8, printable ASCII user ids), booleans and the end of the record are
/// checked here; what depends on the replay (pools configured, tickets, users) is left to
/// ``CompactReplay``. Pool ids get small numbers of its own; any bytes are safe.
struct EventPreparer: Sendable {
    /// Tells one preparer's pool numbers from another's.
    let token: UInt64
    /// The seed of ``UserByteIndex`` (the user hash must be the replay's).
    let seed: UInt64
    private var pools: [[UInt8]] = []
    /// The most pool ids numbered; past it, records go the general way.
    static let maxPools = 256

    init(seed: UInt64) {
        var rng = SystemRandomNumberGenerator()
        token = rng.next()
        self.seed = seed
    }

    /// `payload` (at `start` in its buffer) prepared; `.general` when it is anything but a
    /// well-formed issue, consume, expire or rejection.
    mutating func prepare(_ payload: UnsafeRawBufferPointer, sequence: UInt64, start: Int) -> PreparedEvent {
        var e = PreparedEvent(sequence: sequence, start: start, count: payload.count, kind: .general)
        guard payload.count < Int(Int32.max) else { return e }
        var r = BinaryReader(payload, what: "event")
        do {
            let v = try r.u8()
            let kind = try r.u8()
            // Versions 1 and 2, and a sealed issue of version 4.
            guard v == 1 || v == 2 || (v == 4 && kind == 2) else { return e }
            guard kind >= 2 && kind <= 5 else { return e }
            let at = try r.i64()
            let poolLength = try r.varint()
            guard poolLength <= UInt64(PoolID.maxLength) else { return e }
            let poolStart = r.offset
            guard poolStart <= 255, let pool = number(try r.bytes(Int(poolLength))) else { return e }
            e.at = at
            e.pool = pool
            e.poolStart = UInt8(poolStart)
            e.poolCount = UInt8(poolLength)
            switch kind {
            case 2:
                guard v == 4 ? prepareSealedIssue(&r, into: &e) : prepareIssue(&r, into: &e) else { return e }
                e.kind = .issue
            case 3, 4:
                e.word = try r.u64()
                guard r.isAtEnd else { return e }
                e.kind = kind == 3 ? .consume : .expire
            default:
                e.word = try r.u64()
                guard RejectionReason(code: try r.u8()) != nil, r.isAtEnd else { return e }
                e.kind = .rejected
            }
            return e
        } catch {
            e.kind = .general
            return e
        }
    }

    /// The number of pool id `bytes`, given on first sight.
    @inline(__always)
    private mutating func number(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        for (i, known) in pools.enumerated() where known.count == bytes.count {
            if known.withUnsafeBytes({ sameBytes($0, bytes) }) { return UInt32(i) }
        }
        guard pools.count < Self.maxPools else { return nil }
        pools.append(Array(bytes))
        return UInt32(pools.count - 1)
    }

    /// A sealed `TicketIssued`'s fields after the pool (event format 4): a printable ASCII user
    /// id, the verifier, the key generation, the profile's box, the phone's and the IP's
    /// (optional), each box of that generation (as `SealedPersonalData.read` checks),
    /// `getPhone`, `expiresAt`, and nothing after.
    private func prepareSealedIssue(_ r: inout BinaryReader, into e: inout PreparedEvent) -> Bool {
        do {
            guard try prepareUser(&r, into: &e) else { return false }
            e.verifier = try r.digest()
            let generation = try r.varint()
            guard generation >= 1, let g = UInt32(exactly: generation) else { return false }
            e.sealed = true
            e.keyGeneration = g
            func box(_ r: inout BinaryReader) throws(DecodingFailure) -> (Int32, Int32)? {
                let n = try r.varint()
                guard n >= UInt64(PersonalSeal.overhead), n <= UInt64(BinaryReader.maxBoxBytes) else { return nil }
                let start = r.offset
                let bytes = try r.bytes(Int(n))
                guard bytes[0] == PersonalSeal.format, PersonalSeal.generation(of: bytes) == g else { return nil }
                return (Int32(start), Int32(r.offset))
            }
            guard let profile = try box(&r) else { return false }
            (e.profileStart, e.profileEnd) = profile
            (e.phoneStart, e.phoneEnd) = (-1, -1)
            if try r.bool() {
                guard let phone = try box(&r) else { return false }
                (e.phoneStart, e.phoneEnd) = phone
            }
            if try r.bool() {
                guard let ip = try box(&r) else { return false }
                (e.ipStart, e.ipEnd) = ip
            }
            e.getPhone = try r.bool()
            e.word = UInt64(bitPattern: try r.i64())
            return r.isAtEnd
        } catch {
            return false
        }
    }

    /// The user id after the pool: printable ASCII, its place and hash noted in `e`.
    private func prepareUser(_ r: inout BinaryReader, into e: inout PreparedEvent) throws(DecodingFailure) -> Bool {
        let userLength = try r.varint()
        guard userLength >= 1, userLength <= UInt64(UserID.maxLength), r.offset <= 255 else { return false }
        e.userStart = UInt8(r.offset)
        let userBytes = try r.bytes(Int(userLength))
        guard userBytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { return false }
        e.userCount = UInt8(userLength)
        e.userHash = UserByteIndex.idHash(seed: seed, userBytes)
        return true
    }

    /// `TicketIssued`'s fields after the pool: a printable ASCII user id, the verifier, the
    /// profile (nine optional texts and a boolean), an IP of at most ``InlineText/capacity``
    /// bytes, `getPhone`, `expiresAt`, and nothing after.
    private func prepareIssue(_ r: inout BinaryReader, into e: inout PreparedEvent) -> Bool {
        do {
            guard try prepareUser(&r, into: &e) else { return false }
            e.verifier = try r.digest()
            e.profileStart = Int32(r.offset)
            for field in 0..<9 {
                if field == 3 { e.phoneStart = Int32(r.offset) }
                guard case .some = try skipOptionalText(&r, maxBytes: 1 << 20) else { return false }
                if field == 3 { e.phoneEnd = Int32(r.offset) }
            }
            _ = try r.bool()  // emailVerified
            e.profileEnd = Int32(r.offset)
            switch try skipOptionalText(&r, maxBytes: InlineText.capacity) {
            case .none: return false
            case .some(.some(let b)): e.ip = InlineText(b)
            case .some(.none): e.ip = .absent
            }
            e.getPhone = try r.bool()
            e.word = UInt64(bitPattern: try r.i64())
            return r.isAtEnd
        } catch {
            return false
        }
    }
}

/// Skips one optional text field, checking it as `BinaryReader.optionalString` does: `nil`
/// when it is too long or not UTF-8, `.some(nil)` when absent, else its bytes.
func skipOptionalText(_ r: inout BinaryReader, maxBytes: Int) throws(DecodingFailure) -> UnsafeRawBufferPointer?? {
    guard try r.bool() else { return .some(nil) }
    let n = try r.varint()
    guard n <= UInt64(maxBytes) else { return nil }
    let b = try r.bytes(Int(n))
    guard isValidUTF8(b) else { return nil }
    return .some(b)
}
