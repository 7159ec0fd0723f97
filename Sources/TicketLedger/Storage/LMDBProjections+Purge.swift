import LMDB

extension LMDBProjections {
    mutating func removeTicket(_ locator: TicketLocator) throws {
        try txn.delete(layout.tickets, key: locator.sequence.bigEndianBytes)
    }
}

extension LMDBProjections {
    /// A ticket the sweeper already purged, as its `TicketIssued` event describes it (status
    /// `issued`): enough for the users half of `apply`, which needs only its pool, user and IP.
    /// The users catch-up from the log tail (`UsersView`) needs it when a ticket consumed after
    /// the last users checkpoint has since been purged. `nil` when the log has no such issue.
    func purgedTicket(_ locator: TicketLocator) throws -> TicketState? {
        try txn.withValue(layout.events, key: locator.sequence.bigEndianBytes) { bytes -> TicketState? in
            guard let bytes else { return nil }
            let (payload, _) = try EventCodec.split(bytes)
            guard case .ticketIssued(let e) = try EventCodec.decode(payload: payload) else { return nil }
            return TicketState(
                status: .issued, pool: e.pool, user: e.user, issuedAt: e.at, expiresAt: e.expiresAt,
                consumedAt: nil, expiredAt: nil, ip: e.ip, verifierDigest: e.verifierDigest)
        }
    }
}
