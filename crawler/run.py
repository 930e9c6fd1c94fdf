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
from twisted.internet import defer

from crawler.helper import Helper
from crawler.items import ColumnDone
from crawler.settings import scrapy_settings
from crawler.spiders.column import ColumnJob, ColumnSpider
from crawler.spiders.links import LinkJob, LinkSpider
from crawler.urls import host_of
from monitor import store
from monitor.config import Config, Site
from monitor.deployment import joined
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
                status = _status(stats, failed=failed)
                crawls.finish_run(session, run_id=run, status=status, stats=stats, now=_utcnow())
            failed = status != "finished"
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


def _status(stats: Mapping[str, Any], *, failed: bool) -> str:
    """A run stopped by SIGTERM or Ctrl-C (the parent's timeout too) is aborted, not finished."""
    if stats.get("finish_reason") == "shutdown":
        return "aborted"
    return "failed" if failed else "finished"


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


def host_groups(configs: Sequence[Config]) -> list[list[Config]]:
    """The institutions joined by a host they share, each group in the order given: a group's
    institutions are crawled one after the other, so that no host has two crawlers (two sets of
    politeness slots) at once."""
    hosts = [{host for _, site in config.sites() for host in site_hosts(site)} for config in configs]
    return [[configs[i] for i in group] for group in joined(range(len(configs)), hosts.__getitem__)]


def crawl_many(
    configs: Sequence[Config],
    *,
    db_url: str,
    full: bool = False,
    today: dt.date | None = None,
    cookies: Callable[[Config], Mapping[tuple[str, str], str]] | None = None,
    verbose: int = 0,
    parallel: int = 8,
) -> dict[str, int]:
    """Crawl several institutions in one process: institution id → 0 when its run ended cleanly.

    One reactor, one crawler (and run) per institution with its own settings, up to ``parallel``
    of them at once, each of the ``parallel`` slots keeping one helper process for the
    institutions it crawls in turn. Institutions sharing a host never run at once
    (:func:`host_groups`). This is how a regulator's night pays the interpreter's, Scrapy's and
    the helper's start-up once, not once per institution; one institution's failure is its own
    run's, never the others'.
    """
    if not configs:
        return {}
    engine = store.connect(db_url)
    try:
        store.ensure_current(engine)
        night = _Night(
            configs[0], engine, db_url=db_url, full=full, today=today, verbose=verbose, cookies=cookies
        )
        night.start(host_groups(configs), parallel=parallel)
        gc.collect()  # see _run_spider
        gc.freeze()
        try:
            night.process.start()
        finally:
            night.abort_open()
            night.close()
    finally:
        engine.dispose()
    return night.results


#: The settings of crawl_many's process: those that no institution's config changes.
_PROCESS_SETTINGS = (
    "BOT_NAME",
    "LOG_LEVEL",
    "DNS_TIMEOUT",
    "TELNETCONSOLE_ENABLED",
    "REMOTE_CONTROL_ENABLED",
)


