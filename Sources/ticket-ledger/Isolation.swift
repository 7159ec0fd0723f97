import ArgumentParser
import Foundation
import Synchronization

/// Reads of a store run in a child process (this same executable, run again with
/// `TICKET_LEDGER_ISOLATED=1`), so that whatever bytes are in `data.mdb` the command ends
/// with an exit code, never a signal: liblmdb trusts its page pointers, and a page scribbled
/// over can make it fault (SIGSEGV, SIGBUS) inside the library, where no check of ours can
/// help. The child inherits the standard streams (and so the terminal, for progress).
///
/// Call first thing in `run()`: in the child it returns and the command goes on; in the
/// parent it waits for the child and throws its exit code.
///
/// Signals: SIGINT, SIGTERM and SIGHUP sent to the command (Ctrl-C, `kill`, `timeout`) are
/// passed on to the child, which runs the work; a long command stops at a batch boundary
/// (``Interruption``), others end at once — a write transaction cut short is never
/// committed. The child also gets SIGTERM when the parent dies. How the child ended:
/// - an exit code: the command's (130 for SIGINT, 143 for SIGTERM when it stopped itself);
/// - SIGSEGV or SIGBUS: the store is damaged (liblmdb faulted on it), exit 2;
/// - any other signal: it was killed (by us, the OOM killer or an operator), which damages
///   nothing; exit 128 + the signal.
///
/// With `writes`, the messages say that results printed before are durable and nothing
/// else was applied.
func runIsolated(store dir: String, writes: Bool = false) throws {
    let environment = ProcessInfo.processInfo.environment
    if environment["TICKET_LEDGER_ISOLATED"] == "1" {
        // Signals the parent passes on must reach the work, even when they came in blocked.
        SignalForwarding.unblock(SignalForwarding.signals)
        Interruption.watchParent(environment["TICKET_LEDGER_PARENT"].flatMap(Int32.init))
        return
    }
    let child = Process()
    child.executableURL = Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe")
    child.arguments = Array(CommandLine.arguments.dropFirst())
    child.environment = environment.merging([
        "TICKET_LEDGER_ISOLATED": "1", "SWIFT_BACKTRACE": "enable=no", "TICKET_LEDGER_PARENT": "\(getpid())",
    ]) { _, new in new }
    SignalForwarding.start()
    do {
        try child.run()
    } catch {
        // No child: run in this process instead.
        SignalForwarding.stop()
        return
    }
    SignalForwarding.forward(to: child.processIdentifier)
    child.waitUntilExit()
    SignalForwarding.stop()
    switch child.terminationReason {
    case .exit:
        throw ExitCode(child.terminationStatus)
    case .uncaughtSignal:
        let signal = child.terminationStatus
        let outcome = writes
            ? "results printed before it are durable; nothing else was applied"
            : "nothing was written"
        let message: String
        if signal == SIGSEGV || signal == SIGBUS {
            message = "the store at '\(dir)' is damaged: reading it crashed the LMDB library (\(signalName(signal))); \(outcome)"
        } else if SignalForwarding.signals.contains(signal) {
            message = "interrupted by \(signalName(signal)); \(outcome)"
        } else {
            message = "the command's worker process was killed by \(signalName(signal)) (by the system or an operator), "
                + "which does not damage the store; \(outcome)"
        }
        printError(message)
        throw ExitCode(signal == SIGSEGV || signal == SIGBUS ? 2 : 128 + signal)
    @unknown default:
        throw ExitCode(2)
    }
}

/// `SIGKILL (signal 9)` and the like.
func signalName(_ signal: Int32) -> String {
    let names: [Int32: String] = [
        SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT",
        SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGPIPE: "SIGPIPE", SIGTERM: "SIGTERM",
        SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
    ]
    return "\(names[signal] ?? "signal") (signal \(signal))"
}

/// The parent's side: SIGINT, SIGTERM and SIGHUP are passed on to the child. A signal that
/// comes before the child exists is kept and passed on as soon as it does.
enum SignalForwarding {
    static let signals = [SIGINT, SIGTERM, SIGHUP]
    /// The child's pid, 0 before it runs.
    static let child = Atomic<Int32>(0)
    /// A signal that came before the child ran.
    static let pending = Atomic<Int32>(0)

    /// Catches the signals (a handler only touches these atomics and calls `kill`, both
    /// async-signal-safe). Handled signals are reset to their default in the child by exec.
    static func start() {
        unblock(signals)
        for signal in signals {
            _ = Foundation.signal(signal) { received in
                let pid = SignalForwarding.child.load(ordering: .sequentiallyConsistent)
                if pid > 0 { kill(pid, received) } else { SignalForwarding.pending.store(received, ordering: .sequentiallyConsistent) }
            }
        }
    }

    /// Passes signals on to `pid` from now on, and any that came before.
    static func forward(to pid: Int32) {
        child.store(pid, ordering: .sequentiallyConsistent)
        let early = pending.exchange(0, ordering: .sequentiallyConsistent)
        if early != 0 { kill(pid, early) }
    }

    /// Unblocks `signals` in this thread (and so in the threads and child it starts later):
    /// a blocked mask is inherited through exec, and a process started with them blocked
    /// (some test runners, some supervisors do) would never see them.
    static func unblock(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Back to the default actions.
    static func stop() {
        for signal in signals { _ = Foundation.signal(signal, SIG_DFL) }
        child.store(0, ordering: .sequentiallyConsistent)
    }
}
