/// The ledger's rules, each written once. The ``Decider`` (live path), the ``Projector``
/// (live path and replay), the audit's rule checks (`Auditor+Replay.swift`), the replay's
/// fast path (`CompactReplay+Apply.swift`) and the sweep (``ExpiryPlan``, ``PurgePlan``) all
/// ask these. Times are milliseconds since 1970 (``Timestamp/millisecondsSince1970``), so
/// the replay's compact records ask the same functions as the live path's states.
///
/// The names in quotes are the rule names an audit's findings carry.
enum Rules {
    /// "single-use": only an `issued` ticket may be consumed or expired, once; consumed and
    /// expired are final.
    @inline(__always)
    static func isLive(_ status: TicketStatus) -> Bool { status == .issued }

    /// Whether the ticket at `locator` was issued before its user was forgotten at the event
    /// `forgottenAt` (0: never): such a ticket is never redeemed (its personal fields are erased,
    /// and forgetting ends what the user had started).
    static func isIssuedBeforeForgetting(_ locator: TicketLocator, forgottenAt: UInt64) -> Bool {
        locator.sequence < forgottenAt
    }

    /// "same-pool": a ticket is consumed, expired and purged only in the pool that issued it.
    @inline(__always)
    static func isSamePool<Pool: Equatable>(_ ticketPool: Pool, _ pool: Pool) -> Bool { ticketPool == pool }

    /// "consume-after-expiry": a ticket may be consumed strictly before its `expiresAt`.
    @inline(__always)
    static func isBeforeExpiry(_ at: Int64, expiresAt: Int64) -> Bool { at < expiresAt }

    /// "expire-before-expiry": a ticket may be expired at or after its `expiresAt` — exactly
    /// when it may no longer be consumed.
    @inline(__always)
    static func isDue(_ at: Int64, expiresAt: Int64) -> Bool { !isBeforeExpiry(at, expiresAt: expiresAt) }

    /// "issue-lifetime": a ticket expires its pool's lifetime after it is issued.
    @inline(__always)
    static func expiry(issuedAt: Timestamp, lifetime: Duration) -> Timestamp { issuedAt.advanced(by: lifetime) }

    /// "secret-policy" / "secret-required": a pool that requires a secret has one to check against.
    @inline(__always)
    static func hasSecretItNeeds(secretRequired: Bool, hasSecret: Bool) -> Bool { !secretRequired || hasSecret }

    /// The secret policy in force at a redemption: `nil` when the presented secret passes,
    /// else why not. A pool that needs no secret ignores whatever is presented.
    static func secretRefusal(
        policy: PoolPolicy, stored: SecretDigest?, presented: String?, matches: (SecretDigest, String) -> Bool
    ) -> RejectionReason? {
        guard policy.secretRequired else { return nil }
        guard let presented, !presented.isEmpty else { return .secretRequired }
        guard let stored, matches(stored, presented) else { return .secretMismatch }
        return nil
    }

    /// A redemption of a consumed ticket is a retry of its consume — answered as the consume
    /// was, nothing counted — only when it presents the very retry key the consume recorded
    /// (and the ticket is still held: within its grace period). Without a key, or with another,
    /// it is a reuse.
    static func isRetry(presented: SHA256Digest?, recorded: SHA256Digest?) -> Bool {
        guard let presented, let recorded else { return false }
        return presented.constantTimeEquals(recorded)
    }

    /// How long the tokens of a consume live unless told otherwise (the HTTP server's default).
    static let defaultTokenLifetime: Duration = .seconds(7200)

    /// "reuse revokes": a consumed ticket presented again (not a retry) revokes the tokens of
    /// its consume, once, until they expire: its consume's time plus the token lifetime.
    static func revocation(of ticket: TicketState, tokenLifetime: Duration) -> Timestamp? {
        guard ticket.status == .consumed, ticket.revokedUntil == nil, let consumedAt = ticket.consumedAt else { return nil }
        return consumedAt.advanced(by: tokenLifetime)
    }

