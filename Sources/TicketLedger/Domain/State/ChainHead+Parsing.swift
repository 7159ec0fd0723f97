extension ChainHead {
    /// Parses `SEQ:HEX` (a decimal sequence, a colon, 64 hexadecimal digits), as `digest` prints it.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let sequence = UInt64(parts[0]), let hash = SHA256Digest(hex: String(parts[1])) else { return nil }
        self.init(sequence: sequence, hash: hash)
    }
}
