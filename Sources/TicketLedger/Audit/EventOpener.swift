/// Opens the sealed personal fields of the events a reader shows (`export`, `inspect`), with
/// each user's key read once from the scan's snapshot. An event whose key is gone (its user
/// was forgotten) is shown with its fields erased (``LoggedEvent/erased``).
struct EventOpener<Scan: StoreScan> {
    let scan: Scan
    private var keys: [UserKey: PersonalKey?] = [:]

    init(_ scan: Scan) { self.scan = scan }

    /// `logged` with a sealed issue's profile and IP opened (or marked erased).
    mutating func opened(_ logged: LoggedEvent) throws -> LoggedEvent {
        guard case .ticketIssued(var e) = logged.event, e.sealed != nil else { return logged }
        let user = UserKey(pool: e.pool, user: e.user)
        let key: PersonalKey?
        if let known = keys[user] {
            key = known
        } else {
            key = try scan.personalKey(for: user)
            keys[user] = .some(key)
        }
        var out = logged
        if let (profile, ip) = PersonalOpening.open(e, key: key) {
            e.profile = profile
            e.ip = ip
            e.sealed = nil
            out.event = .ticketIssued(e)
        } else {
            out.erased = true
        }
        return out
    }
}
