/// What the writer decided for a redemption. The caller's thread turns it into a
/// ``RedemptionOutcome``: building the user document (masking the phone, spelling the IP)
/// is work the single writer need not do.
enum RedeemReply: Sendable {
    case consumed(UserKey, UserState)
    case rejected(RedemptionRejection)

    /// The user whose key opens the answer: one whose record holds sealed fields.
    var sealedUser: UserKey? {
        guard case let .consumed(user, state) = self, state.sealed != nil else { return nil }
        return user
    }

    /// The answer, its sealed fields opened with `key` (the key of ``sealedUser``).
    func outcome(key: PersonalKey?) -> RedemptionOutcome {
        switch self {
        case let .consumed(user, state): .redeemed(UserDocument(user: user, state: state, key: key))
        case let .rejected(rejection): .rejected(rejection)
        }
    }
}
