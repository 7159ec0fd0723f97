/// What the mini program's backend asks for when the user authorizes: a ticket for `user`.
public struct IssueRequest: Sendable, Hashable {
    /// The user pool the ticket belongs to.
    public var pool: PoolID
    /// The user it logs in.
    public var user: UserID
    /// The user's profile as the issuer knows it.
    public var profile: UserProfile
    /// The end user's IP address as text (IPv4 or IPv6), if known.
    public var ip: String?
    /// Whether the user agreed to share the phone number (`getPhone=1`). Without it
    /// `profile.phone` is dropped before the ticket's event is made: it is never stored.
    public var getPhone: Bool

    /// A request; `ip` is validated when the ticket is issued.
    public init(pool: PoolID, user: UserID, profile: UserProfile = UserProfile(), ip: String? = nil, getPhone: Bool = false) {
        self.pool = pool
        self.user = user
        self.profile = profile
        self.ip = ip
        self.getPhone = getPhone
    }
}
