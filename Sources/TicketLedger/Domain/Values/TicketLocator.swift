/// Where a ticket's state lives: the sequence number of its `TicketIssued` event.
///
/// Locators rise with time, so live tickets share a few hot B-tree pages. A locator alone
/// redeems nothing: the ticket's verifier is needed too.
public struct TicketLocator: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The sequence number of the ticket's `TicketIssued` event.
    public let sequence: UInt64

    /// The locator of the ticket issued at `sequence`.
    public init(sequence: UInt64) { self.sequence = sequence }

    /// Parses the 16 hexadecimal digits that ``description`` prints.
    public init?(_ text: String) {
        guard text.utf8.count == 16, let v = UInt64(text, radix: 16) else { return nil }
        self.sequence = v
    }

    public static func < (a: TicketLocator, b: TicketLocator) -> Bool { a.sequence < b.sequence }

    /// 16 lowercase hexadecimal digits, as shown by `export` and `inspect`.
    public var description: String {
        let hex = String(sequence, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
