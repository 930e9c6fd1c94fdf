"""The crawl benchmarks of issue #3, against the demo campus at HIT scale on loopback.

    .venv/bin/python bench/bench_crawl.py [--runs 3] [--today 2026-11-26] [--concurrency 8]
                                          [--readme bench/README.md] [--profile] [--worktree]

By default the code measured is a clean export of HEAD (``git archive HEAD`` into a temporary
directory, the benchmark re-run from there), so that uncommitted edits in the work tree count
for nothing; ``--worktree`` measures the work tree as it is (for iterating).

Each run starts the demo server in its own process (``python -m monitor.demo.server --scale
hit``, fresh for every timed crawl, so every crawl meets a cold page cache and the same flaky
column), then:

1. full crawl: ``xxgk init`` on a fresh SQLite file, ``python -m crawler --full``; wall time,
   items stored, requests and status counts (the run's stats in the database), peak RSS of the
   crawler process (``ru_maxrss`` of that one child, from ``os.wait4``);
2. nightly crawl with nothing changed, right after it against the same server: requests per
   column, share answered 304;
3. baseline: a bare Scrapy spider (below) over the same pages with the same settings, against a
   fresh server process.

Then, once: the same campus served by ``DemoServer`` in a thread of this process on the same port
(so the last run's database still matches its URLs), one warm-up nightly, one day of new items
published (the campus's mean daily rate, spread over the readable columns in proportion to their
size), a nightly crawl: requests per new item, and whether exactly the ground truth is stored.

Medians over ``--runs``. The Markdown table goes to stdout and, between markers, into the
"Crawl (issue #3)" section of bench/README.md. Loopback only; every child has a timeout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sections  # bench/sections.py: the script's directory is first on sys.path
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHECKLIST = ROOT / "config" / "checklist.yaml"
TIMEOUT = 900  # seconds, for any one child process
BEGIN, END = "<!-- bench_crawl: begin (generated) -->", "<!-- bench_crawl: end -->"
HEADING = "## Crawl (issue #3)"
#: Article URL shapes of the demo's CMS families (urls.article_href); files are not opened.
ARTICLE = re.compile(
    r"/c\d+a\d+/page\.htm$|/info/\d+/\d+\.htm$|/article/\d{4}/\d\d/\d\d/\d+$|/article/view/id-\d+\.html$"
)


# ----------------------------------------------------------------------------- the bare spider


def list_pattern(family: str, path: str) -> str:
    """A regex over ``path?query`` matching the list pages of a column, as one would write by hand.

    The pagers' links back to page 1 under another name (``list1.htm``, ``?page=0``,
    ``pager.offset=0``) are left out, as our profiles know them to be page 1: both spiders then
    fetch the very same URLs (checked by comparing their DEBUG logs).
    """
    from monitor.demo.urls import directory

    if family == "webplus":
        return re.escape(directory(path)) + r"list(?!1\.htm)\d*\.htm$"
    if family == "vsb":
        return re.escape(path) + "$|" + re.escape(directory(path)) + r"\d+\.htm$"
    if family == "drupal":
        return re.escape(path) + r"(\?page=[1-9]\d*)?$"
    return re.escape(path) + r"(\?.*pager\.offset=[1-9]\d*.*)?$"  # the hitsz-style custom CMS


def run_baseline(plan_path: str, out_path: str) -> None:
    """In a child process: crawl the plan's columns with a bare spider; write Scrapy's stats as JSON."""
    from urllib.parse import urlsplit

    import scrapy
    from scrapy.crawler import CrawlerProcess

    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    columns = plan["columns"]
    patterns = [re.compile(c["list"]) if c["list"] else None for c in columns]

    class BareSpider(scrapy.Spider):
        """Links only: follow a column's list pages, GET the article links of date-less lists once."""

        name = "bare"

        async def start(self) -> Any:
            for n, column in enumerate(columns):
                yield scrapy.Request(column["start"], callback=self.parse_list, cb_kwargs={"n": n, "page": 1})

        def parse_list(self, response: Any, n: int, page: int) -> Iterator[scrapy.Request]:
            column = columns[n]
            if column["api"]:
                yield from self.parse_api(response, n, page)
                return
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href)
                parts = urlsplit(url)
                if parts.netloc != column["host"]:
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                pattern = patterns[n]
                if pattern is not None and pattern.match(target):
                    yield scrapy.Request(url, callback=self.parse_list, cb_kwargs={"n": n, "page": page + 1})
                elif column["articles"] and ARTICLE.search(parts.path):
                    yield scrapy.Request(url, callback=self.parse_article)

        def parse_api(self, response: Any, n: int, page: int) -> Iterator[scrapy.Request]:
            data = json.loads(response.text)  # JSON's equivalent of a::attr(href)
            rows = data.get("data") or []
            if rows and page * len(rows) < int(data.get("total", 0)):
                url = columns[n]["api"].replace("{page}", str(page + 1))
                yield scrapy.Request(url, callback=self.parse_list, cb_kwargs={"n": n, "page": page + 1})

        def parse_article(self, response: Any) -> None:
            return None

    process = CrawlerProcess(plan["settings"])
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = {k: str(v) if isinstance(v, dt.datetime) else v for k, v in crawler.stats.get_stats().items()}
    Path(out_path).write_text(json.dumps(stats), encoding="utf-8")


