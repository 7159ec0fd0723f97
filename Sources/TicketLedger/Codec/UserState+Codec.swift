/// How a `UserState` is stored: its binary record (see `BinaryWriter`, `BinaryReader`).
/// Version 2 (a user with sealed fields) is version 1 followed by ``UserState/sealed``; a user
/// without is still written as version 1, byte for byte as before.
extension UserState {
    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 128)
        write(into: &w)
        return w.bytes
    }

    /// Appends the record's bytes (what ``encoded()`` returns) to `w`.
    func write(into w: inout BinaryWriter) {
        w.u8(sealed == nil ? 1 : 2)
        profile.write(into: &w)
        w.i64(signedUp.millisecondsSince1970)
        w.u64(loginsCount)
        w.i64(lastLogin?.millisecondsSince1970 ?? .min)
        w.optionalString(lastIP?.text)
        sealed?.write(into: &w)
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws(DecodingFailure) {
        var r = BinaryReader(bytes, what: "user record")
        let version = try r.u8()
        guard version == 1 || version == 2 else { throw r.failure("unknown record version \(version)") }
        self.profile = try UserProfile.read(from: &r)
        self.signedUp = Timestamp(millisecondsSince1970: try r.i64())
        self.loginsCount = try r.u64()
        let last = try r.i64()
        self.lastLogin = last == .min ? nil : Timestamp(millisecondsSince1970: last)
        self.lastIP = try r.optionalString(maxBytes: 45).map { IPAddress(normalized: $0) }
        self.sealed = version == 2 ? try SealedUserFields.read(from: &r) : nil
        try r.expectEnd()
    }
}
