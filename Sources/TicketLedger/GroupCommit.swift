import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// A reply a blocked thread waits for.
final class BlockingReply: @unchecked Sendable {
    // @unchecked Sendable: `result` is written once by the writer thread before `signal()`
    // and read by the waiting thread only after `wait()` returns; the semaphore orders them.
    private let semaphore = DispatchSemaphore(value: 0)
    private var result: Result<Reply, LedgerError> = .failure(.closed)

    func fill(_ result: Result<Reply, LedgerError>) {
        self.result = result
        semaphore.signal()
    }

    func wait() -> Result<Reply, LedgerError> {
        semaphore.wait()
        return result
    }
}

/// A command waiting for the writer, and where its reply goes.
struct PendingCommand: Sendable {
    let command: Command
    let sink: ReplySink
}

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

/// Monotonic nanoseconds, for latency figures.
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Starts a detached thread running `body` (the writer; Foundation's `Thread` is not needed).
/// Returns the `pthread_create` error, or 0.
func startThread(named name: String, _ body: @escaping @Sendable () -> Void) -> Int32 {
    final class Box: @unchecked Sendable {
        // @unchecked Sendable: handed to the new thread once, never shared after.
        let body: @Sendable () -> Void
        let name: String
        init(_ body: @escaping @Sendable () -> Void, _ name: String) {
            self.body = body
            self.name = name
        }
    }
    let box = Unmanaged.passRetained(Box(body, name)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { raw in
        guard let raw else { return nil }
        let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
        box.body()
        return nil
    }, box)
    if rc == 0 {
        pthread_detach(thread)
    } else {
        Unmanaged<Box>.fromOpaque(box).release()
    }
    return rc
}
