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
