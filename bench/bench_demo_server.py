"""How many requests per second the demo campus server answers, measured from other processes.

Starts ``python -m monitor.demo.server --port 0`` in a subprocess, warms its page cache with one
pass over every list page and article of the readable sites, then runs keep-alive HTTP/1.1
clients (``http.client``) in ``--clients`` processes for ``--requests`` requests each, and prints
the rate. Loopback only; bounded; no external tools.

    .venv/bin/python bench/bench_demo_server.py [--scale small|hit] [--clients 2] [--requests 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import re
import subprocess
import sys
import time
from multiprocessing import Pool

from monitor.demo import build_campus, expected_outcomes
from monitor.demo.paging import list_urls

Target = tuple[str, str]  # (ip, path)


def _targets(scale: str, today: dt.date) -> list[Target]:
    campus = build_campus(today=today, scale=scale)
    outcomes = expected_outcomes(campus)
    targets = []
    for site in campus.sites():
        for column in site.columns:
            if outcomes[(site.id, column.id)] != "ok" or column.behaviour == "flaky":
                continue
            targets += [(site.ip, path) for path in list_urls(column)]
            targets += [(site.ip, item.href) for item in column.items if not item.external]
    return targets


def _client(job: tuple[int, list[Target], int, int]) -> tuple[int, int]:
    """Send ``count`` GETs, cycling through targets from ``offset``; return (done, non-200)."""
    port, targets, offset, count = job
    connections: dict[str, http.client.HTTPConnection] = {}
    errors = 0
    for n in range(count):
        ip, path = targets[(offset + n) % len(targets)]
        conn = connections.get(ip) or connections.setdefault(
            ip, http.client.HTTPConnection(ip, port, timeout=10)
        )
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        errors += response.status != 200
    return count, errors


def _start_server(scale: str, today: dt.date) -> tuple[subprocess.Popen[str], int]:
    command = [sys.executable, "-m", "monitor.demo.server", "--port", "0", "--scale", scale]
    server = subprocess.Popen([*command, "--today", today.isoformat()], stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    for line in server.stderr:
        found = re.search(r"on port (\d+)", line)
        if found:
            return server, int(found.group(1))
    raise RuntimeError("the demo server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("small", "hit"), default="small")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--requests", type=int, default=5000, help="per client")
    args = parser.parse_args()
    today = dt.date.today()
    targets = _targets(args.scale, today)
    server, port = _start_server(args.scale, today)
    try:
        with Pool(args.clients) as pool:
            started = time.perf_counter()
            pool.map(_client, [(port, targets, 0, len(targets))])
            warm = time.perf_counter() - started
            jobs = [(port, targets, i * 997, args.requests) for i in range(args.clients)]
            started = time.perf_counter()
            results = pool.map(_client, jobs)
            elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    done, errors = sum(r[0] for r in results), sum(r[1] for r in results)
    cold_rate, warm_rate = len(targets) / warm, done / elapsed
    print(f"cold pass (render + serve): {len(targets)} pages in {warm:.2f} s = {cold_rate:,.0f} pages/s")
    print(f"warm: {done} requests by {args.clients} clients in {elapsed:.2f} s = {warm_rate:,.0f} requests/s")
    print(f"non-200 answers: {errors}")


if __name__ == "__main__":
    main()
