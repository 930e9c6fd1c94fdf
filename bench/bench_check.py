"""The check and stats benchmarks of issue #4: 1,000,000 items in 400 columns, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_check.py [--items 1000000] [--runs 3] [--first-runs 0]
        [--backends sqlite,postgresql] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--readme bench/README.md] [--no-readme] [--profile] [--worktree] [--keep]

The code measured is a clean export of HEAD (`git archive`, first on PYTHONPATH; `--worktree`
measures the work tree instead): other sessions edit the work tree while this runs.

A synthetic institution (3 campuses, 100 sites x 4 columns = 400 columns, kinds mixed, 40
columns carrying a checklist slug) is written to a temp directory and `xxgk init`-ed, once per
backend (SQLite: a file; PostgreSQL: a new database ``xxgk_bench_<hex>``, dropped at the end,
like every copy made of it). Then, in batches of 10,000 (the driver's executemany for SQLite,
psycopg COPY for PostgreSQL; the load is timed on its own and is no goal): ``--items`` items
spread unevenly over the columns and over two years of dates (3 % undated; a few columns blank,
stale or wholly undated), each listed in its column and 3 % in a second column of its site; ten
nightly crawl runs with an outcome for every column (a few columns unreachable for the last
nights, behind a login, gone or unparsable). Titles reuse phrases; about 10 % are checklist
titles (tests/checklist/labelled_titles.yaml) or report types (任职, 招聘).

Measured; every ``xxgk`` time is the wall time of a subprocess with stdout to /dev/null, so
interpreter start-up, imports and loading the config are included:

1. ``xxgk check --format json``, first run (every title classified once): one plain run per
   backend on a fresh copy of the loaded database (``--first-runs N`` adds N more on further
   copies, minutes each), and one more on another copy through ``bench_check.py _cli``, which
   runs the same ``main()`` of ``monitor.cli`` under cProfile: its parts (classify_new split
   into reading titles / the classifier / storing labels, build_snapshot, rules.judge, the rest
   of run_check, the commit) are the profile's cumulative times of those product functions.
2. Steady state on that database: checks 2 to ``--runs``+1 (nothing new to classify), then
   ``--runs`` times 2,000 new items (one more nightly run) and a check. Goal: under 10 s. The
   split: the CLI's public calls made ``--runs`` times in this process, plain for the total and
   under cProfile for the parts, query by query.
3. ``xxgk stats --from --to --format json`` for the last complete statistics year, ``--runs``
   times. Goal: under 2 s. The split: the same calls in this process.

Medians over ``--runs`` (3). PostgreSQL gets ``VACUUM ANALYZE`` after the load and after the
first check (autovacuum does it within minutes in service, and the next nightly check comes a day
later); SQLite gets no ANALYZE, as the product runs none. After the table, the slowest statements
of one steady check and one stats run are printed with their plans (PostgreSQL: EXPLAIN ANALYZE;
SQLite: EXPLAIN QUERY PLAN), and with ``--profile`` or when a goal is missed, the top of the
cProfile of one steady check and one stats run. The Markdown table goes to stdout and, between
markers, into the "Check and stats (issue #4)" section of bench/README.md (bench/sections.py).

The parts, each its own module beside this one: ``check_institution`` (the institution and its
titles), ``check_load`` (filling a database), ``check_backends`` (SQLite and PostgreSQL copies,
the machine), ``check_runs`` (the timed runs), ``check_report`` (the table and the section).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import sections  # bench/sections.py: the script's directory is first on sys.path
import yaml
from check_backends import Backend, PostgresBackend, SQLiteBackend, export_head, git_head
from check_institution import CHECKLIST, institution
from check_report import BEGIN, END, HEADING, section, table
from check_runs import profiled_cli_child, run_backend, top_of_profile

ROOT = Path(__file__).resolve().parents[1]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--first-runs",
        type=int,
        default=0,
        help="more plain `xxgk check` first runs on fresh copies (minutes each)",
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--pg",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="an admin URL; the bench creates and drops its own databases",
    )
    parser.add_argument("--readme", type=Path, default=ROOT / "bench" / "README.md")
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print the top of the profiles of one steady check and one stats run",
    )
    parser.add_argument(
        "--worktree", action="store_true", help="measure the work tree, not a clean export of HEAD"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory (config, profiles)")
    return parser.parse_args()


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "_cli":
        profiled_cli_child(sys.argv[2], sys.argv[3:])
        return
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-check-"))
    args.head = git_head()
    src = ROOT if args.worktree else export_head(work / "src", args.head)
    sys.path.insert(0, str(src))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    from monitor.config import load_checklist

    backends: list[Backend] = []
    try:
        slugs = [item.slug for item in load_checklist(CHECKLIST).items]
        config, plans = institution(slugs)
        config_path = work / "bench.yaml"
        config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        results = []
        for name in args.backends.split(","):
            backend: Backend = SQLiteBackend(work) if name == "sqlite" else PostgresBackend(args.pg)
            backends.append(backend)
            results.append(run_backend(backend, args, work, config_path, plans))
            backend.close()
        generated = section(results, args, table(results), plans)
        print(generated)
        if not args.no_readme:
            sections.write(args.readme, generated, heading=HEADING, begin=BEGIN, end=END)
        for result in results:
            for what, plan in result.plans.items():
                print(
                    f"\nThe slowest statements of one {what} on {result.backend}, with their plans:\n\n{plan}"
                )
            for what, path in result.profiles.items():
                print(f"\ncProfile of one {what} on {result.backend} ({path}):")
                print(top_of_profile(path))
    finally:
        for backend in backends:
            with contextlib.suppress(Exception):
                backend.close()
        if args.keep or args.profile:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
