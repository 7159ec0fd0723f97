/// What the writer decided for a redemption. The caller's thread turns it into a
/// ``RedemptionOutcome``: building the user document (masking the phone, spelling the IP)
/// is work the single writer need not do.
enum RedeemReply: Sendable {
    case consumed(UserKey, UserState)
    case rejected(RedemptionRejection)

    /// The user whose key opens the answer (one whose record holds sealed fields), and that
    /// key's generation.
    var sealedUser: (UserKey, UInt32)? {
        guard case let .consumed(user, state) = self, let sealed = state.sealed else { return nil }
        return (user, sealed.keyGeneration)
    }

    /// The answer, its sealed fields opened with `key` (the key of ``sealedUser``).
    func outcome(key: PersonalKey?) -> RedemptionOutcome {
        switch self {
        case let .consumed(user, state): .redeemed(UserDocument(user: user, state: state, key: key))
        case let .rejected(rejection): .rejected(rejection)
        }
    }
}
