/// A command waiting for the writer, and where its reply goes.
struct PendingCommand: Sendable {
    let command: Command
    let sink: ReplySink
}
