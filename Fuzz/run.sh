#!/bin/sh
# Builds the libFuzzer target (with AddressSanitizer) in its own scratch directory and runs it.
#   Fuzz/run.sh [SECONDS] [extra libFuzzer flags…]      default: 60 s
# The corpus grows in fuzz-out/corpus; crashing inputs land in fuzz-out/
# (reproduce one: .build-fuzz/debug/TicketLedgerFuzz fuzz-out/crash-…).
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
TICKET_LEDGER_FUZZ=1 swift build --scratch-path .build-fuzz --product TicketLedgerFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
mkdir -p fuzz-out/corpus
exec .build-fuzz/debug/TicketLedgerFuzz -max_total_time="$seconds" -artifact_prefix=fuzz-out/ "$@" fuzz-out/corpus
