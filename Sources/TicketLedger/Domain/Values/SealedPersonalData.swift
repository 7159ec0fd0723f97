/// A ticket's personal fields as event format 4 records them: `PersonalSeal` boxes under
/// the user's key, in place of the clear profile and IP that earlier formats held.
///
/// The ledger's core moves these boxes as bytes (into the ticket's and the user's records) and
/// never opens them; the chain hashes them as they are. Only the ledger's readers open them,
/// with the user's key, to answer with a user document, an export or an inspection. Once the
/// key is destroyed (a user forgotten) they open no more.
public struct SealedPersonalData: Sendable, Hashable {
    /// The user's key generation the boxes were sealed under (1 for a user's first key).
    public let keyGeneration: UInt32
    /// The profile without its phone number (`PersonalSeal.Field.profile`).
    let profile: [UInt8]
    /// The phone number, when the ticket carried one (`PersonalSeal.Field.phone`).
    let phone: [UInt8]?
    /// The end user's IP address, when the ticket carried one (`PersonalSeal.Field.ip`).
    let ip: [UInt8]?

    init(keyGeneration: UInt32, profile: [UInt8], phone: [UInt8]?, ip: [UInt8]?) {
        self.keyGeneration = keyGeneration
        self.profile = profile
        self.phone = phone
        self.ip = ip
    }
}

/// The sealed part of a user's record (see ``UserState``): the boxes its latest tickets
/// brought, each moved as bytes from a ``SealedPersonalData``.
struct SealedUserFields: Sendable, Hashable {
    /// The key generation of the boxes (every box of one record has the user's current one).
    var keyGeneration: UInt32
    /// The latest ticket's profile, without the phone.
    var profile: [UInt8]?
    /// The phone from the latest ticket issued with `getPhone`.
    var phone: [UInt8]?
    /// The IP of the last redeemed ticket.
    var lastIP: [UInt8]?

    init(keyGeneration: UInt32, profile: [UInt8]? = nil, phone: [UInt8]? = nil, lastIP: [UInt8]? = nil) {
        self.keyGeneration = keyGeneration
        self.profile = profile
        self.phone = phone
        self.lastIP = lastIP
    }
}
