internal import Crypto

/// The key that seals one user's personal data (``PersonalSeal``): AES-256, drawn from the
/// system's CSPRNG, kept outside the log (in LMDB stores, a slot of the `user-keys` file that
/// `KeyVault` overwrites in place). The log holds only what the key sealed and the chain hashes
/// only those sealed bytes, so destroying the key erases the fields while every digest of the
/// log stays valid.
///
/// `generation` counts the keys a user of a pool has had: the first is 1, and a user who was
/// forgotten and logs in again gets the next one, so boxes sealed before the forgetting never
/// open under the new key.
struct PersonalKey: Sendable {
    /// The key's length in bytes.
    static let length = 32
    /// The key. Never logged, never in the log.
    let bytes: [UInt8]
    /// Which of the user's keys this is (1 for the first).
    let generation: UInt32
    /// The key as the cipher takes it, made once.
    let symmetric: SymmetricKey

    /// The key with `bytes`; `nil` unless they are ``length`` bytes and not all zero (an
    /// all-zero slot is a destroyed key).
    init?(bytes: [UInt8], generation: UInt32) {
        guard bytes.count == Self.length, bytes.contains(where: { $0 != 0 }) else { return nil }
        self.bytes = bytes
        self.generation = generation
        self.symmetric = SymmetricKey(data: bytes)
    }

    /// Fresh key bytes from the system's CSPRNG (never all zero: that would be a destroyed key).
    static func randomBytes() -> [UInt8] {
        while true {
            let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            if bytes.contains(where: { $0 != 0 }) { return bytes }
        }
    }
}
