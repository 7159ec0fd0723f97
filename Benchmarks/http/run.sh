#!/usr/bin/env bash
# Load test of the HTTP exchange: a durable store (DURABILITY=none to see the HTTP ceiling), pre-issued tickets, wrk with 64
# connections on loopback. Usage: Benchmarks/http/run.sh [TICKETS] [DURATION] [USERS]
# The tickets go to USERS users in turn (100,000 by default, as `ticket-ledger bench` draws its
# users: consecutive exchanges rarely share a user); USERS=1 sends all to one user, the best
# case for the users overlay.
# Needs wrk (apt-get install wrk) and a release build:
#   swift build -c release --product ticket-ledger
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release/ticket-ledger}
COUNT=${1:-250000}
DURATION=${2:-15s}
USERS=${3:-100000}
PORT=${PORT:-18080}
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN" pool configure "$WORK/store" --pool bench --lifetime 3600 --secret bench-secret >/dev/null
if [ "$USERS" -gt 1 ]; then spread=(--users "$USERS"); else spread=(); fi
"$BIN" issue "$WORK/store" --pool bench --user bench-user --ip 10.0.0.1 --count "$COUNT" "${spread[@]}" > "$WORK/tickets.txt"
export TICKET_LEDGER_ISSUE_KEY=bench-issue-key-0123456789
export TICKET_LEDGER_TOKEN_KEY=bench-token-key-0123456789-0123456789
"$BIN" serve "$WORK/store" --host 127.0.0.1 --port "$PORT" --durability "${DURABILITY:-durable}" &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

TICKETS="$WORK/tickets.txt" POOL=bench SECRET=bench-secret THREADS=2 \
  wrk -t2 -c64 -d"$DURATION" --latency -s Benchmarks/http/exchange.lua "http://127.0.0.1:$PORT"
curl -s "http://127.0.0.1:$PORT/metrics" | grep '^ticket_exchanges_total{outcome="\(redeemed\|alreadyConsumed\|failed\)"}'
