/// Where a ticket is in its life.
public enum TicketStatus: String, Sendable, Hashable, Codable {
    /// Issued and not yet redeemed or expired (it may be past its expiry, not yet swept).
    case issued
    /// Redeemed once; every later attempt is `alreadyConsumed`.
    case consumed
    /// Swept after its lifetime passed unredeemed.
    case expired
}

extension TicketStatus {
    var code: UInt8 {
        switch self {
        case .issued: 1
        case .consumed: 2
        case .expired: 3
        }
    }

    init?(code: UInt8) {
        switch code {
        case 1: self = .issued
        case 2: self = .consumed
        case 3: self = .expired
        default: return nil
        }
    }
}