def baseline_settings(config: Any) -> dict[str, Any]:
    """The product's Scrapy settings (same concurrency, robots, retries, timeouts), minus our parts."""
    from crawler.settings import scrapy_settings

    settings = scrapy_settings(config)
    settings.update(ITEM_PIPELINES={}, DOWNLOADER_MIDDLEWARES={}, REDIRECT_ENABLED=False)
    return settings


def baseline_plan(campus: Any, config: Any, port: int) -> dict[str, Any]:
    from monitor.demo.paging import api_url

    columns = []
    for site in campus.sites():
        for column in site.columns:
            origin = f"http://{site.ip}:{port}"
            api = origin + api_url(column, "{page}") if column.family == "jsonapi" else None
            columns.append(
                {
                    "host": f"{site.ip}:{port}",
                    "start": api.replace("{page}", "1") if api else origin + column.path,
                    "api": api,
                    "list": None if api else list_pattern(column.family, column.path),
                    "articles": column.template.endswith("no_date"),  # the lists that show no dates
                }
            )
    return {"columns": columns, "settings": baseline_settings(config)}


# ----------------------------------------------------------------------------- processes


@dataclass
class Child:
    """A finished child process: exit code, wall seconds, peak RSS (MiB) and CPU seconds."""

    code: int
    wall: float
    rss_mib: float
    cpu: float


