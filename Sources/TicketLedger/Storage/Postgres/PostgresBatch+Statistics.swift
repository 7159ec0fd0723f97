import PostgresNIO

extension PostgresBatch {
    /// What the store holds (``StoreStatistics``), counted in this read transaction. The map
    /// fields have no meaning here and are 0; `logBytes` is the records' bytes and `fileBytes`
    /// what the store's tables and indexes take on disk.
    func statistics() throws -> StoreStatistics {
        let meta = try meta()
        let rows = try session.run(
            """
            SELECT (SELECT count(*) FROM ticket_ledger_events),
                   (SELECT coalesce(sum(octet_length(record)), 0)::bigint FROM ticket_ledger_events),
                   (SELECT count(*) FROM ticket_ledger_tickets WHERE get_byte(record, 1) = \(Int32(TicketStatus.issued.code))),
                   (SELECT count(*) FROM ticket_ledger_tickets WHERE get_byte(record, 1) = \(Int32(TicketStatus.consumed.code))),
                   (SELECT count(*) FROM ticket_ledger_tickets WHERE get_byte(record, 1) = \(Int32(TicketStatus.expired.code))),
                   (SELECT count(*) FROM ticket_ledger_tickets WHERE live),
                   (SELECT count(*) FROM ticket_ledger_pools),
                   (SELECT count(*) FROM ticket_ledger_users),
                   (SELECT sum(pg_total_relation_size(t))::bigint FROM unnest(ARRAY['ticket_ledger_meta', 'ticket_ledger_events',
                        'ticket_ledger_tickets', 'ticket_ledger_pools', 'ticket_ledger_users']::regclass[]) AS t)
            """, "count the store")
        guard let row = rows.first else { throw LedgerError.corrupted(path: path, detail: "the statistics query returned no row") }
        let c = try row.decode((Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
        return StoreStatistics(
            head: meta.head, events: Int(c.0), logBytes: Int(c.1), ticketsIssued: Int(c.2), ticketsConsumed: Int(c.3),
            ticketsExpired: Int(c.4), due: Int(c.5), pools: Int(c.6), usersStored: Int(c.7), usersCheckpoint: meta.usersSequence,
            mapSize: 0, mapUsedBytes: 0, fileBytes: Int(c.8))
    }
}
