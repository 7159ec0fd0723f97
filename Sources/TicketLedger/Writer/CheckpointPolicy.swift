/// When the writer checkpoints the users overlay.
struct CheckpointPolicy: Sendable {
    /// Checkpoint once the overlay holds this many dirty users…
    var users = 32_768
    /// …or this many events have passed since the last checkpoint.
    var events: UInt64 = 262_144
    /// After a checkpoint the overlay keeps its users as a cache of the `users` database, unless
    /// it holds more than this many.
    var cachedUsers = 262_144

    /// The users projection written in every batch's own transaction: for a store several
    /// hosts share (PostgreSQL). Each batch then finds every user current in the store (its
    /// read-ahead fetches them), instead of replaying the other hosts' events since its last
    /// batch into its overlay while it holds the head's lock.
    static let everyBatch = CheckpointPolicy(users: 0, events: 0)
}
