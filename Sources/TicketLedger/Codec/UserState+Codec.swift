/// How a `UserState` is stored: its binary record (see `BinaryWriter`, `BinaryReader`).
/// Version 2 (a user with sealed fields) is version 1 followed by ``UserState/sealed``; version 3
/// (a user who was forgotten) is version 1, a presence byte and the sealed fields, then
/// ``UserState/forgottenAt`` (LEB128) and ``UserState/isForgotten``. A user with neither is
/// still written as version 1, byte for byte as before.
extension UserState {
    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 128)
        write(into: &w)
        return w.bytes
    }

    /// Appends the record's bytes (what ``encoded()`` returns) to `w`.
    func write(into w: inout BinaryWriter) {
        let version: UInt8 = forgottenAt != 0 || isForgotten ? 3 : sealed == nil ? 1 : 2
        w.u8(version)
        profile.write(into: &w)
        w.i64(signedUp.millisecondsSince1970)
        w.u64(loginsCount)
        w.i64(lastLogin?.millisecondsSince1970 ?? .min)
        w.optionalString(lastIP?.text)
        if version == 3 { w.bool(sealed != nil) }
        sealed?.write(into: &w)
        if version == 3 {
            w.varint(forgottenAt)
            w.bool(isForgotten)
        }
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws(DecodingFailure) {
        var r = BinaryReader(bytes, what: "user record")
        let version = try r.u8()
        guard (1...3).contains(version) else { throw r.failure("unknown record version \(version)") }
        self.profile = try UserProfile.read(from: &r)
        self.signedUp = Timestamp(millisecondsSince1970: try r.i64())
        self.loginsCount = try r.u64()
        let last = try r.i64()
        self.lastLogin = last == .min ? nil : Timestamp(millisecondsSince1970: last)
        self.lastIP = try r.optionalString(maxBytes: 45).map { IPAddress(normalized: $0) }
        let hasSealed = version == 3 ? try r.bool() : version == 2
        self.sealed = hasSealed ? try SealedUserFields.read(from: &r) : nil
        if version == 3 {
            self.forgottenAt = try r.varint()
            self.isForgotten = try r.bool()
        }
        try r.expectEnd()
    }
}
