import LMDB

extension Auditor {
    /// Compares the stored tickets, pools and expiry index of an LMDB transaction with the
    /// replay at `head`; returns the refusals the stored tickets count that the log has not
    /// summarised yet.
    @discardableResult
    static func compareTickets(
        _ store: StoreHandle, txn: Transaction, replay: CompactReplay, at head: UInt64, findings: inout FindingList
    ) throws -> UInt64 {
        try compareTickets(LMDBScan(store, txn: txn), replay: replay, at: head, findings: &findings)
    }

    /// Compares the stored tickets, pools and expiry index with the replay at `head`; returns the
    /// refusals the stored tickets count that the log has not summarised yet.
    @discardableResult
    static func compareTickets(
        _ scan: some StoreScan, replay: CompactReplay, at head: UInt64, findings: inout FindingList
    ) throws -> UInt64 {
        // tickets
        var seen = 0
        var unsummarised: UInt64 = 0
        try scan.scanStoredTickets { sequence, value in
            guard let sequence else {
                findings.add(head, "projection-tickets", "a tickets key is not 8 bytes")
                return
            }
            if replay.ticketRecordMatches(sequence, value) {
                seen += 1
                // A record that matches byte for byte counts no refusals: neither may the log.
                if replay.summarisedRefusals[sequence] != nil {
                    checkRefusals(TicketLocator(sequence: sequence), counted: 0, replay: replay, at: head, findings: &findings)
                }
                return
            }
            let locator = TicketLocator(sequence: sequence)
            // Only a ticket the replay has counts as seen (an extra one must not hide a missing one).
            let rebuilt = try replay.ticket(locator)
            if rebuilt != nil { seen += 1 }
            let stored: TicketState
            do {
                stored = try TicketState(decoding: value)
            } catch {
                findings.add(head, "projection-tickets", "ticket \(locator): \(error)")
                return
            }
            guard let rebuilt else {
                findings.add(head, "projection-tickets", "ticket \(locator) is stored but the replay has no such ticket")
                return
            }
            let fields = differingFields(stored, rebuilt)
            if !fields.isEmpty {
                findings.add(head, "projection-tickets", "ticket \(locator) differs from the replay in \(fields.joined(separator: ", "))")
            }
            checkRefusals(locator, counted: stored.refusals, replay: replay, at: head, findings: &findings)
            unsummarised += Rules.unsummarisedRefusals(count: stored.refusals)
        }
        if seen != replay.tickets.count {
            var locators: [UInt64] = []
            replay.tickets.forEach { locators.append($0.locator) }
            for sequence in locators.sorted() where try !scan.hasStoredTicket(sequence) {
                findings.add(head, "projection-tickets", "ticket \(TicketLocator(sequence: sequence)) is missing from the stored projection")
            }
        }
        // pools
        var poolsSeen = 0
        try scan.scanStoredPools { id, value in
            let rebuilt = try replay.pool(id)
            if rebuilt != nil { poolsSeen += 1 }  // an extra pool must not hide a missing one
            let stored: PoolState
            do {
                stored = try PoolState(decoding: value)
            } catch {
                findings.add(head, "projection-pools", "pool '\(id)': \(error)")
                return
            }
            guard let rebuilt else {
                findings.add(head, "projection-pools", "pool '\(id)' is stored but was never configured")
                return
            }
            var fields: [String] = []
            if stored.policy != rebuilt.policy { fields.append("policy") }
            if stored.secret != rebuilt.secret { fields.append("secret digest") }
            if stored.configuredAt != rebuilt.configuredAt { fields.append("configuredAt") }
            if !fields.isEmpty {
                findings.add(head, "projection-pools", "pool '\(id)' differs from the replay in \(fields.joined(separator: ", "))")
            }
        }
        let configured = replay.configuredPools
        if poolsSeen != configured.count {
            for id in configured.sorted() where try !scan.hasStoredPool(id) {
                findings.add(head, "projection-pools", "pool '\(id)' is missing from the stored projection")
            }
        }
        // the expiry index
        var dueSeen = 0
        try scan.scanDueEntries { due in
            guard let due else {
                findings.add(head, "projection-due", "an expiry index key is not 16 bytes")
                return
            }
            if replay.isDue(due) {
                dueSeen += 1  // an extra entry must not hide a missing one
            } else {
                findings.add(head, "projection-due", "the expiry index lists ticket \(TicketLocator(sequence: due.locator)) at \(Timestamp(millisecondsSince1970: due.expiresAt)), which the replay has not due")
            }
        }
        if dueSeen != replay.issuedCount {
            for due in replay.dueEntries where try !scan.hasDueEntry(due) {
                findings.add(head, "projection-due", "ticket \(TicketLocator(sequence: due.locator)) is missing from the expiry index")
            }
        }
        return unsummarised
    }

    /// "refusal-count": the refusals a stored ticket counts agree with the summaries the log
    /// holds for it (``Rules/summarisedRefusals(count:)``). The count itself is the live path's,
    /// not derived from the log, so this is what the audit can hold it to.
    static func checkRefusals(_ locator: TicketLocator, counted: UInt64, replay: CompactReplay, at head: UInt64, findings: inout FindingList) {
        let logged = replay.summarisedRefusals[locator.sequence] ?? 0
        let expected = Rules.summarisedRefusals(count: counted)
        if logged != expected {
            findings.add(head, "refusal-count", "ticket \(locator) counts \(counted) refusals, so the log should summarise \(expected) of them, but it summarises \(logged)")
        }
    }

    static func differingFields(_ a: UserState, _ b: UserState) -> [String] {
        var out: [String] = []
        if a.profile != b.profile { out.append("profile") }
        if a.signedUp != b.signedUp { out.append("signedUp") }
        if a.loginsCount != b.loginsCount { out.append("loginsCount (\(a.loginsCount) stored, \(b.loginsCount) replayed)") }
        if a.lastLogin != b.lastLogin { out.append("lastLogin") }
        if a.lastIP != b.lastIP { out.append("lastIP") }
        if a.sealed != b.sealed { out.append("sealed fields") }
        return out
    }

    static func differingFields(_ a: TicketState, _ b: TicketState) -> [String] {
        var out: [String] = []
        if a.status != b.status { out.append("status (\(a.status.rawValue) stored, \(b.status.rawValue) replayed)") }
        if a.pool != b.pool { out.append("pool") }
        if a.user != b.user { out.append("user") }
        if a.issuedAt != b.issuedAt { out.append("issuedAt") }
        if a.expiresAt != b.expiresAt { out.append("expiresAt") }
        if a.consumedAt != b.consumedAt { out.append("consumedAt") }
        if a.expiredAt != b.expiredAt { out.append("expiredAt") }
        if a.ip != b.ip { out.append("ip") }
        if a.verifierDigest != b.verifierDigest { out.append("verifier digest") }
        if a.retryKey != b.retryKey { out.append("retry key") }
        if a.revokedUntil != b.revokedUntil { out.append("revokedUntil") }
        if a.sealedIP != b.sealedIP { out.append("sealed ip") }
        return out
    }
}
