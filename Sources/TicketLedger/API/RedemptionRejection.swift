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
        case .unknown, .wrongPool, .userForgotten: "no such ticket in this pool"
        case .alreadyConsumed: "the ticket was already redeemed; a ticket can be exchanged only once"
        case .expired: "the ticket's lifetime has passed"
        case .secretRequired: "this pool requires its secret to exchange a ticket"
        case .secretMismatch: "the secret is not this pool's"
        }
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}
