/// What `LedgerReading/backup(to:)` wrote.
public struct BackupReport: Sendable, Hashable, Encodable {
    /// The directory holding the copy.
    public var destination: String
    /// The copy's chain head: every event up to it is in the copy.
    public var head: ChainHead
    /// The size of the copy's `data.mdb`.
    public var bytes: Int

    private enum CodingKeys: String, CodingKey { case destination, head, bytes }

    /// Encodes the head as `SEQ:HEX`, as `digest` prints it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(destination, forKey: .destination)
        try c.encode(head.description, forKey: .head)
        try c.encode(bytes, forKey: .bytes)
    }
}
