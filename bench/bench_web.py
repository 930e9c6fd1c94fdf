"""The dashboard load benchmark of issue #6: overview, checklist and site pages at 1,000,000 items.

    .venv/bin/python bench/bench_web.py [--items 1000000] [--backends sqlite,postgresql]
        [--commits HEAD] [--duration 65] [--warmup 10] [--connections 4] [--threads 1] [--workers 1]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--readme bench/README.md] [--no-readme] [--worktree] [--keep]

The data is bench_check.py's, built by its modules (check_institution, check_load and
check_backends, imported, not copied): a synthetic
institution of 3 campuses, 100 sites x 4 columns = 400 columns, 1,000,000 items over two years,
ten nightly crawl runs; an SQLite file and a PostgreSQL database ``xxgk_bench_<hex>`` (dropped
at the end). Then, per backend: ``xxgk init``, the load, ``xxgk check --format json`` once (it
classifies every title, minutes; PostgreSQL gets ``VACUUM ANALYZE`` after the load and after
it, as in bench_check), and ``xxgk user add bench --role office --password-stdin``.

The code measured is a clean export (``git archive``) of each of ``--commits`` (default HEAD;
``--worktree``: the work tree), run in that order against the same database, each as
``xxgk serve --port P`` in its own process (uvicorn, one worker: the product's default; ``--workers
N`` passes ``--workers N``), after an
``xxgk init`` with that code (a no-op unless it brings a migration). For each:

1. The bench logs in over HTTP (GET /login for the CSRF token, POST /login) and keeps the session
   cookie. The *first* request to each page is timed on its own: the first one to ``/`` judges
   the latest check (the dashboard re-judges it read-only and keeps it a minute), the others
   meet a warm judgement but cold queries. Each page's body is checked once for real content
   (every site name on the overview, 50 checklist rows, the site's name and SVG charts).
2. Load from a separate process: ``wrk -t{threads} -c{connections} -d{duration}s --timeout 60s``
   with the session cookie, after a ``--warmup`` run of the same shape, one page at a time. A Lua
   script (``done()``) prints p50/p90/p95/p99/max from wrk's latency histogram, and counts every
   answer that is not 200 (wrk itself counts only >= 400 as errors, so a redirect to the login
   page would pass unseen). ``--duration`` is longer than the judgement's minute, so every run
   meets at least one re-judgement. wrk is closed-loop (a connection sends its next request when
   the last one returns), but before ``done()`` it corrects its latency histogram for that
   (``stats_correct``: each latency longer than the mean interval between a connection's
   requests adds the latencies the requests it held back would have had). So a stall of a few
   seconds weighs in the percentiles as it would for users arriving at a steady rate; the
   requests/s are wrk's raw count.
3. CPU of the server process (``/proc/PID/stat``) and of the whole machine (``/proc/stat``)
   during each measured run, and the JSON twins (``/api/overview``, ``/api/checklist``,
   ``/api/sites/ID``) compared between the code versions.

The Markdown table goes to stdout and, between markers, into the "Dashboard (issue #6)" section
of bench/README.md. Requires ``wrk`` (Debian: ``apt-get install -y wrk``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sections  # bench/sections.py and the check_* modules: the script's directory is first on sys.path
import yaml
from check_backends import PostgresBackend, SQLiteBackend, export_head, machine
from check_institution import CHECKLIST, TZ, institution
from check_load import load as load_items
from check_load import vacuum

ROOT = Path(__file__).resolve().parents[1]
XXGK = ROOT / ".venv" / "bin" / "xxgk"
BEGIN, END = "<!-- bench_web: begin (generated) -->", "<!-- bench_web: end -->"
HEADING = "## Dashboard (issue #6)"
USER, PASSWORD = "bench", "bench-password-not-secret"
SECRET = "bench-web-secret-key-0123456789"
P95_GOAL_MS = 150.0
TIMEOUT = 1800


# ----------------------------------------------------------------------------- wrk

LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) other = 0; first = 0 end
function response(status, headers, body)
  if status ~= 200 then
    other = other + 1
    if first == 0 then first = status end
  end
end
function done(summary, latency, requests)
  local other_total, first_status = 0, 0
  for _, t in ipairs(threads) do
    other_total = other_total + t:get("other")
    if first_status == 0 then first_status = t:get("first") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"duration_us":%d,"bytes":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d,' ..
    '"max":%d,"mean":%.1f,"not_200":%d,"first_not_200":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, other_total, first_status,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass
class Load:
    """One wrk run: latencies in ms, requests/s, answers that were not 200, CPU shares."""

    requests: int
    seconds: float
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    not_200: int
    errors: int
    server_cpu: float = 0.0  # share of one core, over the run
    machine_busy: float = 0.0  # share of all cores, over the run

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of process `pid` and its live children (``--workers``) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return own + sum(cpu_of(child) for child in children)


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def wrk(url: str, *, cookie: str, args: argparse.Namespace, seconds: int, lua: Path, pid: int) -> Load:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "60s",
        "--latency",
        "-s",
        str(lua),
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    cpu, (busy, total) = cpu_of(pid), machine_ticks()
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=True)
    cpu, busy, total = (
        cpu_of(pid) - cpu,
        *(a - b for a, b in zip(machine_ticks(), (busy, total), strict=True)),
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("WRK "))
    data = json.loads(line[4:])
    duration = data["duration_us"] / 1e6
    errors = sum(data[k] for k in ("connect", "read", "write", "timeout"))
    return Load(
        requests=data["requests"],
        seconds=duration,
        p50=data["p50"] / 1000,
        p90=data["p90"] / 1000,
        p95=data["p95"] / 1000,
        p99=data["p99"] / 1000,
        max=data["max"] / 1000,
        not_200=data["not_200"],
        errors=errors,
        server_cpu=cpu / duration,
        machine_busy=busy / total if total else 0.0,
    )


# ----------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def xxgk(src: Path, config: Path, url: str, *args: str, stdin: str | None = None) -> float:
    """Run `xxgk` with the code in `src`; its wall seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(XXGK), "--config", str(config), "--db", url, *args],
        input=stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(src),
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"xxgk {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return time.perf_counter() - started


