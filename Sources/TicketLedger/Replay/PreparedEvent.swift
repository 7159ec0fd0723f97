/// One event record as ``EventPreparer`` left it for ``CompactReplay/applyPrepared(_:in:)``:
/// fixed size, its fields parsed and checked for everything that does not depend on the
/// replay's state. Offsets are into the buffer that holds the payload.
struct PreparedEvent: Sendable {
    enum Kind: UInt8, Sendable {
        /// The record did not split into payload and hash (already a `decode` finding).
        case undecodable
        /// Anything the fast path does not take: decode it and go through the ``Projector``.
        case general
        case issue, consume, expire, rejected
    }

    var sequence: UInt64
    /// The payload's first byte and length.
    var start: Int
    var count: Int
    var kind: Kind
    /// The preparer's number for the pool id (see ``EventPreparer/token``).
    var pool: UInt32 = 0
    /// The pool id's bytes, from the payload's start.
    var poolStart: UInt8 = 0
    var poolCount: UInt8 = 0
    /// The user id's bytes, from the payload's start (an issue).
    var userStart: UInt8 = 0
    var userCount: UInt8 = 0
    var getPhone = false
    var at: Int64 = 0
    /// A consume's, expire's or rejection's locator; an issue's `expiresAt`.
    var word: UInt64 = 0
    /// ``UserByteIndex/idHash(seed:_:)`` of the user id (an issue).
    var userHash: UInt64 = 0
    /// The profile, and its phone field inside it, from the payload's start (an issue).
    var profileStart: Int32 = 0
    var phoneStart: Int32 = 0
    var phoneEnd: Int32 = 0
    var profileEnd: Int32 = 0
    var verifier = SHA256Digest.zero
    var ip = InlineText.absent
    /// A sealed issue (event format 4): `profileStart..<profileEnd` is then the profile's box,
    /// `phoneStart..<phoneEnd` the phone's and `ipStart..<ipEnd` the IP's (-1 when absent).
    var sealed = false
    var keyGeneration: UInt32 = 0
    var ipStart: Int32 = -1
    var ipEnd: Int32 = -1

    init(sequence: UInt64, start: Int, count: Int, kind: Kind) {
        self.sequence = sequence
        self.start = start
        self.count = count
        self.kind = kind
    }
}
