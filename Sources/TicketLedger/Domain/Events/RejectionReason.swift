/// Why a redemption was refused.
public enum RejectionReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// The text is not a ticket at all.
    case malformed
    /// No such ticket in this pool (also the answer for another pool's ticket).
    case unknown
    /// The ticket was already redeemed.
    case alreadyConsumed
    /// The ticket's lifetime has passed.
    case expired
    /// The pool requires its secret and none was given.
    case secretRequired
    /// The secret given is not the pool's.
    case secretMismatch
    /// The ticket belongs to another pool (recorded as such; the caller is told `unknown`).
    case wrongPool
    /// The ticket was issued before its user was forgotten (recorded as such, in format 4; the
    /// caller is told `unknown`).
    case userForgotten

    var code: UInt8 {
        switch self {
        case .malformed: 0
        case .unknown: 1
        case .alreadyConsumed: 2
        case .expired: 3
        case .secretRequired: 4
        case .secretMismatch: 5
        case .wrongPool: 6
        case .userForgotten: 7
        }
    }

    init?(code: UInt8) {
        guard let r = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = r
    }
}
