// libFuzzer target: the event decoder, the projection and metadata records, the ticket parser
// and the validation of caller text. Built only with TICKET_LEDGER_FUZZ=1 and
// `-sanitize=fuzzer` (see Fuzz/run.sh); `-parse-as-library` keeps Swift's own `main` out.
@_spi(Fuzzing) import TicketLedger

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    // The first byte picks the decoder, so one corpus reaches all of them.
    let selector = bytes[0]
    let rest = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
    switch selector % 4 {
    case 0:
        _ = FuzzEntry.eventRecord(rest)
        precondition(FuzzEntry.eventRoundTrips(rest), "a decoded event does not survive re-encoding")
    case 1:
        if let text = FuzzEntry.ticketText(rest) {
            precondition(Array(text.utf8) == Array(rest), "a ticket parsed from text that is not its canonical form")
        }
    case 2:
        _ = FuzzEntry.projectionRecords(rest)
    default:
        _ = FuzzEntry.callerText(rest)
    }
    return 0
}

/// libFuzzer's driver (it is what libFuzzer's own `main` calls).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links executables with `main` renamed to `<module>_main`: this is that entry point,
/// and it hands over to libFuzzer.
@_cdecl("TicketLedgerFuzz_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput)
}
