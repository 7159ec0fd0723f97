import HTTPTypes
import Hummingbird
import TicketLedger

/// A refusal as the HTTP API answers it: a status and the JSON body `{code, message}`.
///
/// | status | code | when |
/// |---|---|---|
/// | 400 | `malformed` | bad JSON, no ticket, a pool id or ticket that is not well formed |
/// | 400 | `invalidArgument` | `POST /tickets`: a field out of bounds |
/// | 401 | `secretRequired`, `secretMismatch` | the pool's secret is missing or wrong |
/// | 401 | `unauthorized` | `POST /tickets` without the bearer issue key |
/// | 404 | `unknown` | no such ticket in this pool |
/// | 404 | `poolNotConfigured` | `POST /tickets` for a pool never configured |
/// | 408 | `timeout` | the body did not arrive in time |
/// | 410 | `alreadyConsumed`, `expired` | the ticket was used, or its lifetime passed |
/// | 413 | `tooLarge` | the body is over the limit |
/// | 500 | `internal` | the store failed (nothing was consumed) |
/// | 503 | `unavailable` | the ledger is closed (the server is stopping) |
struct APIFailure: Error, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    /// Whether to close the connection after answering (the request's body may be left unread).
    var closesConnection = false

    static func malformed(_ message: String) -> APIFailure {
        APIFailure(status: .badRequest, code: "malformed", message: message)
    }

    static func tooLarge(_ limit: Int) -> APIFailure {
        APIFailure(status: .contentTooLarge, code: "tooLarge", message: "the request body is over the limit of \(limit) bytes",
                   closesConnection: true)
    }

    static let bodyTimeout = APIFailure(
        status: .requestTimeout, code: "timeout", message: "the request body did not arrive in time", closesConnection: true)

    static let unauthorized = APIFailure(
        status: .unauthorized, code: "unauthorized", message: "issuing tickets needs the issue key as 'Authorization: Bearer …'")

    /// A redemption the ledger refused.
    init(_ rejection: RedemptionRejection) {
        let status: HTTPResponse.Status = switch rejection.reason {
        case .malformed: .badRequest
        case .unknown, .wrongPool, .userForgotten: .notFound
        case .secretRequired, .secretMismatch: .unauthorized
        case .alreadyConsumed, .expired: .gone
        }
        // `wrongPool` and `userForgotten` are only ever recorded; callers are told `unknown`.
        let code = rejection.reason == .wrongPool || rejection.reason == .userForgotten ? RejectionReason.unknown.rawValue : rejection.reason.rawValue
        self.init(status: status, code: code, message: rejection.message)
    }

    /// Any other error: the caller's mistakes by name, the store's failures as `internal`.
    init(_ error: any Error) {
        switch error {
        case let failure as APIFailure:
            self = failure
        case let error as LedgerError:
            switch error {
            case let .invalidArgument(argument, reason):
                self.init(status: .badRequest, code: "invalidArgument", message: "invalid \(argument): \(reason)")
            case .poolNotConfigured:
                self.init(status: .notFound, code: "poolNotConfigured", message: error.description)
            case .closed:
                self.init(status: .serviceUnavailable, code: "unavailable", message: "the server is shutting down")
            case .storeUnavailable:
                self.init(status: .serviceUnavailable, code: "unavailable", message: "the ticket store cannot be reached; nothing was applied: retry")
            case .commitOutcomeUnknown:
                self.init(
                    status: .serviceUnavailable, code: "outcomeUnknown",
                    message: "the ticket store was lost while committing: the exchange may or may not have happened; a retry answers alreadyConsumed if it did")
            default:
                self.init(status: .internalServerError, code: "internal", message: "the ticket store failed; nothing was consumed")
            }
        default:
            self.init(status: .internalServerError, code: "internal", message: "the request could not be handled")
        }
    }

    init(status: HTTPResponse.Status, code: String, message: String, closesConnection: Bool = false) {
        self.status = status
        self.code = code
        self.message = message
        self.closesConnection = closesConnection
    }
}
