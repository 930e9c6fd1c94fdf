"""Offline timing of ``crawler.extract.extract_list``: an older commit against the work tree.

    .venv/bin/python bench/bench_extract.py [--rounds 5] [--before e0754b1] [--today 2026-11-26]

The pages, built once in this process and shared through a pickle:

- the saved list fixtures (the 15 of ``tests/crawler/fixtures/lists/expected.yaml``, read with the columns the
  tests give them: ``cms: auto``, the JSON API mapping for the JSON page);
- every list page of the demo campus at HIT scale (``monitor.demo``, rendered in process by
  ``DemoApp.respond``, no HTTP): the very pages a full ``bench_crawl.py`` crawl reads, with the
  columns of ``demo_config_yaml``.

Each timed pass runs in a child process of its own: "before" imports ``crawler`` from
``git archive REV crawler`` (``monitor`` still comes from the work tree), "after" from the work
tree. The passes alternate (before, after, after, before, …) since the machine is shared and
noisy. A child builds the ``HtmlResponse`` objects (untimed), then times ``extract_list`` over
all pages, in wall and CPU time: decoding fix, HTML parse, profile detection, rows, dates. The
median pass gives ms per page; pages/s and rows/s are on CPU time, which noisy neighbours
disturb less. Both implementations' listings are compared page by page; any difference is
printed and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import pickle
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "crawler" / "fixtures" / "lists"
API = "https://jwc.hit.edu.cn/_wp3services/generalQuery?queryObj=articles&pageIndex={page}&rows=3"
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
CORPORA = ("demo", "fixtures")
#: The last commit before the crawl optimisation of issue #3 (crawler/ as measured in bench/README.md).
BEFORE = "e0754b1"


@dataclass(frozen=True)
class Page:
    """One list page as the spider receives it, with the column it belongs to."""

    corpus: str  # "fixtures" or "demo"
    url: str
    body: bytes
    headers: dict[str, str]
    column: Any  # monitor.config.Column


# ----------------------------------------------------------------------------- the pages


def fixture_pages() -> list[Page]:
    from monitor.config import Column

    expected = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))
    pages = []
    for name, entry in expected.items():
        fields = {"id": "notices", "name": "通知公告", "url": entry["url"], "cms": "auto", "kind": "notice"}
        headers: dict[str, str] = {}
        if name.endswith(".json"):
            api = {"url": API, "items": "data", "title": "title", "link": "url", "date": "publishTime"}
            fields |= {"cms": "jsonapi", "api": api}
            headers = JSON_HEADERS
        column = Column.model_validate(fields)
        pages.append(Page("fixtures", entry["url"], (FIXTURES / name).read_bytes(), headers, column))
    return pages


def demo_pages(today: dt.date) -> list[Page]:
    """Every list page (HTML or JSON) of every column the demo campus answers with 200."""
    from monitor.config import Column
    from monitor.demo import SESSION_COOKIE, build_campus, demo_config_yaml
    from monitor.demo.app import DemoApp, Request

    campus = build_campus(today=today, scale="hit")
    port = 8080
    data = yaml.safe_load(demo_config_yaml(campus, port=port, checklist_path="unused.yaml"))
    columns = {
        (site["id"], column["id"]): column
        for campus_data in data["campuses"]
        for site in campus_data["sites"]
        for column in site["columns"]
    }
    app, pages = DemoApp(campus), []
    for site in campus.sites():
        for demo_column in site.columns:
            column = Column.model_validate(columns[(site.id, demo_column.id)])
            pages += _column_pages(app, Request, site, demo_column, column, port, SESSION_COOKIE)
    return pages


def _column_pages(
    app: Any, request: Any, site: Any, demo_column: Any, column: Any, port: int, cookie: str
) -> list[Page]:
    from monitor.demo.paging import api_url, list_urls, page_count

    if demo_column.family == "jsonapi":
        urls = [api_url(demo_column, k) for k in range(1, page_count(demo_column) + 1)]
    else:
        urls = list_urls(demo_column)
    pages = []
    for target in urls:
        path, _, query = target.partition("?")
        for _ in range(3):  # a flaky column answers 503 twice
            rendered = app.respond(request(site.ip, port, "GET", path, query, {"cookie": cookie}))
            if rendered.status != 503:
                break
        if rendered.status != 200:
            continue
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in rendered.headers}
        url = f"http://{site.ip}:{port}{target}"
        pages.append(Page("demo", url, rendered.body, headers, column))
    return pages


# ----------------------------------------------------------------------------- one implementation


def time_child(corpus_path: str, out_path: str, today: str) -> None:
    """In a child process: one timed pass of extract_list over the pages; write timings and listings."""
    from scrapy.http import HtmlResponse, TextResponse

    from crawler.extract import extract_list

    pages = [Page(**fields) for fields in pickle.loads(Path(corpus_path).read_bytes())]
    day = dt.date.fromisoformat(today)
    responses = [
        (TextResponse if "json" in p.headers.get("Content-Type", "") else HtmlResponse)(
            url=p.url, body=p.body, headers=p.headers
        )
        for p in pages
    ]
    wall, cpu = dict.fromkeys(CORPORA, 0.0), dict.fromkeys(CORPORA, 0.0)
    listings = []
    for page, response in zip(pages, responses, strict=True):
        started, cpu_started = time.perf_counter(), time.process_time()
        listings.append(extract_list(response, column=page.column, today=day))
        wall[page.corpus] += time.perf_counter() - started
        cpu[page.corpus] += time.process_time() - cpu_started
    timings = {"wall": {c: [wall[c]] for c in CORPORA}, "cpu": {c: [cpu[c]] for c in CORPORA}}
    out = {"timings": timings, "listings": listings, "module": sys.modules["crawler"].__file__}
    Path(out_path).write_bytes(pickle.dumps(out))


# ----------------------------------------------------------------------------- the parent


def export(rev: str, into: Path) -> Path:
    """``git archive REV crawler`` unpacked into ``into``; returns the directory to import from."""
    archive = subprocess.run(["git", "archive", rev, "crawler"], cwd=ROOT, capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def run(label: str, path: Path, *, corpus: Path, today: str, work: Path) -> dict[str, Any]:
    """One timed pass of one implementation, in a child process that imports ``crawler`` from ``path``."""
    out = work / f"{label}.pickle"
    code = (
        f"import sys; sys.path[:0] = [{str(path)!r}, {str(ROOT)!r}]; "
        f"sys.path.insert(2, {str(ROOT / 'bench')!r}); import bench_extract as b; "
        f"b.time_child({str(corpus)!r}, {str(out)!r}, {today!r})"
    )
    subprocess.run([sys.executable, "-c", code], cwd=work, check=True)
    result: dict[str, Any] = pickle.loads(out.read_bytes())
    return result


def interleaved(paths: dict[str, Path], *, rounds: int, **timed: Any) -> dict[str, dict[str, Any]]:
    """``rounds`` passes of each implementation, alternating which goes first (the machine is noisy)."""
    results: dict[str, dict[str, Any]] = {}
    for n in range(rounds):
        for label in sorted(paths, reverse=n % 2 == 1):
            result = run(label, paths[label], **timed)
            empty = {clock: {c: [] for c in CORPORA} for clock in ("wall", "cpu")}
            kept = results.setdefault(label, {**result, "timings": empty})
            for clock, corpora in result["timings"].items():
                for corpus, seconds in corpora.items():
                    kept["timings"][clock][corpus] += seconds
            cpu = sum(values[0] for values in result["timings"]["cpu"].values())
            print(f"round {n + 1}: {label} {cpu:.2f} s CPU", file=sys.stderr)
    for label, result in results.items():
        print(f"{label}: crawler from {result['module']}", file=sys.stderr)
    return results


def rates(result: dict[str, Any], pages: list[Page], corpus: str) -> tuple[float, float, float, float]:
    """(wall ms per page, CPU ms per page, pages/s, rows/s on CPU time) of the median passes."""
    wall = statistics.median(result["timings"]["wall"][corpus])
    cpu = statistics.median(result["timings"]["cpu"][corpus])
    count = sum(1 for p in pages if p.corpus == corpus)
    rows = sum(len(x.rows) for p, x in zip(pages, result["listings"], strict=True) if p.corpus == corpus)
    return 1000 * wall / count, 1000 * cpu / count, count / cpu, rows / cpu


def differences(pages: list[Page], before: list[Any], after: list[Any]) -> list[str]:
    return [f"{p.url}: {b} != {a}" for p, b, a in zip(pages, before, after, strict=True) if b != a]


def report(pages: list[Page], before: dict[str, Any], after: dict[str, Any], rev: str) -> str:
    lines = [
        "| pages | implementation | ms per page (wall) | ms per page (CPU) | pages/s (CPU) | rows/s (CPU) |",
        "|---|---|---|---|---|---|",
    ]
    for corpus in CORPORA:
        count = sum(1 for p in pages if p.corpus == corpus)
        rows = sum(len(x.rows) for p, x in zip(pages, after["listings"], strict=True) if p.corpus == corpus)
        name = f"{corpus} ({count:,} pages, {rows:,} rows)"
        for label, result in ((f"before ({rev})", before), ("after (work tree)", after)):
            wall, cpu, per_page, per_row = rates(result, pages, corpus)
            lines.append(f"| {name} | {label} | {wall:.2f} | {cpu:.2f} | {per_page:,.0f} | {per_row:,.0f} |")
        speedup = rates(before, pages, corpus)[1] / rates(after, pages, corpus)[1]
        lines.append(f"| {name} | speed-up (CPU) | | **{speedup:.1f}×** | | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed passes of each implementation")
    parser.add_argument("--before", default=BEFORE, help="the revision timed as 'before'")
    parser.add_argument("--today", default="2026-11-26")
    args = parser.parse_args()
    pages = fixture_pages() + demo_pages(dt.date.fromisoformat(args.today))
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as tmp:
        work = Path(tmp)
        corpus = work / "pages.pickle"
        corpus.write_bytes(pickle.dumps([vars(page) for page in pages]))
        paths = {"before": export(args.before, work / "before"), "after": ROOT}
        results = interleaved(paths, rounds=args.rounds, today=args.today, corpus=corpus, work=work)
        before, after = results["before"], results["after"]
    print(report(pages, before, after, args.before))
    diffs = differences(pages, before["listings"], after["listings"])
    print(json.dumps({"pages": len(pages), "listings_differing": len(diffs)}))
    for line in diffs[:20]:
        print(line, file=sys.stderr)
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
