import ArgumentParser
import Foundation
import Synchronization

/// The work's side of a signal (in the child process, see `runIsolated`): a command that
/// loops over batches catches SIGINT, SIGTERM and SIGHUP, finishes the batch it is in, says
/// what it did and exits 128 + the signal (130, 143, 129). Commands that do not call
/// ``catchSignals()`` end at once on a signal; a write transaction cut short is never
/// committed, so nothing is half-applied either way.
enum Interruption {
    /// The signal received, 0 while none was.
    private static let received = Atomic<Int32>(0)
    /// The work is blocked reading its input (``LineReader``), between batches: a signal
    /// then ends the process at once, which leaves nothing half-done.
    private static let waiting = Atomic<Bool>(false)
    /// The pid of the `ticket-ledger` that started this child (0: none, or not isolated).
    private static let parent = Atomic<Int32>(0)

    /// Remembers the parent: a loop also stops when it dies (SIGKILL to the command, which
    /// cannot be passed on), as if it had been sent SIGTERM.
    static func watchParent(_ pid: Int32?) {
        parent.store(pid ?? 0, ordering: .relaxed)
    }

    /// From now on SIGINT, SIGTERM and SIGHUP only mark the work as interrupted (a handler
    /// that stores an atomic, which is async-signal-safe); loops check ``signal``.
    static func catchSignals() {
        SignalForwarding.unblock(SignalForwarding.signals)
        for signal in SignalForwarding.signals {
            _ = Foundation.signal(signal) { received in
                Interruption.received.store(received, ordering: .sequentiallyConsistent)
                if Interruption.waiting.load(ordering: .sequentiallyConsistent) {
                    // Blocked on input: die of the signal (the parent reports it); signal()
                    // and raise() are async-signal-safe.
                    _ = Foundation.signal(received, SIG_DFL)
                    raise(received)
                }
            }
        }
    }

    /// Runs `read`, a blocking read of input between batches, so that a signal during it ends
    /// the process; throws ``Interrupted`` instead when a signal came before it.
    static func whileWaitingForInput<R>(_ read: () throws -> R) throws -> R {
        waiting.store(true, ordering: .sequentiallyConsistent)
        defer { waiting.store(false, ordering: .sequentiallyConsistent) }
        if received.load(ordering: .sequentiallyConsistent) != 0 { throw Interrupted() }
        return try read()
    }

    /// A signal came while the work was about to wait for input.
    struct Interrupted: Error {}

    /// The signal that asked the work to stop, if one did (SIGTERM when the parent died).
    static var signal: Int32? {
        let received = received.load(ordering: .sequentiallyConsistent)
        if received != 0 { return received }
        let parent = parent.load(ordering: .relaxed)
        if parent != 0 && getppid() != parent { return SIGTERM }
        return nil
    }

    /// Ends the command after an interruption: says so and what was done (`done`, e.g.
    /// "after issuing 8192 tickets, all printed above"), and exits 128 + the signal.
    static func stop(_ signal: Int32, _ done: String) throws -> Never {
        printError("interrupted by \(signalName(signal)) \(done); nothing else was applied")
        throw ExitCode(128 + signal)
    }
}
