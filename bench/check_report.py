"""The check benchmark's Markdown: the table of every run and the section of bench/README.md.

`section(results, args, table(results), plans)` gives the text between the markers `BEGIN` and
`END`; bench/sections.py puts it into the "Check and stats (issue #4)" section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from collections.abc import Callable

from check_backends import ROOT, machine
from check_institution import NIGHTS, ColumnPlan
from check_runs import CHECK_GOAL, NEW_ITEMS, STATS_GOAL, Result, Split, med

BEGIN, END = "<!-- bench_check: begin (generated) -->", "<!-- bench_check: end -->"
HEADING = "## Check and stats (issue #4)"


def runs(values: list[float], digits: int = 1) -> str:
    return "" if len(values) < 2 else f" (runs: {', '.join(f'{v:.{digits}f}' for v in values)})"


def classify_parts(split: Split) -> tuple[float, float, float]:
    """(reading titles, the classifier, storing labels) of classify_new."""
    t = split
    read, write = t.get("unlabelled"), t.get("store_labels")
    return read, t.get("classify_new") - read - write, write


def snapshot_rest(split: Split) -> float:
    t = split
    return t.get("build_snapshot") - sum(t.get(n) for n in SNAPSHOT_QUERIES)


def rest_of_run_check(split: Split) -> float:
    t = split
    return t.get("run_check") - t.get("classify_new") - t.get("build_snapshot") - t.get("rules.judge")


def goal(value: float, limit: float) -> str:
    verdict = "met" if value < limit else f"missed by {value - limit:.1f} s ({value / limit:.1f}×)"
    return f"**{value:.1f} s**: {verdict}"


SNAPSHOT_QUERIES = ("column_facts", "recent_outcomes", "count_items_by_site", "manual_counts", "evidence")


def table(results: list[Result]) -> str:
    lines = [
        "| measure | " + " | ".join(r.backend for r in results) + " |",
        "|---" * (len(results) + 1) + "|",
    ]

    def row(label: str, cell: Callable[[Result], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")

    def split_row(
        label: str, value: Callable[[Split], float], splits: Callable[[Result], list[Split]]
    ) -> None:
        row(label, lambda r: f"{med([value(s) for s in splits(r)]):.2f} s")

    def first(r: Result) -> list[Split]:
        return [r.first_split] if r.first_split else []

    def steady(r: Result) -> list[Split]:
        return r.steady_splits

    def new(r: Result) -> list[Split]:
        return [r.new_split] if r.new_split else []

    def in_stats(r: Result) -> list[Split]:
        return r.stats_splits

    def t(name: str) -> Callable[[Split], float]:
        return lambda s: s.get(name)

    row("**Load** (not part of any goal)", lambda r: "")
    row("`xxgk init` (migrations, 400 columns)", lambda r: f"{r.init:.1f} s")
    row(
        "items / column_items / crawl runs / column_fetches",
        lambda r: f"{r.loaded.items:,} / {r.loaded.links:,} / {r.loaded.runs} / {r.loaded.fetches:,}",
    )
    row(
        "load (batches of 10,000)",
        lambda r: (
            f"{r.loaded.seconds:.1f} s ({'COPY' if r.backend == 'PostgreSQL' else 'executemany'})"
            + (f" + VACUUM ANALYZE {r.loaded.vacuum:.1f} s" if r.loaded.vacuum else "")
        ),
    )
    row(
        "database size after the load / at the end",
        lambda r: f"{r.loaded.size_mb:,.0f} / {r.size_after:,.0f} MiB",
    )
    row(
        "`xxgk --version` (interpreter start-up + imports)",
        lambda r: f"{med(r.startup):.2f} s{runs(r.startup, 2)}",
    )
    row(
        "**`xxgk check`, first run** (every title classified)",
        lambda r: f"**{med(r.first):.1f} s**{runs(r.first)}",
    )
    row(
        "items labelled with a checklist item / with a report type",
        lambda r: (
            f"{r.shares[1]:,} ({r.shares[1] / r.shares[0]:.1%}) / "
            f"{r.shares[2]:,} ({r.shares[2] / r.shares[0]:.1%})"
        ),
    )
    row(
        "**`xxgk check`, first run once more under cProfile** (the parts below)",
        lambda r: f"{r.first_split.total:.1f} s (`main()`)" if r.first_split else "",
    )
    split_row("— importing `monitor.cli` (not profiled)", t("import"), first)
    split_row(
        "— load_config + connect + ensure_current",
        lambda s: s.get("load_config") + s.get("connect") + s.get("ensure_current"),
        first,
    )
    split_row("— classify_new", t("classify_new"), first)
    split_row(
        "&nbsp;&nbsp;&nbsp;reading titles (`unlabelled`, 5,000 a batch)",
        lambda s: classify_parts(s)[0],
        first,
    )
    split_row(
        "&nbsp;&nbsp;&nbsp;classifier (`Classifier()`, `classify`, `report_type`)",
        lambda s: classify_parts(s)[1],
        first,
    )
    split_row("&nbsp;&nbsp;&nbsp;storing labels (`store_labels`)", lambda s: classify_parts(s)[2], first)
    split_row("— build_snapshot", t("build_snapshot"), first)
    split_row("— rules.judge", t("rules.judge"), first)
    split_row("— rest of run_check (`open_keys`, `save_findings` …)", rest_of_run_check, first)
    split_row("— commit", t("commit"), first)
    row(
        f"**`xxgk check`, steady state** (checks 2–{args_runs(results) + 1}, nothing to classify; "
        "goal < 10 s)",
        lambda r: f"{goal(med(r.steady), CHECK_GOAL)}{runs(r.steady)}",
    )
    row(
        f"… each after {NEW_ITEMS:,} new items (a new nightly run before each check)",
        lambda r: f"{goal(med(r.new), CHECK_GOAL)}{runs(r.new)}",
    )
    row("steady, in process (median): the whole check", lambda r: f"{med(r.steady_totals):.2f} s")
    split_row("… the same under cProfile (the parts below)", lambda s: s.total, steady)
    split_row("— load_config", t("load_config"), steady)
    split_row(
        "— connect + ensure_current (`alembic_version` against HEAD_REVISION)",
        lambda s: s.get("connect") + s.get("ensure_current"),
        steady,
    )
    split_row("— classify_new (nothing new: the `unlabelled` query)", t("classify_new"), steady)
    for name in SNAPSHOT_QUERIES:
        calls = " (×2: this year, last year)" if name == "count_items_by_site" else ""
        split_row(f"— build_snapshot: `{name}`{calls}", t(name), steady)
    split_row("— build_snapshot: the rest (Python)", snapshot_rest, steady)
    split_row("— rules.judge", t("rules.judge"), steady)
    split_row("— rest of run_check (`save_findings` …)", rest_of_run_check, steady)
    split_row("— commit", t("commit"), steady)
    split_row(
        "— `check_document` + JSON",
        lambda s: (
            s.total
            - sum(s.get(n) for n in ("load_config", "connect", "ensure_current", "run_check", "commit"))
        ),
        steady,
    )
    split_row(f"after {NEW_ITEMS:,} new items, in process: classify_new", t("classify_new"), new)
    row(
        "**`xxgk stats`**, last statistics year, `--format json` (goal < 2 s)",
        lambda r: f"{goal(med(r.stats), STATS_GOAL)}{runs(r.stats, 2)}",
    )
    row("in process (median): the whole command", lambda r: f"{med(r.stats_totals):.2f} s")
    split_row("… the same under cProfile (the parts below)", lambda s: s.total, in_stats)
    split_row("— load_config", t("load_config"), in_stats)
    split_row(
        "— connect + ensure_current",
        lambda s: s.get("connect") + s.get("ensure_current"),
        in_stats,
    )
    split_row("— classify_new (nothing new)", t("classify_new"), in_stats)
    split_row("— `count_items_by_site` ×2 (the year, the year before)", t("count_items_by_site"), in_stats)
    split_row("— `report_type_counts`", t("report_type_counts"), in_stats)
    split_row(
        "— tables + JSON (`build_tables`, `to_json`)",
        lambda s: s.get("build_tables") + s.get("to_json"),
        in_stats,
    )
    return "\n".join(lines)


def args_runs(results: list[Result]) -> int:
    return len(results[0].steady) if results else 0


def code_version(args: argparse.Namespace) -> str:
    if not args.worktree:
        return f"a clean export of commit {args.head} (`git archive {args.head} monitor alembic crawler`)"
    command = ["git", "status", "--short", "monitor", "alembic"]
    dirty = subprocess.run(command, cwd=ROOT, capture_output=True, text=True).stdout
    return (
        f"the work tree at {args.head} ({len(dirty.splitlines())} files changed under monitor/ and alembic/)"
    )


def section(results: list[Result], args: argparse.Namespace, body: str, plans: list[ColumnPlan]) -> str:
    argv = [a for a in sys.argv[1:] if not a.startswith("--readme")]
    cmd = ".venv/bin/python bench/bench_check.py " + " ".join(argv)
    kinds: dict[str, int] = {}
    for p in plans:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    verdicts = ", ".join(
        f"{r.backend}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(r.steady_splits[0].summary["columns"].items()))
        for r in results[:1]
    )
    findings = results[0].steady_splits[0].summary["findings"] if results else {}
    first_labels = (
        results[0].first_split.calls.get("store_labels", 0) if results and results[0].first_split else 0
    )
    return "\n".join(
        [
            BEGIN,
            f"Measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `{cmd.strip()}`. "
            "Every `xxgk` time is the wall time of a subprocess with stdout to /dev/null, so interpreter "
            "start-up, imports and loading the config are in it; "
            f"medians of {args.runs} runs unless one value is shown. "
            "The first run is a plain `xxgk check` on a fresh copy (it classifies every title: minutes)"
            f"{f', plus {args.first_runs} more on further copies' if args.first_runs else ''}; "
            "its parts come from one more first run on another copy, through `bench_check.py _cli`, "
            "which runs the same `monitor.cli` `main()` under cProfile. The steady and stats splits "
            "are the CLI's public calls made in the bench process, timed plain for the totals and "
            "under cProfile for the parts (cumulative time per product function; nothing of the "
            "product is wrapped or replaced; the profiler's overhead is in the parts).",
            "",
            f"- Machine: {machine([r.version for r in results])}.",
            f"- Code: {code_version(args)}.",
            f"- Data: 3 campuses, 100 sites, {len(plans)} columns ("
            + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
            + f"), 40 of them with a checklist slug; {args.items:,} items over two years (3 % undated), "
            f"{NIGHTS} nightly crawl runs. Verdicts of a steady check ({verdicts}); findings {findings}. "
            f"The first check labels in {first_labels} batches of 5,000.",
            "",
            body,
            END,
        ]
    )
