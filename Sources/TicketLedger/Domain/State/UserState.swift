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

    init(profile: UserProfile, signedUp: Timestamp, loginsCount: UInt64, lastLogin: Timestamp?, lastIP: IPAddress?) {
        self.profile = profile
        self.signedUp = signedUp
        self.loginsCount = loginsCount
        self.lastLogin = lastLogin
        self.lastIP = lastIP
    }
}
