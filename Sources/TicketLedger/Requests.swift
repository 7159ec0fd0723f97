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
    /// Whether the user agreed to share the phone number (`getPhone=1`).
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

/// A ticket just issued: hand `ticket` to the app; the ledger keeps only its digest.
public struct IssuedTicket: Sendable, Hashable {
    /// The ticket; its `text` is what the app sends to its server.
    public let ticket: Ticket
    /// The last moment before which it can be redeemed.
    public let expiresAt: Timestamp
    /// When it was issued.
    public let issuedAt: Timestamp
}

/// What a redemption came to.
public enum RedemptionOutcome: Sendable, Hashable {
    /// The ticket was consumed; here is the user it logs in.
    case redeemed(UserDocument)
    /// The ticket was refused, and why.
    case rejected(RedemptionRejection)

    /// The user document, when redeemed.
    public var document: UserDocument? {
        if case .redeemed(let d) = self { return d }
        return nil
    }

    /// The rejection, when refused.
    public var rejection: RedemptionRejection? {
        if case .rejected(let r) = self { return r }
        return nil
    }
}

/// A refused redemption: the reason (one of `malformed`, `unknown`, `alreadyConsumed`,
/// `expired`, `secretRequired`, `secretMismatch`) and a sentence for people.
public struct RedemptionRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why it was refused.
    public let reason: RejectionReason

    init(_ reason: RejectionReason) { self.reason = reason }

    /// A sentence that says what happened; never the ticket or the secret.
    public var message: String {
        switch reason {
        case .malformed: "the text is not a well-formed ticket"
        case .unknown, .wrongPool: "no such ticket in this pool"
        case .alreadyConsumed: "the ticket was already redeemed; a ticket can be exchanged only once"
        case .expired: "the ticket's lifetime has passed"
        case .secretRequired: "this pool requires its secret to exchange a ticket"
        case .secretMismatch: "the secret is not this pool's"
        }
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}