def env_for(src: Path) -> dict[str, str]:
    env = {**os.environ, "XXGK_SECRET_KEY": SECRET}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    return env


@contextlib.contextmanager
def serving(src: Path, config: Path, url: str, log: Path, workers: int = 1) -> Any:
    """`xxgk serve` on a free port in its own process: (base URL, pid, seconds until it answered)."""
    port = free_port()
    command = [str(XXGK), "--config", str(config), "--db", url, "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    with log.open("w") as out:
        started = time.perf_counter()
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env_for(src))
        try:
            base = f"http://127.0.0.1:{port}"
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"xxgk serve exited {server.returncode}: {log.read_text()[-2000:]}")
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{base}/login", timeout=5).status_code == 200:
                        break
                time.sleep(0.1)
            yield base, server.pid, time.perf_counter() - started
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def log_in(base: str) -> httpx.Client:
    """A client holding a session of the bench user (the login form's hidden fields posted back)."""
    client = httpx.Client(base_url=base, timeout=300, follow_redirects=False)
    form = client.get("/login")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.text))
    answer = client.post("/login", data={**fields, "username": USER, "password": PASSWORD, "next": "/"})
    if answer.status_code != 303 or answer.headers.get("location") != "/":
        raise RuntimeError(f"login failed: {answer.status_code} {answer.text[:500]}")
    return client


# ----------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    check: str  # what the body must hold, in words (for the README)


def pages_of(site: str, site_name: str) -> list[Page]:
    return [
        Page("overview", "/", "every site name, 400 traffic lights"),
        Page("overview JSON", "/api/overview", "3 campuses, 100 sites, 400 columns"),
        Page("checklist", "/checklist", "50 item rows"),
        Page(f"site ({site})", f"/sites/{site}", f"{site_name}, 4 columns, 2 SVG charts"),
        Page(f"site JSON ({site})", f"/api/sites/{site}", "4 columns, 20 items, 12 months, a calendar"),
    ]