def run_child(argv: list[str], *, log: Path, timeout: float = TIMEOUT) -> Child:
    """Run a child to the end; its own rusage from ``os.wait4`` (ru_maxrss is in KiB on Linux)."""
    with log.open("ab") as out:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                raise RuntimeError(f"timed out: {' '.join(argv)}")
            time.sleep(0.01)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return Child(child.returncode, wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.11", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``python -m monitor.demo.server`` in its own process, ready once robots.txt answers."""

    def __init__(self, *, port: int, today: dt.date, log: Path) -> None:
        argv = [sys.executable, "-m", "monitor.demo.server", "--port", str(port), "--scale", "hit"]
        argv += ["--today", today.isoformat()]
        self.port, self.log = port, log.open("ab")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the demo server exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.11:{self.port}/robots.txt", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the demo server did not answer within 60 s")

    def cpu(self) -> float:
        """CPU seconds (user + system) the server has used so far, from /proc/PID/stat."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# ----------------------------------------------------------------------------- the database


def db_state(db_url: str) -> tuple[dict[str, Any], list[Any], dict[str, dict[str, Any]]]:
    """(stats of the newest run, its column rows, the stored items per site)."""
    from monitor import store
    from monitor.store import crawls

    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            run = crawls.latest_run(session, institution_key="demo")
            if run is None or run[1] != "finished":
                raise RuntimeError(f"the crawl run did not finish: {run}")
            rows = crawls.run_fetches(session, run_id=run[0])
            items = crawls.site_items(session, institution_key="demo")
    finally:
        engine.dispose()
    return run[2], rows, items


# ----------------------------------------------------------------------------- measurements


@dataclass
class Bench:
    args: argparse.Namespace
    work: Path
    port: int
    config_path: Path
    config: Any
    campus: Any
    full: list[dict[str, Any]] = field(default_factory=list)
    nightly: list[dict[str, Any]] = field(default_factory=list)
    base: list[dict[str, Any]] = field(default_factory=list)
    new_day: dict[str, Any] = field(default_factory=dict)
    last_db: str = ""

    @property
    def columns(self) -> int:
        return sum(len(site.columns) for site in self.campus.sites())

    def crawler_argv(self, db_url: str, *, full: bool, profile: Path | None = None) -> list[str]:
        head = [sys.executable, "-m", "cProfile", "-o", str(profile)] if profile else [sys.executable]
        argv = [*head, "-m", "crawler", "--config", str(self.config_path), "--db", db_url]
        return argv + ["--today", self.args.today.isoformat()] + (["--full"] if full else [])

    def fresh_db(self, name: str) -> str:
        url = f"sqlite:///{self.work / name}"
        init = [sys.executable, "-m", "monitor", "--config", str(self.config_path), "--db", url, "init"]
        assert run_child(init, log=self.work / "init.log").code == 0, "xxgk init failed"
        return url

    def crawl(self, db_url: str, server: ServerProcess | None, *, full: bool) -> dict[str, Any]:
        cpu0 = server.cpu() if server else 0.0
        child = run_child(self.crawler_argv(db_url, full=full), log=self.work / "crawler.log")
        server_cpu = server.cpu() - cpu0 if server else float("nan")
        assert child.code == 0, f"the crawler exited with {child.code}; see {self.work / 'crawler.log'}"
        stats, rows, items = db_state(db_url)
        return {
            "child": child,
            "server_cpu": server_cpu,
            "stats": stats,
            "rows": rows,
            "items": sum(len(v) for v in items.values()),
            "stored": items,
        }

    def run_once(self, n: int) -> None:
        server = ServerProcess(port=self.port, today=self.args.today, log=self.work / "server.log")
        try:
            db_url = self.fresh_db(f"run{n}.db")
            self.full.append(self.crawl(db_url, server, full=True))
            self.nightly.append(self.crawl(db_url, server, full=False))
        finally:
            server.stop()
        self.base.append(self.baseline())
        self.last_db = db_url
        full, base = self.full[-1], self.base[-1]
        print(
            f"run {n}: full {full['child'].wall:.1f} s, {requests(full)} requests; "
            f"baseline {base['child'].wall:.1f} s, {requests(base)} requests",
            file=sys.stderr,
        )

    def baseline(self) -> dict[str, Any]:
        plan, out = self.work / "plan.json", self.work / "baseline-stats.json"
        plan.write_text(json.dumps(baseline_plan(self.campus, self.config, self.port)), encoding="utf-8")
        server = ServerProcess(port=self.port, today=self.args.today, log=self.work / "server.log")
        try:
            cpu0 = server.cpu()
            argv = [sys.executable, str(Path(__file__).resolve()), "_baseline", str(plan), str(out)]
            child = run_child(argv, log=self.work / "baseline.log")
            server_cpu = server.cpu() - cpu0
        finally:
            server.stop()
        assert child.code == 0, f"the baseline exited with {child.code}; see {self.work / 'baseline.log'}"
        return {"child": child, "server_cpu": server_cpu, "stats": json.loads(out.read_text())}

    def one_new_day(self) -> None:
        """Step 4: an in-process server (same campus, same port), a warm-up nightly, publish, nightly."""
        from monitor.demo import DemoServer, expected_items

        with DemoServer(self.campus, port=self.port):
            quiet = self.crawl(self.last_db, None, full=False)
            published = publish_one_day(self.campus, self.args.today)
            after = self.crawl(self.last_db, None, full=False)
            truth = {s: v for s, v in expected_items(self.campus).items() if v}
        diff = compare(after["stored"], truth)
        new = sum(row.items_new for row in after["rows"])
        self.new_day = {"quiet": quiet, "after": after, "published": published, "new": new, "diff": diff}

    def profile(self) -> Path:
        """One more full crawl under cProfile (not timed): where the crawler's CPU goes."""
        server = ServerProcess(port=self.port, today=self.args.today, log=self.work / "server.log")
        out = self.work / "crawl.prof"
        try:
            db_url = self.fresh_db("profile.db")
            run_child(self.crawler_argv(db_url, full=True, profile=out), log=self.work / "crawler.log")
        finally:
            server.stop()
        return out


