/// Why a mini program reply carries no usable ticket.
public enum MiniProgramReplyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The mini program reported a failure: its `code` (not `200`) and `message`.
    case failed(code: String, message: String?)
    /// The reply has no `code` field: it is not a mini program reply.
    case missingCode
    /// `code=200`, but no ticket came with it.
    case missingTicket(message: String?)

    public var description: String {
        switch self {
        case let .failed(code, message):
            return "the mini program reported a failure (code \(code))" + (message.map { ": \($0)" } ?? "")
        case .missingCode:
            return "the reply has no 'code' field: it is not a mini program reply"
        case .missingTicket:
            return "the reply says success (code 200) but carries no ticket"
        }
    }
}