def verify(page: Page, answer: httpx.Response, *, site_names: list[str], site_name: str) -> None:
    """Raise unless the answer is a real page with real data (not a login form, not an error)."""
    text = answer.text
    problems = []
    if answer.status_code != 200:
        problems.append(f"status {answer.status_code}")
    elif 'action="/login"' in text:
        problems.append("the login form")
    elif page.path == "/":
        missing = [n for n in site_names if n not in text]
        lights = text.count('class="light s-')
        if missing or lights < 400:
            problems.append(f"{len(missing)} site names missing, {lights} lights")
    elif page.path == "/api/overview":
        doc = answer.json()
        sites = [s for c in doc["campuses"] for s in c["sites"]]
        columns = [col for s in sites for col in s["columns"]]
        if (len(doc["campuses"]), len(sites), len(columns)) != (3, 100, 400):
            problems.append(f"{len(doc['campuses'])} campuses, {len(sites)} sites, {len(columns)} columns")
    elif page.path == "/checklist":
        rows = len(re.findall(r"<tr", text.split("<tbody>", 1)[-1]))
        if rows < 50:
            problems.append(f"{rows} rows")
    elif page.path.startswith("/sites/"):
        if site_name not in text or text.count("<svg") < 2:
            problems.append(f"no {site_name} or fewer than 2 charts")
    elif page.path.startswith("/api/sites/"):
        doc = answer.json()
        if len(doc["columns"]) != 4 or not doc["items"] or not doc["calendar"]["days"]:
            problems.append("columns, items or calendar missing")
    if problems:
        raise RuntimeError(f"{page.path}: not a real page: {'; '.join(problems)}")


def twin_digest(answer: httpx.Response) -> str:
    """A digest of a JSON twin, to compare code versions (the same check, the same day)."""
    return hashlib.sha256(json.dumps(answer.json(), sort_keys=True).encode()).hexdigest()[:12]


# ----------------------------------------------------------------------------- measuring


@dataclass
class Version:
    """One code version served on one backend."""

    label: str
    startup: float = 0.0
    init: float = 0.0
    first: dict[str, float] = field(default_factory=dict)  # page name → ms of its first request
    loads: dict[str, Load] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    rss_mb: float = 0.0


@dataclass
class BackendResult:
    backend: str
    version: str
    loaded: Any
    check: float = 0.0
    site: str = ""
    site_items: int = 0
    versions: list[Version] = field(default_factory=list)


def biggest_site(url: str) -> tuple[str, int]:
    """The site with the most items (the heaviest site page), and its item count."""
    from sqlalchemy import func, select

    from monitor import store
    from monitor.store.models import Item, Site

    engine = store.connect(url)
    with engine.connect() as conn:
        key, count = conn.execute(
            select(Site.key, func.count())
            .join(Item, Item.site_id == Site.id)
            .group_by(Site.key)
            .order_by(func.count().desc(), Site.key)
            .limit(1)
        ).one()
    engine.dispose()
    return key, count


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(
    label: str,
    src: Path,
    *,
    config: Path,
    url: str,
    pages: list[Page],
    names: dict[str, Any],
    work: Path,
    args: Any,
) -> Version:
    version = Version(label, init=xxgk(src, config, url, "init"))
    lua = work / "bench.lua"
    lua.write_text(LUA)
    log_path = work / f"serve-{label}-{hashlib.md5(url.encode()).hexdigest()[:6]}.log"
    with serving(src, config, url, log_path, args.workers) as (base, pid, startup):
        version.startup = startup
        client = log_in(base)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        for page in pages:
            started = time.perf_counter()
            answer = client.get(page.path)
            version.first[page.name] = (time.perf_counter() - started) * 1000
            verify(page, answer, site_names=names["sites"], site_name=names["site"])
            if page.path.startswith("/api/"):
                version.digests[page.name] = twin_digest(answer)
        checklist = client.get("/api/checklist")
        version.digests["checklist JSON"] = twin_digest(checklist)
        for page in pages:
            target = base + page.path
            if args.warmup:
                wrk(target, cookie=cookie, args=args, seconds=args.warmup, lua=lua, pid=pid)
            version.loads[page.name] = load = wrk(
                target, cookie=cookie, args=args, seconds=args.duration, lua=lua, pid=pid
            )
            log(
                f"{label} {page.name}: p50 {load.p50:.1f} ms, p95 {load.p95:.1f} ms, "
                f"{load.rps:.1f} req/s, not 200: {load.not_200}, errors: {load.errors}"
            )
        version.rss_mb = rss_mb(pid)
        client.close()
    return version


