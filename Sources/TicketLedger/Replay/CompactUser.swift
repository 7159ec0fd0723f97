/// One user of ``CompactReplay``: counters, times, and the profile's encoded bytes in an arena.
struct CompactUser: Sendable {
    var exists = false
    var profileStart = 0
    var profileCount = 0
    var signedUp: Int64 = 0
    var loginsCount: UInt64 = 0
    var lastLogin: Int64 = 0
    var hasLastLogin = false
    var lastIP = InlineText.absent
}
