/// How sealed personal data is stored, and opened (see ``PersonalSeal``): a box is a LEB128
/// length and its bytes; an optional box a presence byte first.
extension BinaryWriter {
    mutating func box(_ b: [UInt8]) {
        varint(UInt64(b.count))
        raw(b)
    }

    mutating func optionalBox(_ b: [UInt8]?) {
        bool(b != nil)
        if let b { box(b) }
    }
}

extension BinaryReader {
    /// The most bytes a box holds: the longest field (8,192 bytes of `oauth`, with every other
    /// profile field at its limit) and the seal's overhead, with room to spare.
    static let maxBoxBytes = 1 << 16

    mutating func box() throws(DecodingFailure) -> [UInt8] {
        let n = try varint()
        guard n >= UInt64(PersonalSeal.overhead), n <= UInt64(Self.maxBoxBytes) else {
            throw failure("a sealed field of \(n) bytes (a box is \(PersonalSeal.overhead) to \(Self.maxBoxBytes))")
        }
        let b = Array(try bytes(Int(n)))
        guard b[0] == PersonalSeal.format else { throw failure("a sealed field of unknown format \(b[0])") }
        return b
    }

    mutating func optionalBox() throws(DecodingFailure) -> [UInt8]? {
        try bool() ? try box() : nil
    }

    /// A key generation: LEB128, 1 through `UInt32.max`.
    mutating func keyGeneration() throws(DecodingFailure) -> UInt32 {
        let g = try varint()
        guard g >= 1, let generation = UInt32(exactly: g) else { throw failure("key generation \(g) is out of range") }
        return generation
    }
}

extension SealedPersonalData {
    /// `profile` (its phone apart) and `ip` of `user`, sealed under `key`.
    static func seal(profile: UserProfile, ip: IPAddress?, of user: UserKey, under key: PersonalKey) throws(PersonalSeal.Failure) -> SealedPersonalData {
        var withoutPhone = profile
        withoutPhone.phone = nil
        var w = BinaryWriter(capacity: 96)
        withoutPhone.write(into: &w)
        return SealedPersonalData(
            keyGeneration: key.generation,
            profile: try PersonalSeal.seal(w.bytes, field: .profile, of: user, under: key),
            phone: try profile.phone.map { (phone) throws(PersonalSeal.Failure) in try PersonalSeal.seal(Array(phone.utf8), field: .phone, of: user, under: key) },
            ip: try ip.map { (ip) throws(PersonalSeal.Failure) in try PersonalSeal.seal(Array(ip.text.utf8), field: .ip, of: user, under: key) })
    }

    func write(into w: inout BinaryWriter) {
        w.varint(UInt64(keyGeneration))
        w.box(profile)
        w.optionalBox(phone)
        w.optionalBox(ip)
    }

    static func read(from r: inout BinaryReader) throws(DecodingFailure) -> SealedPersonalData {
        let generation = try r.keyGeneration()
        let sealed = SealedPersonalData(keyGeneration: generation, profile: try r.box(), phone: try r.optionalBox(), ip: try r.optionalBox())
        for box in [sealed.profile, sealed.phone, sealed.ip].compactMap({ $0 }) where PersonalSeal.generation(of: box) != generation {
            throw r.failure("a box sealed under key generation \(PersonalSeal.generation(of: box).map(String.init) ?? "?"), the record says \(generation)")
        }
        return sealed
    }
}

extension SealedUserFields {
    func write(into w: inout BinaryWriter) {
        w.varint(UInt64(keyGeneration))
        w.optionalBox(profile)
        w.optionalBox(phone)
        w.optionalBox(lastIP)
    }

    static func read(from r: inout BinaryReader) throws(DecodingFailure) -> SealedUserFields {
        SealedUserFields(keyGeneration: try r.keyGeneration(), profile: try r.optionalBox(), phone: try r.optionalBox(), lastIP: try r.optionalBox())
    }
}

/// Opening sealed fields: what the readers (user documents, export, inspect) show.
enum PersonalOpening {
    /// The profile and IP a `TicketIssued` carried: in the clear before format 4, opened with
    /// `key` after; `nil` when they are sealed and `key` is `nil` or does not open them (the
    /// user was forgotten: the fields are erased).
    static func open(_ e: TicketIssued, key: PersonalKey?) -> (profile: UserProfile, ip: IPAddress?)? {
        guard let s = e.sealed else { return (e.profile, e.ip) }
        guard let key else { return nil }
        let user = UserKey(pool: e.pool, user: e.user)
        guard var profile = profile(s.profile, of: user, key: key) else { return nil }
        if let box = s.phone {
            guard let phone = text(box, .phone, of: user, key: key) else { return nil }
            profile.phone = phone
        }
        var ip: IPAddress?
        if let box = s.ip {
            guard let opened = Self.ip(box, of: user, key: key) else { return nil }
            ip = opened
        }
        return (profile, ip)
    }

    /// A user's profile and last IP: the clear fields, with what the sealed ones hold opened
    /// over them. `erased` is true when a sealed field did not open under `key` (or there is no
    /// key): those fields are left out.
    static func open(_ state: UserState, user: UserKey, key: PersonalKey?) -> (profile: UserProfile, lastIP: IPAddress?, erased: Bool) {
        var profile = state.profile
        var lastIP = state.lastIP
        guard let s = state.sealed else { return (profile, lastIP, false) }
        var erased = false
        let key = key.flatMap { $0.generation == s.keyGeneration ? $0 : nil }
        if let box = s.profile {
            if let key, let opened = Self.profile(box, of: user, key: key) {
                let phone = profile.phone
                profile = opened
                profile.phone = phone
            } else {
                erased = true
            }
        }
        if let box = s.phone {
            if let key, let phone = text(box, .phone, of: user, key: key) { profile.phone = phone } else { erased = true }
        }
        if let box = s.lastIP {
            if let key, let ip = Self.ip(box, of: user, key: key) { lastIP = ip } else { erased = true }
        }
        return (profile, lastIP, erased)
    }

    private static func profile(_ box: [UInt8], of user: UserKey, key: PersonalKey) -> UserProfile? {
        guard let bytes = try? PersonalSeal.open(box, field: .profile, of: user, under: key) else { return nil }
        return bytes.withUnsafeBytes { raw in
            var r = BinaryReader(raw, what: "sealed profile")
            guard let p = try? UserProfile.read(from: &r), (try? r.expectEnd()) != nil else { return nil }
            return p
        }
    }

    /// The IP a box holds, opened with `key`; `nil` when it does not open.
    static func ip(_ box: [UInt8], of user: UserKey, key: PersonalKey) -> IPAddress? {
        text(box, .ip, of: user, key: key).map { IPAddress(normalized: $0) }
    }

    private static func text(_ box: [UInt8], _ field: PersonalSeal.Field, of user: UserKey, key: PersonalKey) -> String? {
        guard let bytes = try? PersonalSeal.open(box, field: field, of: user, under: key) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
