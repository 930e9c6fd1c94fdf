"""A nightly sweep of N simulated universities on one machine (issue 14), extrapolated to 3,000.

    .venv/bin/python bench/bench_sweep.py [--universities 10,30] [--workers 1,2] [--ports 2]
        [--parallel 8] [--delay 1.0] [--full-delay 0.1] [--per-host 1] [--latency 0.05]
        [--readme bench/README.md] [--no-readme]

N virtual universities (bench/simhosts.py: copies of the demo campus, 19 sites and 36 columns
each, every site a host of its own on 127.A.B.N) are served by ``--ports`` simulator processes.
A config folder gets one ``u0001.yaml`` … per university with ``per_host_concurrency
--per-host`` and ``delay_seconds --delay`` (≤ 1 request/s per host) for the incremental night;
the first (``--full``) night uses ``--full-delay`` (default 0.1 s), because a full backfill at
1 request/s is bound by its busiest host (hundreds of pages: several minutes, more than the 5
minutes a run may take on the shared machine). For each N:

- local: ``python -m monitor --config FOLDER --db sqlite:///… crawl --full --parallel P`` as a
  subprocess (a fresh database; one crawler process, ``--parallel`` institutions at once), then
  the incremental night after it (``crawl``, nothing changed);
- with ``--workers 1,2``: the same full sweep as ``crawl --full --distributed --job-columns
  --job-columns`` over that many ``xxgk worker --concurrency 1`` processes, on a fresh
  PostgreSQL database (127.0.0.1:5432, ``XXGK_BENCH_PG_ADMIN_URL``) and Redis
  (``XXGK_BENCH_REDIS_URL``, default db 14, emptied first); the throughput ratio is the wall
  time with 1 worker over the wall time with k.

Measured per run: wall time of the command, requests (counted by the simulator), requests per
column, the peak RSS of the process tree (the crawl, or the coordinator and the workers, and
every descendant: /proc sampled every 0.2 s, summed), and politeness as the simulator saw it:
hosts that had more than ``per_host_concurrency`` requests in flight at once (violations, goal 0),
the most requests one host started within any second, and the highest mean rate of one host.
Every command is stopped after ``--timeout`` s (default 290: the machine is shared). The
Markdown goes to stdout and between markers into bench/README.md (bench/sections.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sections  # noqa: E402 - bench/sections.py: the script's directory is first on sys.path
import simhosts  # noqa: E402

from monitor.demo import SESSION_COOKIE  # noqa: E402
from monitor.demo.configfile import COOKIE_ENV  # noqa: E402

HEADING = "## A nightly sweep of many universities on one machine (issue 14)"
BEGIN, END = "<!-- bench_sweep:begin -->", "<!-- bench_sweep:end -->"
TARGET_UNIVERSITIES, TARGET_COLUMNS = 3_000, 100_000
PG_ADMIN = os.environ.get("XXGK_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("XXGK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
CHECKLIST = str(ROOT / "config" / "checklist.yaml")


# -- the process tree's memory ------------------------------------------------------------------


def _tree_rss(roots: Sequence[int]) -> int:
    """Bytes of RSS summed over `roots` and all their descendants (now)."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = set(roots), list(roots)
    while frontier:
        pid = frontier.pop()
        children = [child for child, ppid in parent.items() if ppid == pid and child not in tree]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


