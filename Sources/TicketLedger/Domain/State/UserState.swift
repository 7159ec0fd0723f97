/// The users projection's record of one user of one pool.
public struct UserState: Sendable, Hashable {
    /// The profile from the latest ticket issued to the user (the phone only from tickets
    /// issued with `getPhone`).
    public var profile: UserProfile
    /// When the first ticket was issued to the user.
    public var signedUp: Timestamp
    /// Successful redemptions.
    public var loginsCount: UInt64
    /// When the user last redeemed a ticket.
    public var lastLogin: Timestamp?
    /// The end user's IP captured when the last redeemed ticket was issued.
    public var lastIP: IPAddress?

    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 128)
        write(into: &w)
        return w.bytes
    }

    /// Appends the record's bytes (what ``encoded()`` returns) to `w`.
    func write(into w: inout BinaryWriter) {
        w.u8(1)
        profile.write(into: &w)
        w.i64(signedUp.millisecondsSince1970)
        w.u64(loginsCount)
        w.i64(lastLogin?.millisecondsSince1970 ?? .min)
        w.optionalString(lastIP?.text)
    }

    init(profile: UserProfile, signedUp: Timestamp, loginsCount: UInt64, lastLogin: Timestamp?, lastIP: IPAddress?) {
        self.profile = profile
        self.signedUp = signedUp
        self.loginsCount = loginsCount
        self.lastLogin = lastLogin
        self.lastIP = lastIP
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws(DecodingFailure) {
        var r = BinaryReader(bytes, what: "user record")
        guard try r.u8() == 1 else { throw r.failure("unknown record version") }
        self.profile = try UserProfile.read(from: &r)
        self.signedUp = Timestamp(millisecondsSince1970: try r.i64())
        self.loginsCount = try r.u64()
        let last = try r.i64()
        self.lastLogin = last == .min ? nil : Timestamp(millisecondsSince1970: last)
        self.lastIP = try r.optionalString(maxBytes: 45).map { IPAddress(normalized: $0) }
        try r.expectEnd()
    }
}