def log(*parts: Any) -> None:
    print(f"[bench_web {time.strftime('%H:%M:%S')}]", *parts, file=sys.stderr, flush=True)


def run_backend(
    backend: Any,
    *,
    args: argparse.Namespace,
    sources: list[tuple[str, Path]],
    config: Path,
    plans: list[Any],
    work: Path,
) -> BackendResult:
    today = dt.datetime.now(TZ).date()
    first_src = sources[0][1]
    base = backend.create_base()
    xxgk(first_src, config, base, "init")
    loaded = load_items(base, plans, items=args.items, today=today)
    log(f"{backend.name}: loaded {loaded.items:,} items in {loaded.seconds:.1f} s")
    result = BackendResult(backend.name, backend.version(), loaded)
    result.check = xxgk(first_src, config, base, "check", "--format", "json")
    log(f"{backend.name}: first check {result.check:.1f} s")
    if isinstance(backend, PostgresBackend):
        from monitor import store

        engine = store.connect(base)
        vacuum(engine)
        engine.dispose()
    xxgk(first_src, config, base, "user", "add", USER, "--role", "office", "--password-stdin", stdin=PASSWORD)
    result.site, result.site_items = biggest_site(base)
    names_by_id = {
        s["id"]: s["name"] for c in yaml.safe_load(config.read_text())["campuses"] for s in c["sites"]
    }
    site_name = names_by_id[result.site]
    site_names = list(names_by_id.values())
    pages = [p for p in pages_of(result.site, site_name) if not args.pages or p.path in args.pages]
    names = {"sites": site_names, "site": site_name}
    for label, src in sources:
        result.versions.append(
            measure(label, src, config=config, url=base, pages=pages, names=names, work=work, args=args)
        )
    backend.drop(base)
    return result


# ----------------------------------------------------------------------------- the table


