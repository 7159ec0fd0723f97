import LMDB

/// The LMDB layout of a store: named databases and the `meta` record.
///
/// - `events`: 8-byte big-endian sequence → event record (see `EventCodec`)
/// - `tickets`: 8-byte big-endian locator → ticket record
/// - `users`: `pool ‖ 0 ‖ user` → user record
/// - `pools`: pool id → pool record
/// - `due`: `expiresAt (8, big-endian) ‖ locator (8)` → empty: issued tickets by expiry
/// - `meta`: `"ledger"` → `"TKTLEDGR" ‖ format (2) ‖ last sequence (8) ‖ chain head (32) ‖
///   users checkpoint sequence (8)`: the `users` database reflects every event up to that
///   sequence; later ones are replayed from the log (see `UsersView`).
struct StoreLayout: Sendable {
    let events: Database
    let tickets: Database
    let users: Database
    let pools: Database
    let due: Database
    let meta: Database

    static let names = ["events", "tickets", "users", "pools", "due", "meta"]
    static let magic = Array("TKTLEDGR".utf8)
    static let metaKey = Array("ledger".utf8)
    /// The store format this build writes, and the newest it opens.
    static let formatVersion: UInt16 = 1

    /// The layout whose databases `database` opens, by name, in the order of ``names``.
    static func open(_ database: (String) throws -> Database) rethrows -> StoreLayout {
        StoreLayout(
            events: try database("events"), tickets: try database("tickets"), users: try database("users"),
            pools: try database("pools"), due: try database("due"), meta: try database("meta"))
    }
}
