/// Something the ledger could not do: what happened, to what, and why.
///
/// Redemption rejections are not errors: `Ledger/redeem(ticket:pool:secret:)` returns them
/// as a ``RedemptionOutcome``. Errors are for bad arguments and for the store itself.
public enum LedgerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An argument is out of bounds: which argument, and why.
    case invalidArgument(_ argument: String, _ reason: String)
    /// A ticket was asked for in a pool that was never configured.
    case poolNotConfigured(PoolID)
    /// A pool that requires a secret was configured without one.
    case secretMissingForPool(PoolID)
    /// The store's directory does not exist.
    case storeNotFound(path: String)
    /// The directory exists but holds no TicketLedger store (or a damaged one): why.
    case notAStore(path: String, reason: String)
    /// The store was written by a newer version of TicketLedger.
    case newerFormat(path: String, found: UInt16, supported: UInt16)
    /// The process may not read or write the store's files.
    case permissionDenied(path: String, operation: String)
    /// The disk holding the store is full; nothing of the failed write was applied.
    case diskFull(path: String)
    /// This process already has the store open: share that ``Ledger`` instead.
    case alreadyOpen(path: String)
    /// The store's contents contradict themselves: what was found.
    case corrupted(path: String, detail: String)
    /// Another storage failure: the operation and the system's message.
    case storage(path: String, operation: String, message: String)
    /// The ledger was closed.
    case closed
    /// The store cannot be reached now (a database server down, restarting or refusing us):
    /// nothing of the failed call was applied. The ledger reconnects by itself; retry later.
    case storeUnavailable(path: String, reason: String)
    /// The connection to the store was lost while a batch was committing: it may or may not
    /// have been applied. Retrying is safe: a redemption that was applied is then answered
    /// `alreadyConsumed`, an issue that was applied leaves an unused ticket that expires.
    case commitOutcomeUnknown(path: String)

    /// What happened, to what, and why. Paths, arguments and reasons are printed with their
    /// control characters escaped (``PrintableText``): a message never drives a terminal.
    public var description: String {
        let p = { (text: String) in PrintableText.escaping(text) }
        switch self {
        case let .invalidArgument(argument, reason):
            return "invalid \(p(argument)): \(p(reason))"
        case let .poolNotConfigured(pool):
            return "pool '\(pool)' is not configured: run `ticket-ledger pool configure` for it first"
        case let .secretMissingForPool(pool):
            return "pool '\(pool)' requires a secret, but none was given"
        case let .storeNotFound(path):
            return "no store at '\(p(path))': the directory does not exist"
        case let .notAStore(path, reason):
            return "'\(p(path))' is not a TicketLedger store: \(p(reason))"
        case let .newerFormat(path, found, supported):
            return "the store at '\(p(path))' has format version \(found), newer than this build supports (\(supported)): upgrade TicketLedger"
        case let .permissionDenied(path, operation):
            return "permission denied for the store at '\(p(path))' (\(p(operation)))"
        case let .diskFull(path):
            return "the disk holding the store at '\(p(path))' is full; the write was not applied"
        case let .alreadyOpen(path):
            return "the store at '\(p(path))' is already open in this process: share that Ledger"
        case let .corrupted(path, detail):
            return "the store at '\(p(path))' is damaged: \(p(detail))"
        case let .storage(path, operation, message):
            return "storage error on '\(p(path))' during \(p(operation)): \(p(message))"
        case .closed:
            return "the ledger is closed"
        case let .storeUnavailable(path, reason):
            return "the store at '\(path)' cannot be reached (\(reason)); nothing was applied: retry when it is back"
        case let .commitOutcomeUnknown(path):
            return "the connection to the store at '\(path)' was lost while committing: the write may or may not have been applied"
        }
    }
}
