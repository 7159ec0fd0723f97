/// A ticket just issued: hand `ticket` to the app; the ledger keeps only its digest.
public struct IssuedTicket: Sendable, Hashable {
    /// The ticket; its `text` is what the app sends to its server.
    public let ticket: Ticket
    /// The last moment before which it can be redeemed.
    public let expiresAt: Timestamp
    /// When it was issued.
    public let issuedAt: Timestamp
}
