/// Where a command's reply goes: a blocked thread or a suspended task.
enum ReplySink: Sendable {
    case blocking(BlockingReply)
    case async(AsyncSink)

    func deliver(_ result: Result<Reply, LedgerError>) {
        switch self {
        case .blocking(let slot): slot.fill(result)
        case .async(let sink): sink.resume(result)
        }
    }
}
