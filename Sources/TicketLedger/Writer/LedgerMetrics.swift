import Metrics

/// The ledger's swift-metrics instruments. With no metrics backend bootstrapped they cost
/// next to nothing.
///
/// - `ticket_ledger_redemptions_total{outcome}`: redemptions by outcome (`redeemed` or a
///   rejection reason).
/// - `ticket_ledger_tickets_issued_total`: tickets issued.
/// - `ticket_ledger_batch_size`: commands per write batch.
/// - `ticket_ledger_commit_seconds`: how long a batch took, from its transaction's start to
///   its durable commit.
/// - `ticket_ledger_failed_batches_total`: batches a store failure abandoned.
struct LedgerMetrics: Sendable {
    let redeemed = Counter(label: "ticket_ledger_redemptions_total", dimensions: [("outcome", "redeemed")])
    let rejected: [RejectionReason: Counter] = Dictionary(uniqueKeysWithValues: RejectionReason.allCases.map {
        ($0, Counter(label: "ticket_ledger_redemptions_total", dimensions: [("outcome", $0.rawValue)]))
    })
    let issued = Counter(label: "ticket_ledger_tickets_issued_total")
    let batchSize = Recorder(label: "ticket_ledger_batch_size")
    let commitLatency = Metrics.Timer(label: "ticket_ledger_commit_seconds")
    let failedBatches = Counter(label: "ticket_ledger_failed_batches_total")

    func record(batchOf count: Int, results: [Result<Reply, LedgerError>], nanoseconds: UInt64) {
        guard count > 0 else { return }
        batchSize.record(count)
        commitLatency.recordNanoseconds(Int64(truncatingIfNeeded: nanoseconds))
        var redemptions = 0
        var issues = 0
        for case .success(let reply) in results {
            switch reply {
            case .redeemed(.consumed): redemptions += 1
            case .redeemed(.rejected(let r)): rejected[r.reason]?.increment()
            case .issued: issues += 1
            default: break
            }
        }
        if redemptions > 0 { redeemed.increment(by: redemptions) }
        if issues > 0 { issued.increment(by: issues) }
    }
}
