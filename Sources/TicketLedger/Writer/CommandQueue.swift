#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The queue between callers and the writer thread: callers append; the writer takes
/// everything waiting at once, which is what makes a batch.
final class CommandQueue: @unchecked Sendable {
    // @unchecked Sendable: every field is touched only while holding `mutex`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var pending: [PendingCommand] = []
    private var stopping = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        pending.reserveCapacity(1024)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Queues `command`; false when the queue is stopping (the ledger is closing).
    func enqueue(_ command: PendingCommand) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !stopping else { return false }
        pending.append(command)
        if pending.count == 1 { pthread_cond_signal(condition) }
        return true
    }

    /// Waits for commands and takes up to `limit` of them; `nil` once stopped and drained.
    func take(limit: Int) -> [PendingCommand]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while pending.isEmpty {
            if stopping { return nil }
            pthread_cond_wait(condition, mutex)
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
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }
}
