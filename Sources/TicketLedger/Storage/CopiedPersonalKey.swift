/// One user's personal-data key as `copy` carries it between stores (LMDB's ``KeyVault``,
/// PostgreSQL's `ticket_ledger_user_keys`): its generation, and the key unless destroyed.
struct CopiedPersonalKey: Sendable {
    var user: UserKey
    var generation: UInt32
    /// `nil` once destroyed (the user was forgotten): the copy records the generation only.
    var key: PersonalKey?
}
