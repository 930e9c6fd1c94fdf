"""The link check's cost in steady state (issue #12): extra requests per column per night, and the
time it adds to a nightly crawl.

    .venv/bin/python bench/bench_links.py [--nights 5] [--share 0.1] [--readme bench/README.md] [--no-readme]

The demo campus (small scale, with its personal-data traps) is served on loopback in this process
and crawled by two databases side by side, on the same campus state each night: one with the
link check on (the default) and one with ``checks: {link_checks: false}`` (the baseline). Each
crawl is ``python -m monitor crawl`` as a subprocess; the requests it costs are counted by the
demo server (every request it answered during that crawl). The difference is what the link check
asks for.

- Night 0: ``crawl --full`` (the first night checks every link it meets once).
- Nights 1…N: a new item in ``--share`` of the columns (at least one), then an incremental
  ``crawl`` for each database: the steady state's new links.
- The recheck night: every stored check is made ``link_recheck_days`` older (SQL on the link-on
  database's ``link_checks`` only; a benchmark may, the product never does), then one more
  incremental crawl each: the URLs listed again that come due. In steady state that burst is spread
  over ``link_recheck_days`` nights, so it adds burst / ``link_recheck_days`` a night.

Steady state per column per night = mean extra of nights 1…N / columns + recheck extra /
(``link_recheck_days`` × columns). The Markdown goes to stdout and between markers into
bench/README.md (bench/sections.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sections  # noqa: E402 - bench/sections.py: the script's directory is first on sys.path

from monitor.config import ChecksSettings, load_config  # noqa: E402
from monitor.demo import DemoServer, build_campus, demo_config_yaml  # noqa: E402

HEADING = "## Link checks in steady state (issue #12)"
BEGIN, END = "<!-- bench_links:begin -->", "<!-- bench_links:end -->"
GOAL = 0.2  # extra requests per column per night (issue #12)


def crawl(work: Path, mode: str, *args: str) -> float:
    """One crawl of the `mode` database; its wall time."""
    argv = [sys.executable, "-m", "monitor", "--config", str(work / f"{mode}.yaml"),
            "--db", f"sqlite:///{work / mode}.db", "crawl", *args]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=work / mode, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench_links: {mode} crawl failed ({done.returncode}): {done.stderr[-2000:]}")
    return time.perf_counter() - start


def age_checks(db: Path, days: int) -> int:
    """Make every stored link check `days` older; how many there are."""
    with sqlite3.connect(db) as conn:
        cursor = conn.execute(
            "UPDATE link_checks SET checked_at = datetime(checked_at, ?) WHERE checked_at IS NOT NULL",
            (f"-{days} days",),
        )
        return cursor.rowcount


def run(args: argparse.Namespace, work: Path) -> dict[str, object]:
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    campus = build_campus(today=today)
    rng = random.Random(12)
    recheck_days = ChecksSettings().link_recheck_days
    nights: list[dict[str, object]] = []
    with DemoServer(campus) as server:
        checklist = str(ROOT / "config" / "checklist.yaml")
        text = demo_config_yaml(campus, port=server.port, checklist_path=checklist)
        for mode, extra in (("on", ""), ("off", "\nchecks:\n  link_checks: false\n")):
            (work / mode).mkdir()
            (work / f"{mode}.yaml").write_text(text + extra, encoding="utf-8")
        config = load_config(work / "on.yaml")
        columns = [(site.id, column.id) for _, site in config.sites() for column in site.columns]

        def night(name: str, *crawl_args: str) -> None:
            row: dict[str, object] = {"night": name}
            for mode in ("on", "off"):
                before = len(server.requests())
                row[f"{mode}_s"] = crawl(work, mode, *crawl_args)
                row[mode] = len(server.requests()) - before
            nights.append(row)

        night("0: first crawl (--full)", "--full")
        for n in range(1, args.nights + 1):
            chosen = rng.sample(columns, max(1, round(len(columns) * args.share)))
            for site_id, column_id in chosen:
                campus.publish(site_id, column_id, 1, on=today)
            night(f"{n}: {len(chosen)} new items")
        aged = age_checks(work / "on.db", recheck_days)
        night(f"recheck: {aged} checks made {recheck_days} days older")
    return {"columns": len(columns), "nights": nights, "recheck_days": recheck_days, "share": args.share}


def section(result: dict[str, object], machine_line: str, cmd: str) -> str:
    nights: list[dict[str, object]] = result["nights"]  # type: ignore[assignment]
    columns: int = result["columns"]  # type: ignore[assignment]
    recheck_days: int = result["recheck_days"]  # type: ignore[assignment]
    extra = [int(row["on"]) - int(row["off"]) for row in nights]  # type: ignore[call-overload]
    added = [float(row["on_s"]) - float(row["off_s"]) for row in nights]  # type: ignore[arg-type]
    steady_new = sum(extra[1:-1]) / max(1, len(extra) - 2)
    steady = steady_new / columns + extra[-1] / (recheck_days * columns)
    lines = [
        BEGIN,
        f"Measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `{cmd}` on the demo campus "
        f"(small scale, {columns} columns).",
        "",
        f"- Machine: {machine_line}.",
        "",
        "| night | requests, link check on | off | extra | extra per column | crawl s on / off |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row, more in zip(nights, extra, strict=True):
        lines.append(
            f"| {row['night']} | {row['on']} | {row['off']} | {more} | {more / columns:.3f} | "
            f"{float(row['on_s']):.1f} / {float(row['off_s']):.1f} |"  # type: ignore[arg-type]
        )
    verdict = "met" if steady <= GOAL else "**not met**"
    lines += [
        "",
        f"Steady state: {steady_new:.1f} extra requests a night for the new items "
        f"({steady_new / columns:.3f} a column) plus the recheck night's {extra[-1]} spread over "
        f"{recheck_days} nights ({extra[-1] / (recheck_days * columns):.3f} a column): "
        f"**{steady:.3f} extra requests per column per night**; goal ≤ {GOAL}: {verdict}. "
        f"Time added to a night's crawl: {sum(added[1:-1]) / max(1, len(added) - 2):+.1f} s "
        f"(the first crawl: {added[0]:+.1f} s).",
        END,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=5)
    parser.add_argument("--share", type=float, default=0.1, help="columns with a new item a night")
    parser.add_argument("--readme", type=Path, default=ROOT / "bench" / "README.md")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-links-"))
    try:
        result = run(args, work)
        cmd = "bench/bench_links.py " + " ".join(sys.argv[1:])
        generated = section(result, sections.machine(), cmd.strip())
        print(generated)
        if not args.no_readme:
            sections.write(args.readme, generated, heading=HEADING, begin=BEGIN, end=END)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
