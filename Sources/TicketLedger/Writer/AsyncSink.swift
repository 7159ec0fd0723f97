/// The async sink's continuation, boxed so `ReplySink` stays simple.
struct AsyncSink: Sendable {
    let resume: @Sendable (Result<Reply, LedgerError>) -> Void
}
