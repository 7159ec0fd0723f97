/// The store's metadata record.
struct StoreMeta: Sendable, Hashable {
    var format: UInt16
    var head: ChainHead
    /// The `users` database reflects every event up to this sequence.
    var usersSequence: UInt64

    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 64)  // magic 8 + format 2 + sequence 8 + hash 32 + users sequence 8
        w.raw(StoreLayout.magic)
        w.u8(UInt8(format >> 8))
        w.u8(UInt8(format & 0xff))
        w.u64(head.sequence)
        w.digest(head.hash)
        w.u64(usersSequence)
        return w.bytes
    }

    init(format: UInt16, head: ChainHead, usersSequence: UInt64) {
        self.format = format
        self.head = head
        self.usersSequence = usersSequence
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws(DecodingFailure) {
        var r = BinaryReader(bytes, what: "store metadata")
        guard bytes.count >= 8, try r.bytes(8).elementsEqual(StoreLayout.magic) else {
            throw r.failure("the metadata record does not start with TKTLEDGR")
        }
        format = UInt16(try r.u8()) << 8 | UInt16(try r.u8())
        head = ChainHead(sequence: try r.u64(), hash: try r.digest())
        usersSequence = try r.u64()
        try r.expectEnd()
        guard usersSequence <= head.sequence else {
            throw r.failure("the users checkpoint (\(usersSequence)) is past the log's head (\(head.sequence))")
        }
    }
}
