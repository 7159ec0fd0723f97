/// Reuse revokes (RFC 6749 §4.1.2): the tokens an embedding server issues for a consume carry
/// a token id (`jti`) that names the consume without showing the issue sequence; when the
/// consumed ticket is presented again (not a retry with its idempotency key), the ledger
/// appends `TokensRevoked` and the ticket's record says until when its tokens are revoked.
extension Ledger {
    /// The token id (`jti`) of the consume of the ticket whose text is `text`: 16 hexadecimal
    /// digits, the ticket's locator under the store's keyed permutation (so they tell nothing
    /// of when it was issued). `nil` when `text` is not a ticket's text.
    public func tokenID(forTicket text: String) -> String? {
        let cipher = writer.locatorCipher
        return Ticket(text, cipher: cipher).map { TicketLocator(sequence: cipher.seal($0.locator.sequence)).description }
    }

    /// Whether the tokens of the consume named by `tokenID` (``tokenID(forTicket:)``) are
    /// revoked now: its ticket was reused and the revocation has not run out. A token id that
    /// names nothing held is not revoked (a revoked ticket is held until its revocation ends).
    ///
    /// The check RFC 7662's introspection makes besides the token's signature and `exp`: a
    /// token is active when it verifies, has not expired and is not revoked.
    /// - Throws: ``LedgerError/invalidArgument(_:_:)`` when `tokenID` is not 16 lowercase
    ///   hexadecimal digits; a storage error when the store cannot be read.
    public func isRevoked(tokenID: String) throws(LedgerError) -> Bool {
        guard tokenID.utf8.count == 16, tokenID.utf8.allSatisfy({ Hex.value($0, letters: .lowercase) != nil }),
              let shown = TicketLocator(tokenID)
        else {
            throw .invalidArgument("token id", "must be 16 lowercase hexadecimal digits")
        }
        let locator = TicketLocator(sequence: writer.locatorCipher.open(shown.sequence))
        guard let state = try ticketState(locator) else { return false }
        return !Rules.isRevocationOver(state.revokedUntil, now: writer.clock.now())
    }

    /// RFC 7662's check of a token whose signature the caller verified: active when it has not
    /// expired (by the ledger's clock) and its consume's tokens are not revoked. A token
    /// without a token id (signed before they were added) can only expire.
    public func isTokenActive(tokenID: String?, expiresAt: Timestamp) throws(LedgerError) -> Bool {
        guard writer.clock.now() < expiresAt else { return false }
        guard let tokenID else { return true }
        return try !isRevoked(tokenID: tokenID)
    }
}
