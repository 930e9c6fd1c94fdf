"""`python -m crawler.discover_run URL`: fetch a site's home page and its candidate columns, print YAML.

One call of :func:`discover` runs one Scrapy crawl (a reactor cannot restart, so the monitor
starts this as a subprocess, like a crawl): the home page, then every candidate link of
:func:`crawler.discover.candidate_links` (at most ``max_pages``), then what reading each candidate
still needs (:func:`crawler.discover.wanted`: its next list page, the JSON endpoint its script
reads and that endpoint's next page), each URL once; responses and failed requests' outcomes
(``robots_disallowed`` …) are collected in the spider, and the proposal is built after the
crawl by :func:`crawler.discover.propose`. Nothing is stored.

Politeness is the institution's (:func:`crawler.settings.scrapy_settings`) when a config is given;
otherwise robots.txt is obeyed, two requests per host, 0.5 s apart, with an honest User-Agent.

Several URLs are read in one crawl, and printed as a YAML stream: one document per site, headed
by a comment with its URL (``columns: []`` for a site that gave none).

Exit codes: 0 with the ``columns:`` block on stdout; 1 with one line on stderr (per site) when a
home page cannot be read, no list is found, or the config is invalid; 2 on usage errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler import middlewares as mw
from crawler.discover import Fetched, candidate_links, propose, to_yaml, wanted
from crawler.settings import scrapy_settings
from monitor.config import Checklist, Config, load_checklist, load_config
from monitor.errors import CrawlError, MonitorError

#: Without an institution there is no contact address; the UA still says what is asking and why.
GENERIC_USER_AGENT = (
    "xxgk-monitor/{} (information-disclosure monitor: column discovery, a few pages per site)"
)


class DiscoverSpider(scrapy.Spider):
    """Fetches the home page, its candidate links, and what reading each candidate needs besides
    (:func:`crawler.discover.wanted`: its next list page, the JSON endpoint of a shell page); keeps
    the responses and the failures for :func:`propose`."""

    name = "discover"

    def __init__(
        self, *, home_url: str, max_pages: int, checklist: Checklist, today: dt.date, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.home_url = home_url
        self.max_pages = max_pages
        self.checklist, self.today = checklist, today
        self.home: TextResponse | None = None
        self.pages: dict[str, TextResponse] = {}
        self.failed: dict[str, str] = {}
        self.waiting: dict[str, list[tuple[str, str]]] = {}  # URL asked for → candidates that need it
        self.error: str | None = None

    async def start(self) -> AsyncIterator[Any]:
        yield Request(self.home_url, callback=self.parse_home, errback=self.home_failed)

    def parse_home(self, response: Response) -> Iterator[Request]:
        problem = _unusable(response)
        if problem:
            self.error = problem
            return
        assert isinstance(response, TextResponse)  # _unusable says so
        self.home = response
        for name, url in candidate_links(response)[: self.max_pages]:
            yield from self._requests(url, candidate=(name, url))

    def parse_page(self, response: Response, url: str) -> Iterator[Request]:
        if _unusable(response):
            self.failed[url] = "unusable"
        else:
            assert isinstance(response, TextResponse)
            self.pages[url] = response
        yield from self._arrived(url)

    def page_failed(self, failure: Failure) -> Iterator[Request]:
        outcome, _, message = mw.outcome_for_failure(failure)
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        self.logger.info("skipped %s: %s (%s)", kwargs["url"], outcome, message)
        self.failed[kwargs["url"]] = outcome
        yield from self._arrived(kwargs["url"])

    def _arrived(self, url: str) -> Iterator[Request]:
        """What the candidates that waited for this URL need next (two may share an endpoint)."""
        for candidate in self.waiting.pop(url, []):
            try:
                yield from self._next(candidate)
            except Exception:  # one odd page must not stall the candidates waiting beside it
                self.logger.exception("cannot read %s", candidate[1])

    def _next(self, candidate: tuple[str, str]) -> Iterator[Request]:
        """Requests for what reading the candidate still lacks (each URL once)."""
        name, url = candidate
        fetched = Fetched(self.pages, self.failed)
        for needed in wanted(name, url, fetched, checklist=self.checklist, today=self.today):
            yield from self._requests(needed, candidate=candidate)

    def _requests(self, url: str, *, candidate: tuple[str, str]) -> Iterator[Request]:
        """A request for ``url`` unless one was made; either way ``candidate`` waits for it."""
        if url in self.pages or url in self.failed:
            yield from self._next(candidate)
            return
        first = url not in self.waiting
        waiters = self.waiting.setdefault(url, [])
        if candidate not in waiters:
            waiters.append(candidate)
        if first:
            kwargs = {"url": url}
            yield Request(
                url, callback=self.parse_page, errback=self.page_failed, cb_kwargs=kwargs, dont_filter=True
            )

    def home_failed(self, failure: Failure) -> None:
        outcome, _, message = mw.outcome_for_failure(failure)
        self.error = f"{outcome} ({message})"


def _unusable(response: Response) -> str | None:
    """Why a response cannot be read for lists: not HTML, a login wall, a block page."""
    if not isinstance(response, TextResponse):
        return "not an HTML page"
    if mw.is_login_url(response.url) or mw.is_login_page(response):
        return f"auth_required (a login page at {response.url})"
    if mw.is_block_page(response):
        return "blocked (an anti-bot page)"
    return None


def discovery_settings(config: Config | None) -> dict[str, Any]:
    """Scrapy settings: the institution's polite ones (no store pipeline), or polite defaults."""
    if config is not None:
        return {**scrapy_settings(config), "ITEM_PIPELINES": {}}
    return {
        "BOT_NAME": "xxgk-monitor",
        "USER_AGENT": GENERIC_USER_AGENT.format(version("xxgk-monitor")),
        "ROBOTSTXT_OBEY": True,
        "DOWNLOADER_MIDDLEWARES": {  # the crawler's: every waiting request gets the parser
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.middlewares.RobotsMiddleware": 100,
        },
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "DOWNLOAD_DELAY": 0.5,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 0.5,
        "DOWNLOAD_TIMEOUT": 30,
        "RETRY_TIMES": 2,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
    }


