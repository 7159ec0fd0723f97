import Dispatch
import Synchronization

extension Auditor {
    /// Records (payloads copied out of the map, and prepared) on their way from the reading
    /// thread to the replaying one: a bounded queue of batches whose buffers are reused, so
    /// memory stays flat however long the log is.
    final class EventChannel: Sendable {
        /// Payloads back to back, and each one prepared (``PreparedEvent/Kind/undecodable`` for a
        /// record the reading thread already reported) by the preparer `preparer` names.
        struct Batch: Sendable {
            var bytes: [UInt8] = []
            var events: [PreparedEvent] = []
            var preparer: UInt64 = 0
            /// The chain's links of the batch's records, each with where its payload is in
            /// `bytes`, for the hashing thread (``Auditor/hashChain(expect:limit:from:to:)``).
            var links: [(link: ChainVerifier.Link, start: Int, count: Int)] = []
        }
        /// Records a batch holds (fewer, and the threads wait on each other more often; more,
        /// and the batches in flight take more memory).
        static let batchSize = 2048
        private let spare = Mutex<[Batch]>([])
        private let slots: DispatchSemaphore
        private let capacity: Int
        private let items = DispatchSemaphore(value: 0)
        private let queue = Mutex<(batches: [Batch], finished: Bool, cancelled: Bool)>(([], false, false))
        private let result = Mutex<Result<ChainResult, LedgerError>?>(nil)
        /// The replay at the head and the replaying thread's snapshot, or `nil` (see ``handOver(_:snapshot:users:)``).
        private let handed = Mutex<(replay: CompactReplay, snapshot: Int, users: (chunks: UserChunks, at: UInt64)?)?>(nil)
        private let handedOver = DispatchSemaphore(value: 0)

        /// A channel that holds at most `capacity` batches queued.
        init(capacity: Int = 4) {
            self.capacity = capacity
            slots = DispatchSemaphore(value: capacity)
        }

        /// The replaying thread is done with the log: `replay` (at the head; `nil` when it gave
        /// up) for the reading thread to compare tickets, pools and the expiry index with, when
        /// its read transaction's snapshot is `snapshot` too. Called once.
        /// With `users`, the stored users still to compare at that sequence, in chunks both
        /// threads take.
        func handOver(_ replay: CompactReplay?, snapshot: Int, users: (chunks: UserChunks, at: UInt64)? = nil) {
            handed.withLock { $0 = replay.map { ($0, snapshot, users) } }
            handedOver.signal()
        }

        /// What ``handOver(_:snapshot:users:)`` gave, once it did.
        func takeOver() -> (replay: CompactReplay, snapshot: Int, users: (chunks: UserChunks, at: UInt64)?)? {
            handedOver.wait()
            return handed.withLock { $0 }
        }

        /// The sender sent its last batch (``finish(_:)`` follows).
        func endOfEvents() {
            queue.withLock { $0.finished = true }
            items.signal()
        }

        /// Queues a batch, waiting while `capacity` are queued; `false` once the reader gave up.
        func send(_ batch: Batch) -> Bool {
            slots.wait()
            let cancelled = queue.withLock { state -> Bool in
                if !state.cancelled { state.batches.append(batch) }
                return state.cancelled
            }
            items.signal()
            return !cancelled
        }

        /// The next batch, or `nil` once the sender finished and everything was taken.
        func receive() -> Batch? {
            while true {
                items.wait()
                let next = queue.withLock { state -> (Batch?, Bool) in
                    state.batches.isEmpty ? (nil, state.finished) : (state.batches.removeFirst(), false)
                }
                if let batch = next.0 {
                    slots.signal()
                    return batch
                }
                if next.1 { return nil }
            }
        }

        /// An empty batch, reusing the buffers of one the receiver is done with.
        func emptyBatch() -> Batch {
            if let batch = spare.withLock({ $0.popLast() }) { return batch }
            var batch = Batch()
            batch.bytes.reserveCapacity(Self.batchSize * 160)
            batch.events.reserveCapacity(Self.batchSize)
            batch.links.reserveCapacity(Self.batchSize)
            return batch
        }

        /// Hands a processed batch back for reuse.
        func recycle(_ batch: Batch) {
            var batch = batch
            batch.bytes.removeAll(keepingCapacity: true)
            batch.events.removeAll(keepingCapacity: true)
            batch.links.removeAll(keepingCapacity: true)
            spare.withLock { if $0.count < 8 { $0.append(batch) } }
        }

        /// The sender is done (with the chain check's outcome).
        func finish(_ outcome: Result<ChainResult, LedgerError>) {
            result.withLock { $0 = outcome }
            queue.withLock { $0.finished = true }
            items.signal()
        }

        /// The receiver gave up: the sender stops at its next batch.
        func cancel() {
            queue.withLock { $0.cancelled = true; $0.batches = [] }
            for _ in 0..<capacity { slots.signal() }
        }

        func outcome() throws(LedgerError) -> ChainResult {
            guard let outcome = result.withLock({ $0 }) else {
                throw LedgerError.storage(path: "", operation: "audit", message: "the chain check did not finish")
            }
            return try outcome.get()
        }
    }
}
