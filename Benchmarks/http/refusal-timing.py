#!/usr/bin/env python3
"""Times the exchange's refusals: a real ticket with a wrong secret against a made-up ticket.

A caller without the pool's secret must learn nothing about a ticket, so the two must take
the same time. Starts `ticket-ledger serve` on a fresh durable store, issues one real ticket,
then sends N pairs of requests over one keep-alive connection, interleaved (real, made-up,
real, …; the order within each pair alternates), and prints both medians.

    Benchmarks/http/refusal-timing.py [PAIRS] [PATH-TO-ticket-ledger]

Defaults: 2000 pairs, .build/debug/ticket-ledger. Stays well under a minute on two cores.
"""
import base64
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PAIRS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
CLI = sys.argv[2] if len(sys.argv) > 2 else ".build/debug/ticket-ledger"
PORT = 18000 + os.getpid() % 1000
POOL = "timing"


def run(*args):
    return subprocess.run([CLI, *args], check=True, capture_output=True, text=True, timeout=60).stdout.strip()


def made_up_ticket():
    """The real ticket's locator with a random verifier: well formed, but not a ticket."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")
    return "tl1.%016x.%s" % (2, verifier)


def main():
    root = tempfile.mkdtemp(prefix="ticket-ledger-timing-")
    store = os.path.join(root, "store")
    server = None
    try:
        run("pool", "configure", store, "--pool", POOL, "--lifetime", "86400", "--secret", "the-secret")
        real = run("issue", store, "--pool", POOL, "--user", "u1", "--ip", "10.0.0.1")
        env = dict(os.environ, TICKET_LEDGER_ISSUE_KEY="k" * 16, TICKET_LEDGER_TOKEN_KEY="t" * 32)
        server = subprocess.Popen(
            [CLI, "serve", store, "--port", str(PORT), "--sweep-interval", "0"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        conn = None
        for _ in range(200):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                break
            except OSError:
                conn = None
                time.sleep(0.05)
        if conn is None:
            sys.exit("the server did not start")

        def exchange(ticket):
            body = json.dumps({"ticket": ticket, "secret": "not-the-secret"})
            started = time.perf_counter()
            conn.request("POST", "/oauth/app2wxapp/auth/" + POOL, body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            assert response.status == 401, response.status
            return elapsed

        for _ in range(50):  # warm up
            exchange(real)
            exchange(made_up_ticket())
        real_times, made_up_times = [], []
        for i in range(PAIRS):
            if i % 2 == 0:
                real_times.append(exchange(real))
                made_up_times.append(exchange(made_up_ticket()))
            else:
                made_up_times.append(exchange(made_up_ticket()))
                real_times.append(exchange(real))
        real_median = statistics.median(real_times) * 1e6
        made_up_median = statistics.median(made_up_times) * 1e6
        print("pairs %d: real ticket, wrong secret: median %.0f µs (p90 %.0f); made-up ticket: median %.0f µs (p90 %.0f)" % (
            PAIRS, real_median, statistics.quantiles(real_times, n=10)[8] * 1e6,
            made_up_median, statistics.quantiles(made_up_times, n=10)[8] * 1e6))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
