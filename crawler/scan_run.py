"""`python -m crawler.scan_run`: the personal-data scan of stored items; exit 0 ok, 1 errors, 2 usage.

Without ``--all`` it scans the items first seen in the last :data:`NEW_DAYS` days that have no
scan yet (the nightly run, after the crawl: what the crawl met); with ``--all`` every stored item
without a scan. Either way an item scanned before is not fetched again, so a stopped scan resumes
where it was. Items of the configured sites only, on their configured hosts; the polite settings
of the crawl (robots.txt, per-host concurrency, delays, download caps) hold for every request.
The last line on stdout is a JSON summary: ``{"jobs", "scanned", "partial", "not_scanned", "failed"}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import NotConfigured

from crawler.__main__ import cookies_from
from crawler.run import selected_sites, site_hosts
from crawler.settings import scrapy_settings
from crawler.spiders.scan import ScanJob, Scanned, ScanSpider
from crawler.urls import host_of
from monitor import store
from monitor.config import Config, load_config
from monitor.errors import MonitorError
from monitor.store import scans

log = logging.getLogger(__name__)
NEW_DAYS = 7


class ScanPipeline:
    """Store each URL's scan in its own short transaction: what is committed is never read again."""

    def __init__(self, *, db_url: str) -> None:
        self.db_url = db_url
        self.engine: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ScanPipeline:
        db_url = crawler.settings.get("XXGK_DB_URL")
        if not db_url:
            raise NotConfigured("XXGK_DB_URL is needed to store scans")
        return cls(db_url=db_url)

    def open_spider(self) -> None:
        self.engine = store.connect(self.db_url)

    def close_spider(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Scanned):
            now = dt.datetime.now(dt.UTC)
            with store.translate_errors(self.db_url), store.sessions(self.engine).begin() as session:
                scans.record_scan(session, record=item.record, now=now)
        return item


def build_jobs(
    session: store.Session,
    config: Config,
    *,
    sites: Sequence[str],
    every: bool,
    limit: int | None,
    cookies: dict[tuple[str, str], str],
) -> tuple[list[ScanJob], list[scans.ScanRecord]]:
    """The jobs, and the records of items off their site's configured hosts (never fetched)."""
    chosen = selected_sites(config, sites)
    hosts = {site.id: site_hosts(site) for site in chosen}
    cookie = {site: value for (site, _), value in cookies.items()}
    since = None if every else dt.datetime.now(dt.UTC) - dt.timedelta(days=NEW_DAYS)
    todo = scans.to_scan(
        session, institution_key=config.institution.id, sites=list(hosts), since=since, limit=limit
    )
    done: dict[int, set[str]] = {}
    for item_id, url in scans.scanned_urls(session, item_ids=[t.item_id for t in todo]):
        done.setdefault(item_id, set()).add(url)
    jobs, skipped = [], []
    for t in todo:
        if host_of(t.url) not in hosts[t.site]:
            skipped.append(
                scans.ScanRecord(
                    t.item_id,
                    t.url,
                    t.is_attachment,
                    "other",
                    "not_scanned",
                    "not on the site's configured hosts",
                )
            )
            continue
        jobs.append(
            ScanJob(
                t.item_id,
                t.site,
                t.url,
                t.is_attachment,
                hosts[t.site],
                frozenset(done.get(t.item_id, ())),
                cookie.get(t.site),
            )
        )
    return jobs, skipped


def scan(
    config: Config,
    *,
    db_url: str,
    sites: Sequence[str] = (),
    every: bool = False,
    limit: int | None = None,
    cookies: dict[tuple[str, str], str] | None = None,
    verbose: int = 0,
) -> dict[str, int]:
    """Scan the items to scan; the counts of the URLs scanned by outcome, and the number of jobs."""
    engine = store.connect(db_url)
    try:
        store.ensure_current(engine)
        with store.sessions(engine).begin() as session:
            jobs, skipped = build_jobs(
                session, config, sites=sites, every=every, limit=limit, cookies=cookies or {}
            )
            now = dt.datetime.now(dt.UTC)
            for record in skipped:
                scans.record_scan(session, record=record, now=now)
    finally:
        engine.dispose()
    stats = _run(config, jobs, db_url=db_url, verbose=verbose) if jobs else {}
    summary = {"jobs": len(jobs), **{o: int(stats.get(f"xxgk/scan/{o}", 0)) for o in scans.SCAN_OUTCOMES}}
    summary["not_scanned"] += len(skipped)
    summary["errors"] = sum(int(v) for k, v in stats.items() if k.startswith("spider_exceptions"))
    return summary


def _run(config: Config, jobs: list[ScanJob], *, db_url: str, verbose: int) -> dict[str, Any]:
    settings = {**scrapy_settings(config, verbose=verbose), "XXGK_DB_URL": db_url}
    middlewares = dict(settings["DOWNLOADER_MIDDLEWARES"])
    for name in ("crawler.reader.ReadingMiddleware", "crawler.middlewares.BudgetMiddleware"):
        middlewares[name] = None  # list-page reading and column budgets are the column spider's
    settings["DOWNLOADER_MIDDLEWARES"] = middlewares
    settings["ITEM_PIPELINES"] = {"crawler.scan_run.ScanPipeline": 300}
    logging.getLogger("scrapy").setLevel(settings["LOG_LEVEL"])
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ScanSpider)
    process.crawl(crawler, jobs=jobs)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {k: v for k, v in stats.items() if isinstance(v, int)}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m crawler.scan_run", description="Scan stored items for personal data."
    )
    p.add_argument("--config", required=True, type=Path, help="institution config (YAML)")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--site", action="append", default=[], help="scan only this site (repeatable)")
    p.add_argument("--all", action="store_true", help="every stored item not scanned yet (else the new ones)")
    p.add_argument("--limit", type=int, help="scan at most this many items")
    p.add_argument("-v", "--verbose", action="count", default=0)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = load_config(args.config)
        cookies = cookies_from(os.environ, config)
        summary = scan(
            config,
            db_url=args.db,
            sites=args.site,
            every=args.all,
            limit=args.limit,
            cookies=cookies,
            verbose=args.verbose,
        )
    except MonitorError as exc:
        print(f"scan: error: {exc}", file=sys.stderr)  # noqa: T201 - the entry point's one line
        return 1
    print(json.dumps(summary))  # noqa: T201 - the summary the monitor reads
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