def discover(
    url: str, *, config: Config | None, checklist: Checklist, today: dt.date, max_pages: int = 40
) -> str:
    """The ``columns:`` block proposed for the site at ``url``; CrawlError when there is none."""
    found = discover_sites([url], config=config, checklist=checklist, today=today, max_pages=max_pages)[url]
    if isinstance(found, CrawlError):
        raise found
    return found


def discover_sites(
    urls: Sequence[str], *, config: Config | None, checklist: Checklist, today: dt.date, max_pages: int = 40
) -> dict[str, str | CrawlError]:
    """Each site's ``columns:`` block, or the CrawlError that says why there is none; the sites
    are read at once, in one crawl (the politeness settings apply per host)."""
    process = CrawlerProcess(discovery_settings(config))
    crawlers = {}
    for url in dict.fromkeys(urls):
        crawlers[url] = crawler = process.create_crawler(DiscoverSpider)
        process.crawl(crawler, home_url=url, max_pages=max_pages, checklist=checklist, today=today)
    process.start()
    found: dict[str, str | CrawlError] = {}
    for url, crawler in crawlers.items():
        spider = crawler.spider
        assert isinstance(spider, DiscoverSpider)
        try:
            found[url] = _block(spider, checklist=checklist, today=today)
        except CrawlError as exc:
            found[url] = exc
    return found


def _block(spider: DiscoverSpider, *, checklist: Checklist, today: dt.date) -> str:
    url = spider.home_url
    if spider.home is None:
        raise CrawlError(f"cannot read the home page {url}: {spider.error or 'no response'}")
    proposals = propose(spider.home, spider.pages, checklist=checklist, today=today, failed=spider.failed)
    if not proposals:
        raise CrawlError(
            f"no list page found on {url} among {len(spider.pages)} pages its navigation links to"
        )
    return to_yaml(proposals)


# ----------------------------------------------------------------------------- entry point


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m crawler.discover_run", description="Propose the columns block of a site."
    )
    p.add_argument(
        "url", nargs="+", help="the site's home page (http or https); several: one YAML document each"
    )
    p.add_argument("--checklist", type=Path, help="checklist file (default: the config's)")
    p.add_argument("--config", type=Path, help="institution config: politeness, contact, checklist")
    p.add_argument("--max-pages", type=int, default=40, help="candidate pages to fetch at most")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.checklist is None and args.config is None:
        p.error("give --checklist PATH or --config PATH")
    for url in args.url:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            p.error(f"expected an http:// or https:// URL (got {url!r})")
    try:
        config = load_config(args.config) if args.config else None
        checklist = load_checklist(args.checklist) if args.checklist else _checklist_of(config)
        zone = config.institution.tz if config else None
        today = dt.datetime.now(zone).date()
        found = discover_sites(
            args.url, config=config, checklist=checklist, today=today, max_pages=args.max_pages
        )
    except MonitorError as exc:
        print(f"discover: error: {exc}", file=sys.stderr)  # noqa: T201 - the entry point's one line
        return 1
    return _write(found, several=len(found) > 1)


def _write(found: dict[str, str | CrawlError], *, several: bool) -> int:
    """One block, or (several sites) a YAML stream of one document per site, headed by its URL;
    each failure is one line on stderr. Exit 1 when a site gave no block."""
    for n, (url, block) in enumerate(found.items()):
        if isinstance(block, CrawlError):
            print(f"discover: error: {block}", file=sys.stderr)  # noqa: T201 - one line per site
            block = "columns: []\n" if several else ""
        if several:
            sys.stdout.write(("---\n" if n else "") + f"# {url}\n")
        sys.stdout.write(block)
    return 1 if any(isinstance(block, CrawlError) for block in found.values()) else 0


def _checklist_of(config: Config | None) -> Checklist:
    assert config is not None  # main() requires --checklist or --config
    return config.checklist


if __name__ == "__main__":
    sys.exit(main())
