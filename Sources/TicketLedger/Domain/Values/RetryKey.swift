/// The key that makes a redemption safe to retry (HTTP `Idempotency-Key`): 1 to 255 bytes of
/// printable ASCII, chosen by the caller, one per exchange attempt it may repeat. Only its
/// digest, bound to the ticket, reaches the log: SHA-256("tl-retry" ‖ locator ‖ key).
public struct RetryKey: Sendable, Hashable {
    /// The key as the caller gave it.
    public let text: String
    /// The most bytes a key may have.
    public static let maxLength = 255

    /// Checks `text`: 1 to ``maxLength`` bytes of printable ASCII.
    public init(_ text: String) throws(LedgerError) {
        guard (1...Self.maxLength).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x21 && $0 < 0x7f }) else {
            throw .invalidArgument("idempotency key", "must be 1 to \(Self.maxLength) bytes of printable ASCII, without spaces")
        }
        self.text = text
    }

    /// Its digest for the ticket at `locator`, as the consume records it.
    func digest(for locator: TicketLocator) -> SHA256Digest {
        var bytes = Array("tl-retry".utf8)
        bytes += locator.sequence.bigEndianBytes
        bytes += Array(text.utf8)
        return SHA256Digest.of(bytes)
    }
}
