internal import Crypto

/// A keyed permutation of ticket locators: what a `tl2.` ticket's text shows instead of its
/// locator, so that the text reveals neither the issue sequence nor how many events lie
/// between two tickets. The store keeps its sequential keys (their locality makes redemption
/// fast); only the text is permuted.
///
/// A balanced Feistel network over the locator's two 32-bit halves, four rounds (enough for a
/// pseudorandom permutation when the round function is a pseudorandom function: Luby–Rackoff),
/// each round's function the first 32 bits of SHA-256(key ‖ round ‖ half) — a fixed-length
/// input under a secret 256-bit prefix. The key is per store, drawn once from the system's
/// CSPRNG and kept in the store (never in the log).
struct LocatorCipher: Sendable, Hashable {
    /// The key's length in bytes.
    static let keyLength = 32
    static let rounds: UInt8 = 4
    /// The key, as the store keeps it.
    let key: [UInt8]

    /// The cipher with `key`; `nil` unless it is ``keyLength`` bytes.
    init?(key: [UInt8]) {
        guard key.count == Self.keyLength else { return nil }
        self.key = key
    }

    /// The cipher whose key is these four words, big-endian (random ones make a new store's key).
    init(words: (UInt64, UInt64, UInt64, UInt64)) {
        key = words.0.bigEndianBytes + words.1.bigEndianBytes + words.2.bigEndianBytes + words.3.bigEndianBytes
    }

    /// The locator as a `tl2.` text shows it.
    func seal(_ sequence: UInt64) -> UInt64 {
        var (l, r) = (UInt32(truncatingIfNeeded: sequence >> 32), UInt32(truncatingIfNeeded: sequence))
        for i in 0..<Self.rounds { (l, r) = (r, l ^ f(i, r)) }
        return UInt64(l) << 32 | UInt64(r)
    }

    /// The locator a `tl2.` text's field stands for (``seal(_:)`` undone).
    func open(_ shown: UInt64) -> UInt64 {
        var (l, r) = (UInt32(truncatingIfNeeded: shown >> 32), UInt32(truncatingIfNeeded: shown))
        for i in (0..<Self.rounds).reversed() { (l, r) = (r ^ f(i, l), l) }
        return UInt64(l) << 32 | UInt64(r)
    }

    /// The round function: the first 32 bits of SHA-256(key ‖ round ‖ half).
    private func f(_ round: UInt8, _ half: UInt32) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: key)
        let block: (UInt8, UInt8, UInt8, UInt8, UInt8) = (
            round, UInt8(truncatingIfNeeded: half >> 24), UInt8(truncatingIfNeeded: half >> 16),
            UInt8(truncatingIfNeeded: half >> 8), UInt8(truncatingIfNeeded: half))
        withUnsafeBytes(of: block) { hasher.update(bufferPointer: $0) }
        return hasher.finalize().withUnsafeBytes { d in
            UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
        }
    }
}
