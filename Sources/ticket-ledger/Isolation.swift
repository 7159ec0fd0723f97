import ArgumentParser
import Foundation

/// Reads of a store run in a child process (this same executable, run again with
/// `TICKET_LEDGER_ISOLATED=1`), so that whatever bytes are in `data.mdb` the command ends
/// with an exit code, never a signal: liblmdb trusts its page pointers, and a page scribbled
/// over can make it fault (SIGSEGV, SIGBUS) inside the library, where no check of ours can
/// help. The child inherits the standard streams (and so the terminal, for progress).
///
/// Call first thing in `run()`: in the child it returns and the command goes on; in the
/// parent it waits for the child and throws its exit code, or exit code 2 with a message
/// when the child died of a signal.
///
/// With `writes`, the message says that results printed before the crash are durable and
/// nothing else was applied (a write transaction cut short is never committed).
func runIsolated(store dir: String, writes: Bool = false) throws {
    let environment = ProcessInfo.processInfo.environment
    if environment["TICKET_LEDGER_ISOLATED"] == "1" { return }
    let child = Process()
    child.executableURL = Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe")
    child.arguments = Array(CommandLine.arguments.dropFirst())
    child.environment = environment.merging(["TICKET_LEDGER_ISOLATED": "1", "SWIFT_BACKTRACE": "enable=no"]) { _, new in new }
    do {
        try child.run()
    } catch {
        // No child: run in this process instead.
        return
    }
    child.waitUntilExit()
    switch child.terminationReason {
    case .exit:
        throw ExitCode(child.terminationStatus)
    case .uncaughtSignal:
        let outcome = writes
            ? "results printed before it are durable; nothing else was applied"
            : "nothing was written"
        FileHandle.standardError.write(Data((
            "ticket-ledger: the store at '\(dir)' is damaged: reading it crashed the LMDB library (signal \(child.terminationStatus)); \(outcome)\n"
        ).utf8))
        throw ExitCode(2)
    @unknown default:
        throw ExitCode(2)
    }
}
