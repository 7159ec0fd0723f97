/// The users projection's record of one user of one pool.
public struct UserState: Sendable, Hashable {
    /// The profile from the latest ticket issued to the user (the phone only from tickets
    /// issued with `getPhone`), as far as it is in the clear: tickets issued in event format 4
    /// bring theirs sealed, and the ledger's readers open it with the user's key.
    public var profile: UserProfile
    /// When the first ticket was issued to the user.
    public var signedUp: Timestamp
    /// Successful redemptions.
    public var loginsCount: UInt64
    /// When the user last redeemed a ticket.
    public var lastLogin: Timestamp?
    /// The end user's IP captured when the last redeemed ticket was issued, when it is in
    /// the clear (see ``profile``).
    public var lastIP: IPAddress?
    /// The sealed fields: what tickets issued in event format 4 brought, as bytes.
    var sealed: SealedUserFields?
    /// The sequence of the `UserForgotten` that last forgot the user (0: never). Tickets issued
    /// before it are not redeemed (`Rules.isIssuedBeforeForgetting`).
    public internal(set) var forgottenAt: UInt64 = 0
    /// Whether this is what forgetting left: a record with nothing personal, no logins, until
    /// the user's next ticket starts a new one (``signedUp`` is then when it was forgotten).
    public internal(set) var isForgotten = false

    init(
        profile: UserProfile, signedUp: Timestamp, loginsCount: UInt64, lastLogin: Timestamp?, lastIP: IPAddress?,
        sealed: SealedUserFields? = nil
    ) {
        self.profile = profile
        self.signedUp = signedUp
        self.loginsCount = loginsCount
        self.lastLogin = lastLogin
        self.lastIP = lastIP
        self.sealed = sealed
    }

    /// What forgetting leaves of a user at `sequence`, at `at`: nothing personal, no logins.
    static func forgotten(at: Timestamp, sequence: UInt64) -> UserState {
        var state = UserState(profile: UserProfile(), signedUp: at, loginsCount: 0, lastLogin: nil, lastIP: nil)
        state.forgottenAt = sequence
        state.isForgotten = true
        return state
    }

    /// The record a user's ticket issued at `at` finds: `existing`, or a new one when there is
    /// none or the user was forgotten (a new record, which remembers when).
    static func receiving(_ existing: UserState?, at: Timestamp) -> UserState {
        if let existing, !existing.isForgotten { return existing }
        var state = UserState(profile: UserProfile(), signedUp: at, loginsCount: 0, lastLogin: nil, lastIP: nil)
        state.forgottenAt = existing?.forgottenAt ?? 0
        return state
    }

    /// Takes the profile `e` brought (the users half of an issue): every field from it, but
    /// the phone only when it was issued with `getPhone` — otherwise the phone the user had is
    /// kept, in whichever form it is (clear or sealed). Sealed fields replace clear ones and
    /// clear ones sealed ones; boxes of another key generation than the event's are dropped.
    mutating func takeProfile(of e: TicketIssued) {
        let keptClearPhone = e.getPhone ? nil : profile.phone
        if let s = e.sealed {
            var fields = sealed ?? SealedUserFields(keyGeneration: s.keyGeneration)
            if fields.keyGeneration != s.keyGeneration { fields = SealedUserFields(keyGeneration: s.keyGeneration) }
            fields.profile = s.profile
            if e.getPhone { fields.phone = s.phone }
            profile = UserProfile()
            profile.phone = keptClearPhone
            sealed = fields
        } else {
            profile = e.profile
            if !e.getPhone { profile.phone = keptClearPhone }
            if var fields = sealed {
                fields.profile = nil
                if e.getPhone { fields.phone = nil }
                sealed = fields
            }
        }
    }

    /// Records a login with `ticket` at `at` (the users half of a consume): one more login, its
    /// time, and the ticket's IP (clear or sealed) as the last IP.
    mutating func recordLogin(at: Timestamp, with ticket: TicketState) {
        loginsCount += 1
        lastLogin = at
        takeLastIP(of: ticket)
    }

    /// Takes `ticket`'s IP, clear or sealed, as the last IP.
    mutating func takeLastIP(of ticket: TicketState) {
        lastIP = ticket.ip
        if var fields = sealed {
            fields.lastIP = ticket.sealedIP
            sealed = fields
        } else if let box = ticket.sealedIP, let generation = PersonalSeal.generation(of: box) {
            sealed = SealedUserFields(keyGeneration: generation, lastIP: box)
        }
    }
}
