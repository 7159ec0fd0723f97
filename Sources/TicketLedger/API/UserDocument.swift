/// The user a redeemed ticket logs in, with the product's field names and types: every text
/// field is a `String`, `""` when the issuer did not give it (never `null`: the product's
/// clients decode strings). The embedding server adds `token` and `tokenExpiredAt`; the
/// ledger does not.
///
/// `Codable`: it encodes to the product's JSON and decodes from it (a Vapor `Content` or a
/// client's model can be this type).
public struct UserDocument: Sendable, Hashable, Codable {
    public var id: String
    public var username: String
    public var nickname: String
    public var company: String
    public var photo: String
    public var emailVerified: Bool
    /// Masked: the first 3 and last 4 digits kept (`176xxxx6754`); `""` when no ticket of
    /// the user was issued with `getPhone`.
    public var phone: String
    public var openid: String
    public var unionid: String
    /// The raw WeChat profile as a JSON string.
    public var oauth: String
    /// Always `oauth:app2wxapp`: the user came in through this flow.
    public var registerMethod: String
    /// The ledger never blocks users: always `false`.
    public var blocked: Bool
    /// The ledger never deletes users: always `false`.
    public var isDeleted: Bool
    public var metadata: String
    public var loginsCount: UInt64
    /// The last consume; `nil` only for a user never logged in (encoded as `""`).
    public var lastLogin: Timestamp?
    /// The end user's IP captured at issue; `""` when the ticket carried none.
    public var lastIP: String
    public var signedUp: Timestamp

    /// The document of `user` as `state` holds it, its sealed fields opened with `key` (those
    /// that do not open — a forgotten user's — are shown empty).
    init(user: UserKey, state: UserState, key: PersonalKey?) {
        let (p, lastIP, _) = PersonalOpening.open(state, user: user, key: key)
        id = user.user.rawValue
        username = p.username ?? ""
        nickname = p.nickname ?? ""
        company = p.company ?? ""
        photo = p.photo ?? ""
        emailVerified = p.emailVerified
        phone = p.phone.map(maskedPhone) ?? ""
        openid = p.openid ?? ""
        unionid = p.unionid ?? ""
        oauth = p.oauth ?? ""
        registerMethod = "oauth:app2wxapp"
        blocked = false
        isDeleted = false
        metadata = p.metadata ?? ""
        loginsCount = state.loginsCount
        lastLogin = state.lastLogin
        self.lastIP = lastIP?.text ?? ""
        signedUp = state.signedUp
    }

    enum CodingKeys: String, CodingKey {
        case id = "_id", username, nickname, company, photo, emailVerified, phone, openid, unionid, oauth
        case registerMethod, blocked, isDeleted, metadata, loginsCount, lastLogin, lastIP, signedUp
    }

    /// Encodes every field, times in ISO 8601 with milliseconds (UTC); a `lastLogin` that
    /// never happened as `""`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(username, forKey: .username)
        try c.encode(nickname, forKey: .nickname)
        try c.encode(company, forKey: .company)
        try c.encode(photo, forKey: .photo)
        try c.encode(emailVerified, forKey: .emailVerified)
        try c.encode(phone, forKey: .phone)
        try c.encode(openid, forKey: .openid)
        try c.encode(unionid, forKey: .unionid)
        try c.encode(oauth, forKey: .oauth)
        try c.encode(registerMethod, forKey: .registerMethod)
        try c.encode(blocked, forKey: .blocked)
        try c.encode(isDeleted, forKey: .isDeleted)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(loginsCount, forKey: .loginsCount)
        try c.encode(lastLogin?.iso8601 ?? "", forKey: .lastLogin)
        try c.encode(lastIP, forKey: .lastIP)
        try c.encode(signedUp.iso8601, forKey: .signedUp)
    }

    /// Decodes the product's JSON, as ``encode(to:)`` writes it: times in ISO 8601 with
    /// milliseconds (`lastLogin` `""` for a user never logged in).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        username = try c.decode(String.self, forKey: .username)
        nickname = try c.decode(String.self, forKey: .nickname)
        company = try c.decode(String.self, forKey: .company)
        photo = try c.decode(String.self, forKey: .photo)
        emailVerified = try c.decode(Bool.self, forKey: .emailVerified)
        phone = try c.decode(String.self, forKey: .phone)
        openid = try c.decode(String.self, forKey: .openid)
        unionid = try c.decode(String.self, forKey: .unionid)
        oauth = try c.decode(String.self, forKey: .oauth)
        registerMethod = try c.decode(String.self, forKey: .registerMethod)
        blocked = try c.decode(Bool.self, forKey: .blocked)
        isDeleted = try c.decode(Bool.self, forKey: .isDeleted)
        metadata = try c.decode(String.self, forKey: .metadata)
        loginsCount = try c.decode(UInt64.self, forKey: .loginsCount)
        let lastLoginText = try c.decode(String.self, forKey: .lastLogin)
        if lastLoginText.isEmpty {
            lastLogin = nil
        } else {
            guard let moment = Timestamp(iso8601: lastLoginText) else {
                throw DecodingError.dataCorruptedError(forKey: .lastLogin, in: c, debugDescription: "not an ISO 8601 time with milliseconds")
            }
            lastLogin = moment
        }
        lastIP = try c.decode(String.self, forKey: .lastIP)
        guard let signedUp = Timestamp(iso8601: try c.decode(String.self, forKey: .signedUp)) else {
            throw DecodingError.dataCorruptedError(forKey: .signedUp, in: c, debugDescription: "not an ISO 8601 time with milliseconds")
        }
        self.signedUp = signedUp
    }
}
