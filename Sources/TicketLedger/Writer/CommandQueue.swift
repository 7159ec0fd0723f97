/// The queue between callers and the writer thread: callers append; the writer takes
/// everything waiting at once, which is what makes a batch.
final class CommandQueue: @unchecked Sendable {
    // @unchecked Sendable: every field is touched only while holding `lock`.
    private let lock = POSIX.ConditionLock()
    private var pending: [PendingCommand] = []
    private var stopping = false

    init() {
        pending.reserveCapacity(1024)
    }

    /// Queues `command`; false when the queue is stopping (the ledger is closing).
    func enqueue(_ command: PendingCommand) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !stopping else { return false }
        pending.append(command)
        if pending.count == 1 { lock.signal() }
        return true
    }

    /// Waits for commands and takes up to `limit` of them; `nil` once stopped and drained.
    func take(limit: Int) -> [PendingCommand]? {
        lock.lock()
        defer { lock.unlock() }
        while pending.isEmpty {
            if stopping { return nil }
            lock.wait()
        }
        if pending.count <= limit {
            var taken: [PendingCommand] = []
            taken.reserveCapacity(Swift.max(pending.capacity, 64))
            swap(&taken, &pending)
            return taken
        }
        let taken = Array(pending.prefix(limit))
        pending.removeFirst(limit)
        return taken
    }

    /// Refuses new commands; the writer drains what is queued, then `take` returns `nil`.
    func stop() {
        lock.lock()
        stopping = true
        lock.broadcast()
        lock.unlock()
    }
}