def table(results: list[BackendResult]) -> str:
    lines = [
        "| backend | code | page | first request | p50 | p90 | p95 | p99 | max | requests/s "
        "| not 200 / errors | server CPU | machine busy |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for version in result.versions:
            for name, load in version.loads.items():
                p95 = f"{load.p95:.1f} ms"
                if name == "overview":
                    p95 = f"**{p95}**"
                lines.append(
                    f"| {result.backend} | {version.label} | {name} | {version.first[name]:,.0f} ms "
                    f"| {load.p50:.1f} ms | {load.p90:.1f} ms | {p95} | {load.p99:.1f} ms "
                    f"| {load.max:,.0f} ms "
                    f"| {load.rps:.1f} | {load.not_200} / {load.errors} | {load.server_cpu:.0%} "
                    f"| {load.machine_busy:.0%} |"
                )
    return "\n".join(lines)


def goals(results: list[BackendResult]) -> list[str]:
    out = []
    for result in results:
        for version in result.versions:
            load = version.loads.get("overview")
            if load is None:
                continue
            verdict = "met" if load.p95 < P95_GOAL_MS else f"missed ({load.p95 / P95_GOAL_MS:.1f}× the goal)"
            out.append(f"{result.backend}, {version.label}: overview p95 {load.p95:.1f} ms, {verdict}")
    return out


def sameness(results: list[BackendResult]) -> str:
    parts = []
    for result in results:
        digests = [v.digests for v in result.versions]
        if len(digests) > 1:
            same = all(d == digests[0] for d in digests[1:])
            parts.append(f"{result.backend}: {'identical' if same else 'DIFFERENT'}")
    return "; ".join(parts)


def section(
    results: list[BackendResult], args: argparse.Namespace, body: str, load_avg: tuple[str, str]
) -> str:
    argv = [a for a in sys.argv[1:] if not a.startswith(("--readme", "--no-readme", "--keep"))]
    cmd = (".venv/bin/python bench/bench_web.py " + " ".join(argv)).strip()
    versions = ", ".join(f"`{label}`" for label, _ in args.sources)
    first = results[0] if results else None
    details = [
        f"- Machine: {machine([r.version for r in results])}. Load average "
        f"(`/proc/loadavg`, 1/5/15 min) before: {load_avg[0]}; after: {load_avg[1]}.",
        f"- Code: clean exports ({'work tree' if args.worktree else 'git archive'}) of {versions}; "
        f"`xxgk serve{f' --workers {args.workers}' if args.workers > 1 else ''}` (uvicorn, "
        f"{args.workers} worker{'s' if args.workers > 1 else ''}, access log on; "
        "server CPU counts every worker).",
        f"- Load: `wrk -t{args.threads} -c{args.connections} -d{args.duration}s --timeout 60s` with the "
        f"session cookie of an `office` user, after a {args.warmup} s warm-up of the same shape; one page "
        "at a time. Latencies are wrk's, corrected by wrk for its closed loop (see the docstring); server "
        "CPU is the uvicorn process's share of one core (its SQLite calls run outside the GIL, so it "
        "can pass 100 %); machine busy is all CPUs (2 = 100 %), wrk, the database and other "
        "sessions' work included.",
    ]
    if first is not None:
        checks_took = ", ".join(f"{r.backend} {r.check:.0f} s" for r in results)
        details.append(
            f"- Data: bench_check's institution: 100 sites, 400 columns, {first.loaded.items:,} items, "
            f"{first.loaded.runs} crawl runs, one `xxgk check` (first run: {checks_took}). "
            f"Site page: `{first.site}`, the site with the most items ({first.site_items:,})."
        )
    same = sameness(results)
    if same:
        details.append(f"- JSON twins (overview, checklist, site) across code versions: {same}.")
    details.append("- Goal (overview p95 < 150 ms): " + "; ".join(goals(results)) + ".")
    return "\n".join(
        [
            BEGIN,
            f"Measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `{cmd}`.",
            "",
            *details,
            "",
            body,
            END,
        ]
    )


# ----------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--commits", default="HEAD", help="code versions to serve, in order (comma-separated)"
    )
    parser.add_argument("--worktree", action="store_true", help="serve the work tree, not exports of commits")
    parser.add_argument("--duration", type=int, default=65, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of the wrk warm-up before each")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="xxgk serve --workers N (forked processes)")
    parser.add_argument("--pages", default="", help="only these paths (comma-separated), e.g. /,/checklist")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--readme", type=Path, default=ROOT / "bench" / "README.md")
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (config, server logs)")
    args = parser.parse_args()
    args.pages = [p for p in args.pages.split(",") if p]
    return args


def resolve(commit: str) -> str:
    command = ["git", "rev-parse", "--short", commit]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench_web: wrk is missing (Debian: apt-get install -y wrk)")
    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    if args.worktree:
        args.sources = [(f"work tree at {resolve('HEAD')}", ROOT)]
    else:
        args.sources = [
            (resolve(c), export_head(work / f"src-{resolve(c)}", resolve(c))) for c in args.commits.split(",")
        ]
    sys.path.insert(0, str(args.sources[0][1]))
    from monitor.config import load_checklist

    backends: list[Any] = []
    try:
        slugs = [item.slug for item in load_checklist(CHECKLIST).items]
        config_data, plans = institution(slugs)
        config = work / "bench.yaml"
        config.write_text(yaml.safe_dump(config_data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        results = []
        for name in args.backends.split(","):
            backend = SQLiteBackend(work) if name == "sqlite" else PostgresBackend(args.pg)
            backends.append(backend)
            results.append(
                run_backend(backend, args=args, sources=args.sources, config=config, plans=plans, work=work)
            )
            backend.close()
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        generated = section(results, args, table(results), (" ".join(load_before), " ".join(load_after)))
        print(generated)
        if not args.no_readme:
            sections.write(args.readme, generated, heading=HEADING, begin=BEGIN, end=END)
    finally:
        for backend in backends:
            with contextlib.suppress(Exception):
                backend.close()
        if args.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