@contextmanager
def peak_rss(roots: list[int]) -> Iterator[dict[str, int]]:
    """Sample the tree of `roots` (a list that may grow) every 0.2 s; ``found["peak"]`` at the end."""
    found = {"peak": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            found["peak"] = max(found["peak"], _tree_rss(list(roots)))
            stop.wait(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join()


# -- running xxgk -------------------------------------------------------------------------------


def xxgk(folder: Path, db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", "--config", str(folder), "--db", db_url, *args]


def environment() -> dict[str, str]:
    return {**os.environ, COOKIE_ENV: SESSION_COOKIE, "XXGK_BROKER_URL": REDIS, "PYTHONUNBUFFERED": "1"}


def timed(argv: list[str], cwd: Path, timeout: float, roots: list[int]) -> tuple[float, int, str]:
    """Run `argv`; its wall time, peak RSS of its tree (and of `roots`') and the tail of stderr."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=environment(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    with peak_rss([*roots, process.pid]) as rss:
        try:
            _, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=60)
            except subprocess.TimeoutExpired:  # the coordinator can outlive SIGINT: never leave it
                process.kill()
                process.communicate()
            raise SystemExit(f"bench_sweep: {' '.join(argv[3:])} took more than {timeout:.0f} s") from None
    wall = time.perf_counter() - start
    if process.returncode not in (0, 1):  # 1: some column could not be checked (the down site)
        raise SystemExit(f"bench_sweep: {' '.join(argv[3:])} exited {process.returncode}: {err[-2000:]}")
    return wall, rss["peak"], err[-2000:]


def measure(sim: simhosts.SimHosts, name: str, wall: float, rss: int, columns: int) -> dict[str, Any]:
    stats = sim.snapshot(reset_apps=True)
    return {
        "run": name, "wall": wall, "rss": rss, "requests": stats.requests, "columns": columns,
        "violations": len(stats.violations), "max_concurrency": stats.max_concurrency,
        "max_per_second": stats.max_in_window(1.0), "busiest_rate": stats.busiest_rate(),
        "wrong_host": stats.wrong_host_header, "hosts_seen": len(stats.served),
        "busiest_host": max(stats.served.values(), default=0),
    }  # fmt: skip


@contextmanager
def pg_database() -> Iterator[str]:
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.pool import NullPool

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"xxgk_bench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def distributed(
    sim: simhosts.SimHosts, folder: Path, work: Path, count: int, args: argparse.Namespace, today: str
) -> dict[str, Any]:
    import redis

    client = redis.Redis.from_url(REDIS)
    client.flushdb()
    run_dir = work / f"dist{count}"
    run_dir.mkdir()
    with pg_database() as db_url:
        init = subprocess.run(
            xxgk(folder, db_url, "init"), cwd=run_dir, env=environment(), capture_output=True
        )
        if init.returncode != 0:
            raise SystemExit(f"bench_sweep: xxgk init failed: {init.stderr.decode()[-2000:]}")
        workers = []
        try:
            for k in range(count):
                argv = xxgk(folder, db_url, "worker", "--concurrency", "1", "--job-timeout",
                            str(int(args.timeout)), "--name", f"bench{k}")  # fmt: skip
                log = (run_dir / f"worker{k}.log").open("wb")
                workers.append(subprocess.Popen(argv, cwd=run_dir, env=environment(), stdout=log,
                                                stderr=subprocess.STDOUT))  # fmt: skip
            time.sleep(5)  # the workers connect to the broker (Celery's start-up)
            sim.snapshot(reset_apps=True)
            crawl = xxgk(folder, db_url, "crawl", "--full", "--distributed", "--job-columns",
                         str(args.job_columns), "--today", today)  # fmt: skip
            wall, rss, _ = timed(crawl, run_dir, args.timeout, [w.pid for w in workers])
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
    client.flushdb()
    client.close()
    columns = len(sim.campuses) * sum(len(site.columns) for site in sim.campuses[0].sites())
    return {"workers": count, **measure(sim, f"--full --distributed, {count} worker(s)", wall, rss, columns)}


def sweep(count: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    today_date = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    today = today_date.isoformat()
    built = time.perf_counter()
    campuses = simhosts.sim_campuses(count, today=today_date)
    columns = count * sum(len(site.columns) for site in campuses[0].sites())
    result: dict[str, Any] = {"universities": count, "columns": columns, "runs": [], "distributed": []}
    with simhosts.SimHosts(campuses, ports=args.ports, limit=args.per_host, latency=args.latency) as sim:
        result["hosts"] = sim.hosts
        result["build_s"] = time.perf_counter() - built
        folder = work / f"sweep{count}"
        local = work / f"local{count}"
        local.mkdir()
        db = f"sqlite:///{local / 'xxgk.db'}"
        sim.snapshot(reset_apps=True)
        runs = [
            (f"--full (first night), delay {args.full_delay} s", ("--full",), args.full_delay, args.parallel),
            (f"incremental night after it, delay {args.delay} s", (), args.delay, args.parallel),
        ] + [
            (f"the same night again, --parallel {n}", (), args.delay, n)
            for n in args.night_parallel
            if n != args.parallel
        ]
        for name, extra, delay, parallel in runs:
            sim.write_folder(folder, checklist_path=CHECKLIST, delay_seconds=delay)
            argv = xxgk(folder, db, "crawl", *extra, "--parallel", str(parallel), "--today", today)
            wall, rss, _ = timed(argv, local, args.timeout, [])
            result["runs"].append(measure(sim, name, wall, rss, columns))
            print(f"bench_sweep: {count} universities, {name}: {wall:.1f} s", file=sys.stderr)
        sim.write_folder(folder, checklist_path=CHECKLIST, delay_seconds=args.full_delay)
        for workers in args.workers:
            row = distributed(sim, folder, work, workers, args, today)
            result["distributed"].append(row)
            print(
                f"bench_sweep: {count} universities, {workers} worker(s): {row['wall']:.1f} s",
                file=sys.stderr,
            )
    return result


# -- the Markdown -------------------------------------------------------------------------------


def _row(run: dict[str, Any]) -> str:
    columns = run["columns"]
    return (
        f"| {run['run']} | {run['wall']:.1f} s | {run['requests']:,} | {run['requests'] / columns:.2f} | "
        f"{columns / run['wall']:.1f} | {run['rss'] / 2**20:.0f} MiB | **{run['violations']}** "
        f"(most in flight on one host: {run['max_concurrency']}) | {run['max_per_second']} / "
        f"{run['busiest_rate']:.2f} | {run['busiest_host']} |"
    )


def section(results: list[dict[str, Any]], args: argparse.Namespace, machine_line: str, cmd: str) -> str:
    lines = [
        BEGIN,
        f"Measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `{cmd}`.",
        "",
        f"- Machine: {machine_line}; shared with other sessions' tests and benchmarks during the run "
        f"(load average {os.getloadavg()[0]:.1f} at the end).",
        f"- Simulator (bench/simhosts.py): copies of the demo campus (small scale: 19 sites, 36 columns, "
        f"the demo's CMS families, one login, one blocked and one down site each), every site its own "
        f"host on 127.A.B.N, served by {args.ports} processes (one port each), {args.latency * 1000:.0f} ms "
        f"before each answer.",
        f"- Politeness in the configs: `per_host_concurrency: {args.per_host}`, `delay_seconds: "
        f"{args.delay}` (Scrapy's DOWNLOAD_DELAY, randomised 0.5–1.5×, AutoThrottle on). A violation "
        f"is a host that saw more than {args.per_host} request(s) in flight at once (goal 0).",
        "",
        "| universities (columns, hosts) | run | wall | requests | per column | columns/s | peak RSS "
        "(tree) | politeness violations | most requests of one host in 1 s / highest mean rate "
        "of one host (/s) | requests of the busiest host |",
        "|---|---|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for result in results:
        label = f"{result['universities']} ({result['columns']:,}, {result['hosts']:,})"
        for run in result["runs"] + result["distributed"]:
            lines.append(f"| {label} " + _row(run))
    lines.append("")
    for result in results:
        full, night = result["runs"][0], result["runs"][1]
        scale = TARGET_COLUMNS / result["columns"]
        full_h = full["wall"] * scale / 3600
        night_h = night["wall"] * scale / 3600
        lines.append(
            f"- From {result['universities']} universities ({result['columns']:,} columns) to "
            f"{TARGET_UNIVERSITIES:,} (~{TARGET_COLUMNS:,} columns), linearly (×{scale:.0f}; assumes "
            f"one crawl process's throughput in columns/s stays what it was here, i.e. the night is "
            f"bound by the crawler's CPU, not by politeness, since every host's own queue at 1 request/s "
            f"does not grow with the number of universities): full sweep **{full_h:.1f} h**, incremental "
            f"night **{night_h:.1f} h** (goal ≤ 1 h); {full['requests'] * scale:,.0f} and "
            f"{night['requests'] * scale:,.0f} requests."
        )
        dist = {row["workers"]: row for row in result["distributed"]}
        if 1 in dist:
            ratios = ", ".join(
                f"{k} workers {dist[1]['wall'] / row['wall']:.2f}×"
                for k, row in sorted(dist.items())
                if k != 1
            )
            lines.append(
                f"- Distributed at {result['universities']} universities, throughput over 1 worker "
                f"(wall with 1 ÷ wall with k; goal ≥ 1.8× with 2): {ratios or 'only 1 worker run'}."
            )
    if len(results) > 1:
        lines += _slopes(results)
    lines.append(END)
    return "\n".join(lines)


def _slopes(results: list[dict[str, Any]]) -> list[str]:
    """Each night's wall as a fixed part plus a part per university, from the two largest sizes
    (the start-up of the one crawler process is paid once a night, not once per university)."""
    small, large = sorted(results, key=lambda result: result["universities"])[-2:]
    extra = large["universities"] - small["universities"]
    found = []
    for index, what in ((0, "full sweep"), (1, "incremental night")):
        a, b = small["runs"][index]["wall"], large["runs"][index]["wall"]
        per = (b - a) / extra
        projected = b + per * (TARGET_UNIVERSITIES - large["universities"])
        goal = " (goal ≤ 1 h)" if index == 1 else ""
        found.append(
            f"- {what.capitalize()} by the slope from {small['universities']} to {large['universities']} "
            f"universities: {per:.2f} s per university more, fixed part "
            f"{b - per * large['universities']:.1f} s; "
            f"projected to {TARGET_UNIVERSITIES:,}: **{projected / 3600:.2f} h**{goal}."
        )
    return found


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--universities", type=_ints, default=[10, 30], help="sizes, e.g. 10,30")
    parser.add_argument("--workers", type=_ints, default=[], help="distributed runs, e.g. 1,2")
    parser.add_argument("--job-columns", type=int, default=36, help="columns per distributed job")
    parser.add_argument("--ports", type=int, default=2, help="simulator processes (one port each)")
    parser.add_argument(
        "--parallel", type=int, default=8, help="institutions crawled at once (crawl --parallel)"
    )
    parser.add_argument(
        "--night-parallel",
        type=_ints,
        default=[],
        help="the incremental night again at these --parallel, e.g. 32",
    )
    parser.add_argument("--per-host", type=int, default=1, help="per_host_concurrency in the configs")
    parser.add_argument("--delay", type=float, default=1.0, help="delay_seconds of the incremental night")
    parser.add_argument("--full-delay", type=float, default=0.1, help="delay_seconds of the --full runs")
    parser.add_argument("--latency", type=float, default=0.05, help="simulated seconds per answer")
    parser.add_argument("--timeout", type=float, default=290.0, help="seconds per command at most")
    parser.add_argument("--readme", type=Path, default=ROOT / "bench" / "README.md")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        results = [sweep(count, args, work) for count in args.universities]
        cmd = ("bench/bench_sweep.py " + " ".join(sys.argv[1:])).strip()
        generated = section(results, args, sections.machine(), cmd)
        print(generated)
        if not args.no_readme:
            sections.write(args.readme, generated, heading=HEADING, begin=BEGIN, end=END)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
