"""Config → Scrapy settings and spider jobs; the only place a Twisted reactor starts.

One call of :func:`crawl` is one crawl run: it records the run, builds a job per column with
what the store knows (settled items, known items and their article dates, validators, the
profile that read it), runs the spider to the end and records the run's stats. A reactor
cannot be restarted in a process, so the monitor always starts a crawl as a subprocess
(`python -m crawler`).
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess

from crawler.items import ColumnDone
from crawler.settings import scrapy_settings
from crawler.spiders.column import ColumnJob, ColumnSpider
from crawler.spiders.links import LinkJob, LinkSpider
from crawler.urls import host_of
from monitor import store
from monitor.config import Config, Site
from monitor.errors import ConfigError
from monitor.store import crawls

log = logging.getLogger(__name__)


def selected_sites(config: Config, site_ids: Sequence[str]) -> list[Site]:
    known = {site.id: site for _, site in config.sites()}
    unknown = [s for s in site_ids if s not in known]
    if unknown:
        raise ConfigError(f"no site with id {unknown[0]!r} in the config (known: {', '.join(known)})")
    return [known[s] for s in site_ids] if site_ids else list(known.values())


def site_hosts(site: Site) -> frozenset[str]:
    """The hosts a site's items may live on: those of its columns and their list APIs."""
    urls = [c.url for c in site.columns] + [c.api.url.replace("{page}", "1") for c in site.columns if c.api]
    return frozenset(host_of(url) for url in urls)


def build_jobs(
    session: store.Session,
    config: Config,
    *,
    sites: Sequence[Site],
    full: bool,
    cookies: Mapping[tuple[str, str], str],
) -> list[ColumnJob]:
    states = crawls.column_states(session, institution_key=config.institution.id)
    jobs = []
    for site in sites:
        hosts = site_hosts(site)
        known: frozenset[str] | None = None
        verified: dict[str, dt.date] = {}
        for column in site.columns:
            state = states[(site.id, column.id)]
            if known is None:
                known = frozenset(crawls.known_urls(session, site_id=state.site_id))
                verified = crawls.article_dates(session, site_id=state.site_id)
            since = None if full else state.settled_since
            settled = crawls.settled_urls(session, column_id=state.column_id, before=since) if since else None
            jobs.append(
                ColumnJob(
                    site=site.id,
                    column=column,
                    site_id=state.site_id,
                    column_id=state.column_id,
                    hosts=hosts,
                    settled=frozenset(settled) if settled is not None else None,
                    known=known,
                    validators=state.validators,
                    profile=state.profile,
                    verified=verified,
                    cookie=cookies.get((site.id, column.id)),
                    max_pages=config.crawl.max_pages_per_column,
                )
            )
    return jobs


def _start_run(engine: Any, config: Config, *, sites: Sequence[str], full: bool) -> int:
    now = dt.datetime.now(dt.UTC)
    with store.sessions(engine).begin() as session:
        key = config.institution.id
        crawls.abort_dead_runs(session, institution_key=key, now=now)
        return crawls.start_run(
            session, institution_key=key, full=full, sites=sites, pid=os.getpid(), now=now
        )


def crawl(
    config: Config,
    *,
    db_url: str,
    site_ids: Sequence[str] = (),
    full: bool = False,
    today: dt.date | None = None,
    cookies: Mapping[tuple[str, str], str] | None = None,
    verbose: int = 0,
    progress: bool = False,
    run_id: int | None = None,
    on_stats: Callable[[dict[str, Any]], None] | None = None,
) -> int:
    """Crawl the selected sites (all by default) into the database; 0 when the run ended cleanly.

    With ``run_id`` the crawl is one job of a distributed run (``monitor.distributed``): it
    records into that run, which the coordinator started and will finish, after removing what
    an earlier attempt of the same job recorded (a worker killed mid-job); its stats go to
    ``on_stats`` instead of into the run.
    """
    sites = selected_sites(config, site_ids)
    today = today or dt.datetime.now(config.institution.tz).date()
    engine = store.connect(db_url)
    try:
        store.ensure_current(engine)
        if run_id is None:
            run = _start_run(engine, config, sites=list(site_ids), full=full)
        else:
            run = _join_run(engine, config, run_id=run_id, sites=sites)
        with store.sessions(engine).begin() as session:
            jobs = build_jobs(session, config, sites=sites, full=full, cookies=cookies or {})
        stats = _run_spider(
            config, jobs, db_url=db_url, run_id=run, today=today, verbose=verbose, progress=progress
        )
        failed = any(key.startswith(("spider_exceptions", "xxgk/errors")) for key in stats)
        if run_id is not None and on_stats is not None:
            on_stats(stats)
        elif run_id is None:  # (a full disk may refuse this too: one line, and the next run aborts it)
            with store.translate_errors(db_url), store.sessions(engine).begin() as session:
                status = "failed" if failed else "finished"
                crawls.finish_run(session, run_id=run, status=status, stats=stats, now=_utcnow())
    finally:
        engine.dispose()
    return 1 if failed else 0