    /// "purge-revoked-ticket": a ticket whose tokens are revoked stays until the revocation ends,
    /// so that it can still be checked.
    static func isRevocationOver(_ revokedUntil: Timestamp?, now: Timestamp) -> Bool {
        revokedUntil.map { $0 <= now } ?? true
    }

    /// "purge-live-ticket": only a settled (consumed or expired) ticket may be dropped from
    /// the projection, and the sweep drops one only once its `expiresAt` plus `grace` has passed.
    @inline(__always)
    static func isPurgeable(_ status: TicketStatus) -> Bool { !isLive(status) }

    /// Whether the sweep may drop a settled ticket now (see ``isPurgeable(_:)``).
    static func isPastGrace(expiresAt: Timestamp, grace: Duration, now: Timestamp) -> Bool {
        expiresAt.advanced(by: grace) <= now
    }
}

extension Rules {
    /// How many refusals of one ticket are logged one by one (`RedemptionRejected`); later
    /// ones are counted in the ticket's record (``TicketState/refusals``).
    static let loggedRefusalsPerTicket: UInt64 = 4
    /// How many counted refusals one `RefusalsCounted` summarises at most: the record's count
    /// is summarised each time this many have gathered, and the rest before the ticket is dropped.
    static let refusalsPerSummary: UInt64 = 1000

    /// What a ticket's `count`-th refusal writes to the log.
    enum RefusalRecord: Sendable, Equatable {
        /// A `RedemptionRejected` event of its own.
        case event
        /// A `RefusalsCounted` of this many (the counted refusals since the last summary, this one included).
        case summary(UInt64)
        /// Nothing: it is counted in the ticket's record only.
        case counted
    }

    /// "refusals-logged" / "refusal-count": a ticket's first ``loggedRefusalsPerTicket``
    /// refusals are logged one by one; after them, every ``refusalsPerSummary``-th is logged as
    /// a summary of the ones counted since the last; the others are only counted. So one
    /// ticket appends at most ``loggedRefusalsPerTicket`` events, plus one per
    /// ``refusalsPerSummary`` refusals, plus one when it is dropped, however often it is tried.
    static func refusalRecord(count n: UInt64) -> RefusalRecord {
        guard n > loggedRefusalsPerTicket else { return .event }
        return (n - loggedRefusalsPerTicket) % refusalsPerSummary == 0 ? .summary(refusalsPerSummary) : .counted
    }

    /// Of a ticket's `count` refusals, how many are counted in its record and not yet summarised
    /// in the log (the sweeper summarises them before it drops the ticket).
    static func unsummarisedRefusals(count n: UInt64) -> UInt64 {
        n > loggedRefusalsPerTicket ? (n - loggedRefusalsPerTicket) % refusalsPerSummary : 0
    }

    /// "refusal-count": how many of a ticket's `count` refusals the log's `RefusalsCounted`
    /// summaries must add up to while the ticket is in the projection.
    static func summarisedRefusals(count n: UInt64) -> UInt64 {
        n > loggedRefusalsPerTicket ? n - loggedRefusalsPerTicket - unsummarisedRefusals(count: n) : 0
    }

    /// "refusals-count": a summary stands for 1 to ``refusalsPerSummary`` refusals.
    static func isSummaryCount(_ count: UInt64) -> Bool { (1...refusalsPerSummary).contains(count) }

    /// ``isBeforeExpiry(_:expiresAt:)`` for timestamps.
    @inline(__always)
    static func isBeforeExpiry(_ at: Timestamp, expiresAt: Timestamp) -> Bool {
        isBeforeExpiry(at.millisecondsSince1970, expiresAt: expiresAt.millisecondsSince1970)
    }

    /// ``isDue(_:expiresAt:)`` for timestamps.
    @inline(__always)
    static func isDue(_ at: Timestamp, expiresAt: Timestamp) -> Bool {
        isDue(at.millisecondsSince1970, expiresAt: expiresAt.millisecondsSince1970)
    }
}
