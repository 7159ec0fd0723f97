/// How a `UserProfile` is stored: its binary record (see `BinaryWriter`, `BinaryReader`).
extension UserProfile {
    func write(into w: inout BinaryWriter) {
        for field in textFields { w.optionalString(field.value) }
        w.bool(emailVerified)
    }

    static func read(from r: inout BinaryReader) throws(DecodingFailure) -> UserProfile {
        UserProfile(
            username: try r.optionalString(), nickname: try r.optionalString(), photo: try r.optionalString(),
            phone: try r.optionalString(), openid: try r.optionalString(), unionid: try r.optionalString(),
            oauth: try r.optionalString(), company: try r.optionalString(), metadata: try r.optionalString(),
            emailVerified: try r.bool())
    }
}
