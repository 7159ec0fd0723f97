/// What the mini program's backend knows of a user when it issues a ticket.
///
/// Every text field is optional. Limits, in UTF-8 bytes: `photo` 2,048; `oauth` and `metadata`
/// 8,192; `phone` 32 (digits, `+`, `-` and spaces); every other field 256.
public struct UserProfile: Sendable, Hashable {
    /// The user's name in the pool.
    public var username: String?
    /// The WeChat nickname.
    public var nickname: String?
    /// An avatar URL.
    public var photo: String?
    /// The phone number, in full; the user document shows it masked (`176xxxx6754`).
    public var phone: String?
    /// The WeChat openid.
    public var openid: String?
    /// The WeChat unionid.
    public var unionid: String?
    /// The raw WeChat profile as a JSON string (nickName, gender, city, avatarUrl, …).
    public var oauth: String?
    /// The user's company.
    public var company: String?
    /// Free-form metadata the pool keeps for the user.
    public var metadata: String?
    /// Whether the user's email address has been verified.
    public var emailVerified: Bool

    /// A profile with the given fields.
    public init(
        username: String? = nil, nickname: String? = nil, photo: String? = nil, phone: String? = nil,
        openid: String? = nil, unionid: String? = nil, oauth: String? = nil, company: String? = nil,
        metadata: String? = nil, emailVerified: Bool = false
    ) {
        self.username = username
        self.nickname = nickname
        self.photo = photo
        self.phone = phone
        self.openid = openid
        self.unionid = unionid
        self.oauth = oauth
        self.company = company
        self.metadata = metadata
        self.emailVerified = emailVerified
    }

    /// Each text field with its name and byte limit, in the order they are stored.
    var textFields: [(name: String, value: String?, limit: Int)] {
        [
            ("username", username, 256), ("nickname", nickname, 256), ("photo", photo, 2048),
            ("phone", phone, 32), ("openid", openid, 256), ("unionid", unionid, 256),
            ("oauth", oauth, 8192), ("company", company, 256), ("metadata", metadata, 8192),
        ]
    }

    /// Throws ``LedgerError/invalidArgument(_:_:)`` naming the first field out of bounds.
    func validate() throws(LedgerError) {
        for field in textFields {
            guard let value = field.value else { continue }
            if value.utf8.count > field.limit {
                throw .invalidArgument(field.name, "is \(value.utf8.count) bytes; the limit is \(field.limit)")
            }
            if value.unicodeScalars.contains(where: { $0 == "\u{0}" || $0 == "\u{FFFD}" }) {
                throw .invalidArgument(field.name, "contains a NUL or an invalid UTF-8 sequence")
            }
        }
        if let phone, !phone.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: " ") }) {
            throw .invalidArgument("phone", "may hold only digits, '+', '-' and spaces")
        }
    }
}

/// Masks a phone number as the product shows it: the first 3 and last 4 digits kept, `x`
/// for each between (`17612346754` → `176xxxx6754`). Fewer than 8 digits are all masked.
func maskedPhone(_ phone: String) -> String {
    let digits = Array(phone.utf8.filter { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
    guard digits.count >= 8 else { return String(repeating: "x", count: digits.count) }
    let hidden = [UInt8](repeating: UInt8(ascii: "x"), count: digits.count - 7)
    return String(decoding: digits[0..<3] + hidden + digits[(digits.count - 4)...], as: UTF8.self)
}