def _join_run(engine: Any, config: Config, *, run_id: int, sites: Sequence[Site]) -> int:
    key = config.institution.id
    with store.sessions(engine).begin() as session:
        states = crawls.column_states(session, institution_key=key)
        ids = [states[(site.id, column.id)].column_id for site in sites for column in site.columns]
        crawls.join_run(session, run_id=run_id, institution_key=key, column_ids=ids)
    return run_id


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _run_spider(
    config: Config,
    jobs: list[ColumnJob],
    *,
    db_url: str,
    run_id: int,
    today: dt.date,
    verbose: int,
    progress: bool,
) -> dict[str, Any]:
    settings = {**scrapy_settings(config, verbose=verbose), "XXGK_DB_URL": db_url, "XXGK_RUN_ID": run_id}
    process = CrawlerProcess(settings)
    # Scrapy filters by level at its root handler only, so every request and item still built a
    # DEBUG record (caller lookup included) to be thrown away; the level on the logger skips that.
    logging.getLogger("scrapy").setLevel(settings["LOG_LEVEL"])
    if not verbose:  # a host that is down is an outcome in the summary, not a traceback
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(ColumnSpider)
    display = _Progress(jobs) if progress else None
    if display is not None:
        crawler.signals.connect(display.item_scraped, signal=signals.item_scraped, weak=False)
    crawled = process.crawl(crawler, jobs=jobs, today=today)
    links = _link_crawler(process, config, jobs, db_url=db_url, crawled=crawled)
    # The cyclic GC rescans every long-lived object (Scrapy, SQLAlchemy, the config, the jobs)
    # at each full pass: about 15 in a full crawl, 3 s of its CPU. What exists now lives until
    # the end of the crawl, so it leaves the GC's sight. (Rarer passes would save more, but let
    # the responses caught in reference cycles pile up: +60 MB of peak RSS.)
    gc.collect()
    gc.freeze()
    try:
        if display is not None:
            display.start()
        process.start()
    finally:
        if display is not None:
            display.stop()
    stats = _json_stats(crawler)
    if links is not None:  # prefixed: a link that fails is a finding, not a failed crawl
        stats.update({f"links/{key}": value for key, value in _json_stats(links).items()})
    return stats


def link_jobs(config: Config, jobs: Sequence[ColumnJob]) -> list[LinkJob]:
    """One link check per crawled site, its links on every configured host (`checks.link_checks`)."""
    checks = config.checks
    if not checks.link_checks:
        return []
    hosts = frozenset(host for _, site in config.sites() for host in site_hosts(site))
    sites = {job.site: job.site_id for job in jobs}
    return [
        LinkJob(site, site_id, hosts, external=checks.external_links, recheck_days=checks.link_recheck_days)
        for site, site_id in sites.items()
    ]


def _link_crawler(
    process: CrawlerProcess, config: Config, jobs: Sequence[ColumnJob], *, db_url: str, crawled: Any
) -> Crawler | None:
    """The link check (`crawler.spiders.links`), started when the column spider has stored its items."""
    found = link_jobs(config, jobs)
    if not found:
        return None
    links = process.create_crawler(LinkSpider)
    since = _utcnow()  # the items this crawl lists are stored after this
    crawled.addCallback(lambda _: process.crawl(links, jobs=found, db_url=db_url, since=since))
    return links


def _json_stats(crawler: Crawler) -> dict[str, Any]:
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in stats.items()}


class _Progress:
    """A rich progress bar per site on stderr: columns walked, items seen."""

    def __init__(self, jobs: list[ColumnJob]) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("{task.description:<16}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[items]} items"),
            console=Console(stderr=True),
            transient=False,
        )
        per_site: dict[str, int] = {}
        for job in jobs:
            per_site[job.site] = per_site.get(job.site, 0) + 1
        self.tasks = {site: self.progress.add_task(site, total=n, items=0) for site, n in per_site.items()}
        self.items = dict.fromkeys(per_site, 0)

    def start(self) -> None:
        self.progress.start()

    def stop(self) -> None:
        self.progress.stop()

    def item_scraped(self, item: Any, **_: Any) -> None:
        if isinstance(item, ColumnDone):
            self.items[item.site] += item.items_seen
            self.progress.update(self.tasks[item.site], advance=1, items=self.items[item.site])
