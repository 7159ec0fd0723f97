/// How a `UserKey` is stored: its binary record (see `BinaryWriter`, `BinaryReader`).
extension UserKey {
    /// `pool ‖ 0x00 ‖ user`: pool ids hold no NUL, so keys of one pool sort together.
    var bytes: [UInt8] {
        var w = BinaryWriter(capacity: pool.rawValue.utf8.count + 1 + user.rawValue.utf8.count)
        write(into: &w)
        return w.bytes
    }

    /// Appends ``bytes`` to `w`.
    func write(into w: inout BinaryWriter) {
        w.raw(pool.rawValue.utf8)
        w.u8(0)
        w.raw(user.rawValue.utf8)
    }

    init?(bytes: UnsafeRawBufferPointer) {
        guard let nul = bytes.firstIndex(of: 0),
              let p = String(validating: bytes[..<nul], as: UTF8.self),
              let u = String(validating: bytes[(nul + 1)...], as: UTF8.self)
        else { return nil }
        self.init(pool: PoolID(unchecked: p), user: UserID(unchecked: u))
    }
}
