/// When the writer checkpoints the users overlay.
struct CheckpointPolicy: Sendable {
    /// Checkpoint once the overlay holds this many dirty users…
    var users = 32_768
    /// …or this many events have passed since the last checkpoint.
    var events: UInt64 = 262_144
    /// After a checkpoint the overlay keeps its users as a cache of the `users` database, unless
    /// it holds more than this many.
    var cachedUsers = 262_144
}
