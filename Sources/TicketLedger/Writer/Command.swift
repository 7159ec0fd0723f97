/// A command for the writer: what a caller asked the ledger to change.
enum Command: Sendable {
    case configurePool(PoolID, PoolPolicy, secret: String?)
    case issue(IssueRequest, ip: IPAddress?)
    case redeem(Ticket?, pool: PoolID, secret: String?, retryKey: SHA256Digest? = nil)
    case expireDue(limit: Int, grace: Duration)
    case forget(UserKey)
}
