/// This build's version: the one place it is written. `ticket-ledger --version` prints it,
/// and CHANGELOG.md's newest entry names it (a test holds the two together).
public enum TicketLedgerVersion {
    /// The semantic version, e.g. `0.1.0`.
    public static let current = "0.1.0"
}
