extension Ledger {
    /// Forgets `user` of `pool` (GDPR art. 17, PIPL art. 47): destroys the key that sealed their
    /// personal data and appends `UserForgotten`, in one batch.
    ///
    /// Afterwards every field the key sealed — profile, phone, openid/unionid, the raw WeChat
    /// profile, IPs — opens no more, in the log, the projections, the store's files and any
    /// backup or copy taken later: `export` and `inspect` show them as erased and the user
    /// document no longer holds them. LMDB keeps keys outside `data.mdb`, in slots of
    /// `user-keys` that are overwritten in place and synced before this returns; PostgreSQL
    /// sets the key's column to `NULL` (see the README for what its write-ahead log and backups
    /// keep). What stays: that tickets were issued and redeemed (the events, their times, the
    /// user id), and the chain — the audit passes and a digest taken before still checks.
    /// Tickets issued to the user before are refused (`unknown`); the user's next ticket
    /// starts a new record under a new key.
    ///
    /// - Throws: ``LedgerError/invalidArgument(_:_:)`` when the pool has no such user; the store's errors.
    @discardableResult
    public func forget(pool: PoolID, user: UserID) throws(LedgerError) -> ForgetReport {
        guard case .forgot(let report) = try submit(.forget(UserKey(pool: pool, user: user))).get() else { throw Self.mismatch }
        writer.personalKeys.forget(UserKey(pool: pool, user: user))
        return report
    }

    /// Forgets a user, suspending instead of blocking; see `forget(pool:user:)`.
    @discardableResult
    public func forget(pool: PoolID, user: UserID) async throws(LedgerError) -> ForgetReport {
        guard case .forgot(let report) = try await submit(.forget(UserKey(pool: pool, user: user))).get() else { throw Self.mismatch }
        writer.personalKeys.forget(UserKey(pool: pool, user: user))
        return report
    }
}
