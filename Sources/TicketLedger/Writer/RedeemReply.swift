/// What the writer decided for a redemption. The caller's thread turns it into a
/// ``RedemptionOutcome``: building the user document (masking the phone, spelling the IP)
/// is work the single writer need not do.
enum RedeemReply: Sendable {
    case consumed(UserID, UserState)
    case rejected(RedemptionRejection)

    var outcome: RedemptionOutcome {
        switch self {
        case let .consumed(user, state): .redeemed(UserDocument(user: user, state: state))
        case let .rejected(rejection): .rejected(rejection)
        }
    }
}
