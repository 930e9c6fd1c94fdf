"""The hostile-sites benchmark of issue #11: one ``xxgk crawl --full`` over every hostile case, full size.

    .venv/bin/python bench/bench_hostile.py [--crawl KEY=VALUE]... [--size KEY=VALUE]...
        [--timeout 900] [--readme bench/README.md] [--no-readme] [--keep]

The hostile campus is tests/hostile/server.py (a threaded HTTP server on 127.0.0.1 in this
process): one site with a normal column (30 dated rows over two pages) and a column per case of
``CASES``, crawled by tests/hostile/harness.py's ``crawl`` (imported, not copied): ``python -m
monitor crawl --full`` as a subprocess on a fresh SQLite database, with the CLI's own crawler
child. The case sizes are full size (`SIZES`): above the product's default bounds, not only
above a small test config's (a 40 MB list page, gzip and brotli bombs of 900 MB of spaces, pagers
claiming 10^7 pages, markup 5,000 levels deep, a 100,000-character title, a 429 asking for 120 s).

The crawl config is the product's defaults (16 MB pages and articles, 1,000 pages a column, 3
retries) with the harness's politeness keys (robots.txt obeyed, 8 per host, no delay) and three
time bounds shortened so the run takes minutes, not the defaults' half hour a column
(`CRAWL`: the column budget, the request deadline and the longest Retry-After honoured);
``--crawl KEY=VALUE`` changes any key, ``--size KEY=VALUE`` any size.

Measured: the crawl's wall time and the peak RSS of its own process tree (the harness's launcher:
the largest of the CLI and the crawler, not ``RUSAGE_CHILDREN`` of this process), the requests
the server saw per column, each column's outcome, reason, pages and items,
and the checks of the issue's "Done when": the normal column exact, no stored title over
``title_max_chars`` or holding a control character, no date after the crawl's today. The
Markdown goes to stdout and, between markers, into the "Hostile sites (issue #11)" section of
bench/README.md (bench/sections.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

import sections  # bench/sections.py: the script's directory is first on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile import harness  # noqa: E402 - after ROOT is on the path
from tests.hostile.server import CASES, NORMAL, Hostile, Sizes, serving  # noqa: E402

BEGIN, END = "<!-- bench_hostile: begin (generated) -->", "<!-- bench_hostile: end -->"
HEADING = "## Hostile sites (issue #11)"
TODAY = dt.date(2026, 12, 1)
#: The product's defaults but for three time bounds (see the docstring).
CRAWL: dict[str, object] = {
    "column_budget_seconds": 60,
    "request_timeout_seconds": 10,
    "retry_after_max_seconds": 30,
}
SIZES = Sizes(
    big=40_000_000,
    bomb=900_000_000,
    claimed_pages=10_000_000,
    depth=5000,
    title=100_000,
    retry_after=120,
)
GOAL_SECONDS, GOAL_RSS_MB = 300.0, 500.0


def parse_pairs(pairs: list[str], *, what: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            sys.exit(f"bench_hostile: --{what} expects KEY=VALUE, got {pair!r}")
        found[key] = float(value) if "." in value else int(value) if value.isdigit() else value
    return found


def crawl_keys(overrides: dict[str, Any]) -> dict[str, object]:
    """The config's crawl block beyond the harness's politeness keys, and the title bound it has."""
    return {**CRAWL, **overrides}


def title_bound(crawl: dict[str, object]) -> int:
    from monitor.config import CrawlSettings

    return int(crawl.get("title_max_chars", CrawlSettings().title_max_chars))  # type: ignore[call-overload]


def bad_titles(items: dict[str, tuple[str, dt.date | None]], bound: int) -> list[str]:
    """Stored titles over the bound or holding a control or format (bidi) character."""
    return [
        url
        for url, (title, _) in items.items()
        if len(title) > bound or any(unicodedata.category(ch) in ("Cc", "Cf") for ch in title)
    ]


def run(args: argparse.Namespace, work: Path) -> tuple[Hostile, harness.Result, dict[str, object]]:
    crawl = crawl_keys(parse_pairs(args.crawl, what="crawl"))
    sizes = dataclasses.replace(SIZES, **parse_pairs(args.size, what="size"))
    log(f"building the bombs ({sizes.bomb:,} bytes decompressed) and serving")
    with serving(Hostile(sizes)) as hostile:
        log(f"crawling {len(CASES)} hostile columns and the normal one on {hostile.url('/')}")
        result = harness.crawl(
            hostile, work, cases=tuple(CASES), crawl=crawl, today=TODAY, timeout=args.timeout
        )
    log(f"crawl ended ({result.code}, {result.status}) after {result.seconds:.1f} s")
    return hostile, result, crawl


def log(*parts: Any) -> None:
    print(f"[bench_hostile {time.strftime('%H:%M:%S')}]", *parts, file=sys.stderr, flush=True)


def table(hostile: Hostile, result: harness.Result) -> str:
    lines = [
        "| column | expected | outcome | reason (stored error) | requests | pages | items stored |",
        "|---|---|---|---|---|---|---|",
    ]
    for column in ("normal", *CASES):
        fetch = result.fetches.get(column)
        expected = "ok" if column == "normal" else CASES[column].outcome
        stored = sum(1 for url in result.items if f"/{column}/" in url)
        if fetch is None:
            lines.append(
                f"| {column} | {expected} | **no outcome** | | {hostile.seen[column]} | | {stored} |"
            )
            continue
        mark = "" if fetch.outcome == expected else " **(expected " + expected + ")**"
        reason = (fetch.error or "").replace("|", "\\|").replace("\n", " ")[:160]
        lines.append(
            f"| {column} | {expected} | {fetch.outcome}{mark} | {reason} | {hostile.seen[column]:,} "
            f"| {fetch.pages:,} | {stored:,} |"
        )
    return "\n".join(lines)


def verdicts(hostile: Hostile, result: harness.Result, crawl: dict[str, object]) -> list[str]:
    normal = {url: item for url, item in result.items.items() if "/normal/" in url}
    want = {hostile.url(href): (title, dt.date.fromisoformat(day)) for href, title, day in NORMAL}
    missing = [c for c in CASES if c not in result.fetches]
    wrong = [c for c, f in result.fetches.items() if c in CASES and f.outcome != CASES[c].outcome]
    bound = title_bound(crawl)
    titles = bad_titles(result.items, bound)
    future = [url for url, (_, day) in result.items.items() if day is not None and day > TODAY]
    seconds, rss = result.seconds, result.peak_rss_mb
    return [
        f"- Whole crawl: **{seconds:.1f} s** (goal < {GOAL_SECONDS:.0f} s: "
        f"{'met' if seconds < GOAL_SECONDS else 'missed'}), peak RSS **{rss:.0f} MiB** (goal < "
        f"{GOAL_RSS_MB:.0f} MB: {'met' if rss < GOAL_RSS_MB else 'missed'}); exit {result.code}, "
        f"run {result.status}.",
        f"- Normal column: {'exact' if normal == want else 'NOT exact'} ({len(normal)} of {len(want)} "
        f"items, outcome {result.fetches['normal'].outcome if 'normal' in result.fetches else 'none'}).",
        f"- Hostile columns with their named outcome: {len(CASES) - len(missing) - len(wrong)} of "
        f"{len(CASES)}"
        + (f" (no outcome: {', '.join(missing)})" if missing else "")
        + (f" (another outcome: {', '.join(wrong)})" if wrong else "")
        + ".",
        f"- Stored titles over {bound} characters or with control/bidi characters: {len(titles)}; "
        f"dates after the crawl's today ({TODAY}): {len(future)}; items stored: {len(result.items):,}.",
    ]


def machine() -> str:
    def out(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
        except OSError:
            return ""

    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in out(["lscpu"]).splitlines() if ln.startswith("Model name")),
        platform.processor(),
    )
    memory = next((ln.split()[1] for ln in out(["free", "-h"]).splitlines() if ln.startswith("Mem:")), "?")
    import scrapy

    return (
        f"{os.cpu_count()} CPUs (`nproc`), {cpu}, {memory} RAM (`free -h`); Python "
        f"{platform.python_version()}, Scrapy {scrapy.__version__}; load average before "
        f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
    )


def section(hostile: Hostile, result: harness.Result, crawl: dict[str, object], machine_line: str) -> str:
    argv = [a for a in sys.argv[1:] if not a.startswith(("--readme", "--no-readme", "--keep"))]
    cmd = (".venv/bin/python bench/bench_hostile.py " + " ".join(argv)).strip()
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    sizes = hostile.sizes
    return "\n".join(
        [
            BEGIN,
            f"Measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `{cmd}` on the work tree at "
            f"{head}.",
            "",
            f"- Machine: {machine_line}.",
            "- Crawl config: the product's defaults, with robots.txt obeyed, 8 per host, no delay, and "
            + ", ".join(f"`{k}: {v}`" for k, v in crawl.items())
            + ".",
            f"- Sizes: a {sizes.big / 1e6:.0f} MB list page, an endless stream, gzip and brotli bombs of "
            f"{sizes.bomb / 1e6:,.0f} MB of spaces, a drip of a byte every {sizes.drip_every} s, pagers "
            f"claiming {sizes.claimed_pages:,} pages, an endless and a slow pager ({sizes.slow_page} s a "
            f"page), 429 with Retry-After {sizes.retry_after} s, markup {sizes.depth:,} levels deep, a "
            f"{sizes.title:,}-character title.",
            *verdicts(hostile, result, crawl),
            "",
            table(hostile, result),
            END,
        ]
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawl", action="append", default=[], help="a crawl config key, KEY=VALUE")
    parser.add_argument("--size", action="append", default=[], help="a case size (Sizes), KEY=VALUE")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before the crawl is killed")
    parser.add_argument("--readme", type=Path, default=ROOT / "bench" / "README.md")
    parser.add_argument("--no-readme", action="store_true", help="print the section only")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (config, db, log)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    try:
        machine_line = machine()
        hostile, result, crawl = run(args, work)
        generated = section(hostile, result, crawl, machine_line)
        print(generated)
        if not args.no_readme:
            sections.write(args.readme, generated, heading=HEADING, begin=BEGIN, end=END)
    finally:
        if args.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
