/// A ticket was issued to `user` of `pool`.
public struct TicketIssued: Sendable, Hashable {
    public var pool: PoolID
    public var at: Timestamp
    public var user: UserID
    /// SHA-256 of the ticket's verifier; never the verifier.
    public var verifierDigest: SHA256Digest
    /// The user's profile as the issuer knew it.
    public var profile: UserProfile
    /// The end user's IP address, when the issuer knew it.
    public var ip: IPAddress?
    /// Whether the user agreed to share the phone number (`getPhone=1`).
    public var getPhone: Bool
    public var expiresAt: Timestamp
}