class _Night:
    """The crawls of :func:`crawl_many`: a queue of host groups, ``parallel`` slots taking from it."""

    def __init__(
        self,
        first: Config,
        engine: Any,
        *,
        db_url: str,
        full: bool,
        today: dt.date | None,
        verbose: int,
        cookies: Callable[[Config], Mapping[tuple[str, str], str]] | None,
    ) -> None:
        self.engine, self.db_url, self.full, self.today, self.verbose = engine, db_url, full, today, verbose
        self.cookies = cookies or (lambda _: {})
        # CrawlerProcess.crawl merges the process's settings into each crawler's, over them: so
        # it holds only what is the same for every institution (a crawler keeps its own delays,
        # concurrency, User-Agent and cache).
        shared = scrapy_settings(first, verbose=verbose)
        self.process = CrawlerProcess({key: shared[key] for key in _PROCESS_SETTINGS})
        level = self.process.settings["LOG_LEVEL"]
        logging.getLogger("scrapy").setLevel(level)  # as in _run_spider
        if not verbose:
            logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
        self.reactor_ready = False
        self.stopping = False
        self.starting: set[int] = set()  # the slots _next is starting a group in
        self.pending: list[list[Config]] = []
        self.helpers: dict[int, Helper] = {}
        self.results: dict[str, int] = {}
        self.open: dict[int, Config] = {}  # run id → institution, until its end is recorded

    def start(self, groups: list[list[Config]], *, parallel: int) -> None:
        self.pending = list(reversed(groups))
        for slot in range(min(parallel, len(groups))):
            self._next(slot)

    def close(self) -> None:
        for helper in self.helpers.values():
            helper.close()

    def abort_open(self) -> None:
        """Record as aborted the runs the reactor stopped before their end was recorded (a link
        check started while the night was being stopped never ends)."""
        for run, config in list(self.open.items()):
            self._end(config, run, {"finish_reason": "shutdown"}, failed=True)

    def _next(self, slot: int) -> None:
        """Start the slot's next group; one that ends at once (every crawl refused) is followed by
        the next in this loop, not by a recursion as deep as the queue."""
        while self.pending and not self.stopping:
            group = self.pending.pop()
            self.starting.add(slot)
            ended: defer.Deferred[Any] = defer.succeed(None)
            for config in group:
                ended.addBoth(self._crawl, config, slot)
            ended.addBoth(self._group_done, slot)
            if slot in self.starting:  # still crawling: _group_done starts the next group
                self.starting.discard(slot)
                return

    def _group_done(self, _: Any, slot: int) -> None:
        if slot in self.starting:  # it ended within _next: the loop there goes on
            self.starting.discard(slot)
        else:
            self._next(slot)

    def _crawl(self, _: Any, config: Config, slot: int) -> Any:
        """One institution's run: recorded, crawled (with its link check), finished; a Deferred."""
        key = config.institution.id
        self.results[key] = 1
        if self.stopping:
            return None
        try:
            run = _start_run(self.engine, config, sites=[], full=self.full)
        except Exception as exc:  # the database refused: this institution's, not the night's
            log.error("%s: cannot start the crawl: %s", key, exc)
            return None
        self.open[run] = config
        try:
            with store.sessions(self.engine).begin() as session:
                sites = selected_sites(config, ())
                jobs = build_jobs(session, config, sites=sites, full=self.full, cookies=self.cookies(config))
            own = {
                **scrapy_settings(config, verbose=self.verbose),
                "XXGK_DB_URL": self.db_url,
                "XXGK_RUN_ID": run,
            }
            crawler = Crawler(ColumnSpider, own, init_reactor=not self.reactor_ready)
            self.reactor_ready = True
            crawler.signals.connect(self._closed, signal=signals.spider_closed, weak=False)
            today = self.today or dt.datetime.now(config.institution.tz).date()
            helper = self._helper(slot, own, today)
            crawled = self.process.crawl(crawler, jobs=jobs, today=today, helper=helper)
            links = _link_crawler(
                self.process, config, jobs, db_url=self.db_url, crawled=crawled, settings=own
            )
        except Exception as exc:
            log.error("%s: cannot start the crawl: %s", key, exc)
            self._end(config, run, {}, failed=True)
            return None
        crawled.addErrback(lambda failure: log.error("%s: the crawl failed: %s", key, failure.value))
        crawled.addBoth(lambda _: self._finish(config, run, crawler, links))
        return crawled

    def _closed(self, spider: Any, reason: str) -> None:
        """A crawler stopped by SIGTERM or Ctrl-C ("shutdown"): no institution starts after it."""
        if reason == "shutdown":
            self.stopping = True

    def _helper(self, slot: int, settings: Mapping[str, Any], today: dt.date) -> Helper | None:
        if not settings.get("XXGK_HELPER_PROCESS", True):
            return None
        helper = self.helpers.get(slot)
        if helper is None or helper.broken:  # the spider gives it the columns (Helper.reset)
            helper = self.helpers[slot] = Helper(columns={}, today=today)
        return helper

    def _finish(self, config: Config, run: int, crawler: Crawler, links: Crawler | None) -> None:
        stats = _json_stats(crawler)
        if links is not None:
            stats.update({f"links/{key}": value for key, value in _json_stats(links).items()})
        failed = not stats or any(key.startswith(("spider_exceptions", "xxgk/errors")) for key in stats)
        self._end(config, run, stats, failed=failed)

    def _end(self, config: Config, run: int, stats: dict[str, Any], *, failed: bool) -> None:
        self.open.pop(run, None)
        status = _status(stats, failed=failed)
        try:
            with store.sessions(self.engine).begin() as session:
                crawls.finish_run(session, run_id=run, status=status, stats=stats, now=_utcnow())
        except Exception as exc:  # the next run aborts this one as dead
            log.error("%s: cannot record the end of the crawl: %s", config.institution.id, exc)
            return
        self.results[config.institution.id] = 0 if status == "finished" else 1


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
    process: CrawlerProcess,
    config: Config,
    jobs: Sequence[ColumnJob],
    *,
    db_url: str,
    crawled: Any,
    settings: Mapping[str, Any] | None = None,
) -> Crawler | None:
    """The link check (`crawler.spiders.links`), started when the column spider has stored its
    items; with ``settings`` (the institution's, in a process that crawls several) not the process's."""
    found = link_jobs(config, jobs)
    if not found:
        return None
    links = process.create_crawler(LinkSpider) if settings is None else Crawler(LinkSpider, dict(settings))
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
