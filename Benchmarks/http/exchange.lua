-- wrk script: every request exchanges a distinct pre-issued ticket, once.
--
--   TICKETS=tickets.txt POOL=bench SECRET=bench-secret \
--     wrk -t2 -c64 -d20s --latency -s Benchmarks/http/exchange.lua http://127.0.0.1:8080
--
-- Each wrk thread takes every Nth line of $TICKETS (N = the number of threads), so no
-- ticket is sent twice. When a thread runs out it stops sending (wrk then reports fewer
-- requests, never replays). Answers other than 200 are counted and printed at the end.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local path = os.getenv("TICKETS") or "tickets.txt"
  local pool = os.getenv("POOL") or "bench"
  local secret = os.getenv("SECRET") or "bench-secret"
  local nthreads = tonumber(os.getenv("THREADS") or "2")
  tickets = {}
  local i = 0
  for line in io.lines(path) do
    if i % nthreads == id then table.insert(tickets, line) end
    i = i + 1
  end
  nextTicket = 1
  failures = 0
  exhausted = 0
  prefix = '{"secret":"' .. secret .. '","ticket":"'
  route = "/oauth/app2wxapp/auth/" .. pool
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local ticket = tickets[nextTicket]
  if ticket == nil then
    exhausted = exhausted + 1
    -- Out of tickets: ask for the health check instead of replaying one.
    return wrk.format("GET", "/healthz")
  end
  nextTicket = nextTicket + 1
  return wrk.format("POST", route, nil, prefix .. ticket .. '"}')
end

function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end

function done(summary, latency, requests)
  local used, failed, empty = 0, 0, 0
  for _, t in ipairs(threads) do
    used = used + (t:get("nextTicket") - 1)
    failed = failed + t:get("failures")
    empty = empty + t:get("exhausted")
  end
  io.write(string.format("tickets exchanged: %d, non-200 answers: %d, requests after running out: %d\n",
    used, failed, empty))
  io.write(string.format("exchanges/s: %.0f, p50 %.2f ms, p99 %.2f ms\n",
    used / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