def publish_one_day(campus: Any, today: dt.date) -> dict[tuple[str, str], int]:
    """Publish the campus's mean daily number of items, spread by size over the readable columns."""
    from monitor.demo import column_outcome

    start = today - dt.timedelta(days=364)
    sizes = {
        (site.id, column.id): sum(1 for i in column.items if i.published_on and start <= i.published_on)
        for site in campus.sites()
        for column in site.columns
        if column_outcome(site, column) == "ok"
    }
    total = round(sum(sizes.values()) / 365)
    shares = {key: total * size / sum(sizes.values()) for key, size in sizes.items()}
    counts = {key: int(share) for key, share in shares.items()}
    by_remainder = sorted(shares, key=lambda key: shares[key] - counts[key], reverse=True)
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    for (site_id, column_id), count in counts.items():
        if count:
            campus.publish(site_id, column_id, count, on=today)
    return {key: count for key, count in counts.items() if count}


def compare(stored: dict[str, dict[str, Any]], truth: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Counts of missing, extra and wrong (title or date) items against the ground truth."""
    missing = extra = wrong = 0
    for site in set(stored) | set(truth):
        got, want = stored.get(site, {}), truth.get(site, {})
        missing += len(set(want) - set(got))
        extra += len(set(got) - set(want))
        wrong += sum(1 for url in set(want) & set(got) if tuple(got[url]) != tuple(want[url]))
    return {"missing": missing, "extra": extra, "wrong": wrong}


# ----------------------------------------------------------------------------- the report


def requests(run: dict[str, Any]) -> int:
    return int(run["stats"].get("downloader/request_count", 0))


def status(run: dict[str, Any], code: int) -> int:
    return int(run["stats"].get(f"downloader/response_status_count/{code}", 0))


def statuses(run: dict[str, Any]) -> str:
    prefix = "downloader/response_status_count/"
    counts = sorted((k.removeprefix(prefix), v) for k, v in run["stats"].items() if k.startswith(prefix))
    return ", ".join(f"{code}: {n}" for code, n in counts)


def med(runs: list[dict[str, Any]], value: Any) -> float:
    return float(statistics.median(value(run) for run in runs))


def rate(run: dict[str, Any]) -> float:
    wall: float = run["child"].wall
    return requests(run) / wall


def table(b: Bench) -> str:
    full, base, nightly, day = b.full, b.base, b.nightly, b.new_day
    wall = med(full, lambda r: r["child"].wall)
    base_wall = med(base, lambda r: r["child"].wall)
    items = med(full, lambda r: r["items"])
    ratio = med(full, rate) / med(base, rate)
    scrapy_ratio = med(full, lambda r: requests(r) / r["stats"]["elapsed_time_seconds"]) / med(
        base, lambda r: requests(r) / r["stats"]["elapsed_time_seconds"]
    )
    robots = med(nightly, lambda r: r["stats"].get("robotstxt/request_count", 0))
    night_req = med(nightly, requests)
    night_resp = med(nightly, lambda r: r["stats"].get("downloader/response_count", 0))
    share_304 = med(nightly, lambda r: status(r, 304)) / night_resp
    retries = med(nightly, lambda r: r["stats"].get("retry/count", 0))
    column_resp = night_resp - med(nightly, lambda r: r["stats"].get("robotstxt/response_count", 0))
    readable = [r for r in nightly[-1]["rows"] if r.outcome in ("ok", "empty")]
    after, quiet, published = day["after"], day["quiet"], sum(day["published"].values())
    extra = requests(after) - requests(quiet)
    diff = day["diff"]
    exact = "yes" if not any(diff.values()) and day["new"] == published else "**no**"
    rows = [
        ("**Full crawl** (`--full`, fresh DB)", ""),
        ("wall time (process, median)", f"{wall:.1f} s (runs: {_each(full, lambda r: r['child'].wall)})"),
        ("items stored", f"{items:,.0f} (ground truth: {sum(len(v) for v in _truth(b).values()):,})"),
        ("items/s", f"{items / wall:,.0f}"),
        ("requests", f"{med(full, requests):,.0f} ({statuses(full[-1])})"),
        ("requests/s", f"{med(full, rate):,.1f}"),
        (
            "peak RSS of the crawler (ru_maxrss, goal < 300 MB)",
            f"{med(full, lambda r: r['child'].rss_mib):.0f} MiB",
        ),
        (
            "CPU of the crawler / of the server process",
            f"{med(full, lambda r: r['child'].cpu):.1f} s / {med(full, lambda r: r['server_cpu']):.1f} s",
        ),
        ("**Baseline** (bare Scrapy spider, same pages and settings)", ""),
        (
            "wall time (process, median)",
            f"{base_wall:.1f} s (runs: {_each(base, lambda r: r['child'].wall)})",
        ),
        ("requests", f"{med(base, requests):,.0f} ({statuses(base[-1])})"),
        ("requests/s", f"{med(base, rate):,.1f}"),
        ("items/s equivalent (our items ÷ its wall time)", f"{items / base_wall:,.0f}"),
        (
            "peak RSS / CPU of the spider / CPU of the server",
            f"{med(base, lambda r: r['child'].rss_mib):.0f} MiB / "
            f"{med(base, lambda r: r['child'].cpu):.1f} s / {med(base, lambda r: r['server_cpu']):.1f} s",
        ),
        ("**speed ratio**: our requests/s ÷ baseline requests/s (goal ≥ 0.7)", f"**{ratio:.2f}**"),
        ("same, on Scrapy's own elapsed time (no interpreter start-up)", f"{scrapy_ratio:.2f}"),
        ("**Nightly, nothing changed**", ""),
        ("wall time (median)", f"{med(nightly, lambda r: r['child'].wall):.1f} s"),
        (
            "requests, all (robots.txt included)",
            f"{night_req:.0f} for {b.columns} columns = {night_req / b.columns:.2f} per column",
        ),
        (
            "requests without robots.txt (goal ≤ 1.05 per column)",
            f"{night_req - robots:.0f} = **{(night_req - robots) / b.columns:.2f} per column**",
        ),
        (
            "… and without retries (the down site's connection attempts)",
            f"{night_req - robots - retries:.0f} = "
            f"{(night_req - robots - retries) / b.columns:.2f} per column",
        ),
        ("list pages read per readable column", f"{sum(r.pages for r in readable) / len(readable):.2f}"),
        (
            "answered 304",
            f"{med(nightly, lambda r: status(r, 304)):.0f} = {share_304:.0%} of all responses, "
            f"{med(nightly, lambda r: status(r, 304)) / column_resp:.0%} of those not to robots.txt "
            f"({statuses(nightly[-1])})",
        ),
        ("**Nightly after one day of new items** (server in a thread, see below)", ""),
        ("items published / new items stored", f"{published} / {day['new']}"),
        ("requests (the same nightly before publishing)", f"{requests(after)} ({requests(quiet)})"),
        (
            "requests per new item: all / over the quiet nightly",
            f"{requests(after) / published:.2f} / **{extra / published:.2f}**",
        ),
        ("wall time", f"{after['child'].wall:.1f} s"),
        (
            "stored exactly the ground truth",
            f"{exact} (missing {diff['missing']}, extra {diff['extra']}, wrong {diff['wrong']})",
        ),
    ]
    lines = ["| measure | value |", "|---|---|"]
    return "\n".join(lines + [f"| {k} | {v} |" for k, v in rows])


def _each(runs: list[dict[str, Any]], value: Any) -> str:
    return ", ".join(f"{value(run):.1f}" for run in runs)


def _truth(b: Bench) -> dict[str, Any]:
    from monitor.demo import build_campus, expected_items

    campus = build_campus(today=b.args.today, scale="hit")
    return expected_items(campus, port=b.port)


def machine() -> str:
    import scrapy

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout
    total = next((line.split()[1] for line in memory.splitlines() if line.startswith("Mem:")), "?")
    return (
        f"{os.cpu_count()} CPUs (`nproc`), {cpu}, {total} RAM (`free -h`); Python "
        f"{platform.python_version()}, Scrapy {scrapy.__version__}; {dt.date.today().isoformat()}"
    )


def settings_note(b: Bench) -> str:
    crawl = b.config.crawl
    return (
        f"robots.txt obeyed, per_host_concurrency {crawl.per_host_concurrency}, delay "
        f"{crawl.delay_seconds} s (so AutoThrottle off), CONCURRENT_REQUESTS 64, retries "
        f"{crawl.retries} with {crawl.retry_backoff_seconds} s backoff base"
    )


def section(b: Bench, body: str) -> str:
    shown = [a for a in _without_option(sys.argv[1:], "--readme") if a not in ("--keep", "--worktree")]
    cmd = ".venv/bin/python bench/bench_crawl.py " + " ".join(shown)
    published = ", ".join(f"{s}/{c} {n}" for (s, c), n in sorted(b.new_day["published"].items()))
    return "\n".join(
        [
            BEGIN,
            f"Measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `{cmd.strip()}` "
            f"({b.args.runs} runs, medians; crawl date {b.args.today}; code: "
            f"{os.environ.get('BENCH_CRAWL_CODE', 'the work tree')}).",
            "",
            f"- Machine: {machine()}.",
            f"- Crawl settings (both spiders): {settings_note(b)}.",
            f"- Demo campus: `--scale hit`, {sum(1 for _ in b.campus.sites())} sites, {b.columns} columns.",
            f"- One day of new items: {published}.",
            "",
            body,
            END,
        ]
    )


def _without_option(argv: list[str], name: str) -> list[str]:
    """argv without ``name VALUE`` / ``name=VALUE`` (a path that only says where the output went)."""
    out, skip = [], False
    for arg in argv:
        if skip or arg.startswith(f"{name}="):
            skip = False
        elif arg == name:
            skip = True
        else:
            out.append(arg)
    return out


# ----------------------------------------------------------------------------- main


def prepare(args: argparse.Namespace, work: Path) -> Bench:
    from monitor.config import load_config
    from monitor.demo import build_campus, demo_config_yaml

    port = free_port()
    campus = build_campus(today=args.today, scale="hit")
    data = yaml.safe_load(demo_config_yaml(campus, port=port, checklist_path=str(CHECKLIST)))
    data["crawl"].update(per_host_concurrency=args.concurrency, delay_seconds=0)
    config_path = work / "demo-hit.yaml"
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return Bench(args, work, port, config_path, load_config(config_path), campus)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 26))
    parser.add_argument("--concurrency", type=int, default=8, help="per_host_concurrency")
    parser.add_argument("--readme", type=Path, default=ROOT / "bench" / "README.md")
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    parser.add_argument("--profile", action="store_true", help="also profile one full crawl (cProfile)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (DBs, logs)")
    parser.add_argument("--worktree", action="store_true", help="measure the work tree, not a clean HEAD")
    return parser.parse_args()


def run_on_head(args: argparse.Namespace) -> int:
    """Re-run this benchmark from a clean export of HEAD (``git archive``), with ``--worktree``."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix=f"bench-crawl-{commit}-") as export:
        archive = subprocess.run(["git", "archive", "HEAD"], capture_output=True, check=True, cwd=ROOT)
        subprocess.run(["tar", "-x", "-C", export], input=archive.stdout, check=True)
        print(f"measuring a clean export of HEAD {commit} in {export}", file=sys.stderr)
        argv = [sys.executable, str(Path(export) / "bench" / "bench_crawl.py"), *sys.argv[1:], "--worktree"]
        if not args.no_readme and "--readme" not in " ".join(sys.argv):
            argv += ["--readme", str(args.readme)]
        env = {**os.environ, "BENCH_CRAWL_CODE": f"a clean export of {commit}"}
        return subprocess.run(argv, cwd=export, env=env, check=False).returncode


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "_baseline":
        run_baseline(sys.argv[2], sys.argv[3])
        return
    args = parse_args()
    if not args.worktree:
        sys.exit(run_on_head(args))
    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    try:
        bench = prepare(args, work)
        for n in range(1, args.runs + 1):
            bench.run_once(n)
        bench.one_new_day()
        generated = section(bench, table(bench))
        print(generated)
        if not args.no_readme:
            sections.write(args.readme, generated, heading=HEADING, begin=BEGIN, end=END)
        if args.profile:
            _print_profile(bench.profile())
    finally:
        if args.keep or args.profile:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def _print_profile(path: Path) -> None:
    import pstats

    print(f"\ncProfile of one full crawl ({path}):")
    pstats.Stats(str(path)).sort_stats("cumulative").print_stats(40)
    pstats.Stats(str(path)).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
