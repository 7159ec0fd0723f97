/// Findings, capped.
struct FindingList {
    var items: [AuditFinding] = []
    var omitted = 0
    let limit: Int

    mutating func add(_ sequence: UInt64, _ rule: String, _ detail: @autoclosure () -> String) {
        if items.count < limit {
            items.append(AuditFinding(sequence: sequence, rule: rule, detail: detail()))
        } else {
            omitted += 1
        }
    }
}
