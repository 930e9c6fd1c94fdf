"""`python -m crawler`: argv → run.crawl(); exit 0 ok, 1 crawl errors, 2 usage.

With `crawler/run.py` this is the only crawler code that reads argv, files and the environment:
intranet columns take their cookie from the variable their config names (``auth.cookie_env``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from monitor.config import Config
from monitor.deployment import load_selected
from monitor.errors import ConfigError, MonitorError


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD (got {text!r})") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1 (got {text!r})")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m crawler", description="Crawl the configured columns.")
    p.add_argument(
        "--config", required=True, type=Path, help="institution config (YAML), or a folder of them"
    )
    p.add_argument(
        "--institution",
        action="append",
        default=[],
        help="with a folder: crawl only this institution (repeatable)",
    )
    p.add_argument(
        "--parallel",
        type=_positive,
        default=8,
        help="with several institutions: how many are crawled at once",
    )
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--site", action="append", default=[], help="crawl only this site (repeatable)")
    p.add_argument("--full", action="store_true", help="page back to the beginning of every column")
    p.add_argument("--today", type=_date, help="the crawl date (default: today in the institution's zone)")
    p.add_argument("--progress", action="store_true", help="show a progress bar per site on stderr")
    p.add_argument("--run-id", type=int, help="record into this running crawl run (a distributed job)")
    p.add_argument("--stats", type=Path, help="with --run-id: write the crawl's stats here as JSON")
    p.add_argument("-v", "--verbose", action="count", default=0)
    return p


def cookies_from(environ: Mapping[str, str], config: Config) -> dict[tuple[str, str], str]:
    found = {}
    for _, site in config.sites():
        for column in site.columns:
            if column.auth and environ.get(column.auth.cookie_env):
                found[(site.id, column.id)] = environ[column.auth.cookie_env]
    return found


def _writer(path: Path | None) -> Callable[[dict[str, Any]], None] | None:
    if path is None:
        return None

    def write(stats: dict[str, Any]) -> None:
        path.write_text(json.dumps(stats, sort_keys=True, default=str), encoding="utf-8")

    return write


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        from crawler.run import crawl, crawl_many

        configs = load_selected(args.config, args.institution).select(args.institution)
        if len(configs) > 1:
            if args.site or args.run_id is not None:
                raise ConfigError("--site and --run-id take one institution: add --institution ID")
            results = crawl_many(
                configs,
                db_url=args.db,
                full=args.full,
                today=args.today,
                cookies=lambda config: cookies_from(os.environ, config),
                verbose=args.verbose,
                parallel=args.parallel,
            )
            return 1 if any(results.values()) else 0
        config = configs[0]
        return crawl(
            config,
            db_url=args.db,
            site_ids=args.site,
            full=args.full,
            today=args.today,
            cookies=cookies_from(os.environ, config),
            verbose=args.verbose,
            progress=args.progress,
            run_id=args.run_id,
            on_stats=_writer(args.stats),
        )
    except MonitorError as exc:
        print(f"crawler: error: {exc}", file=sys.stderr)  # noqa: T201 - the entry point's one line
        return 1


if __name__ == "__main__":
    sys.exit(main())
