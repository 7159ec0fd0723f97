/// A ticket was issued to `user` of `pool`.
public struct TicketIssued: Sendable, Hashable {
    public var pool: PoolID
    public var at: Timestamp
    public var user: UserID
    /// SHA-256 of the ticket's verifier; never the verifier.
    public var verifierDigest: SHA256Digest
    /// The user's profile as the issuer knew it, in the clear: what records before event format 4
    /// hold. Empty when ``sealed`` holds it.
    public var profile: UserProfile
    /// The end user's IP address, when the issuer knew it, in the clear (records before format
    /// 4). `nil` when ``sealed`` holds it.
    public var ip: IPAddress?
    /// The profile and IP sealed under the user's key (event format 4), or `nil` for a record
    /// that holds them in the clear.
    public var sealed: SealedPersonalData? = nil
    /// Whether the user agreed to share the phone number (`getPhone=1`).
    public var getPhone: Bool
    public var expiresAt: Timestamp
}
