"""The one generic spider: walks every configured column, driven by config; callbacks only route.

Per column it fetches the first list page (with conditional-GET validators from the last
complete walk), has it read (:mod:`crawler.reader`, in the helper process), turns the response into
an outcome, hands the page's rows to the pipeline as one item, opens an article page once where
the list shows no date, and decides whether to page on:

- a *full* walk (``--full``, or a column never walked to the end) follows the pager to the end,
  bounded by ``max_pages_per_column``;
- an *incremental* walk stops at the first page holding no new row; pinned (置顶) rows never count
  as new, so an old pinned item neither stops nor prolongs it.

When a column has no request left in flight, a :class:`~crawler.items.ColumnDone` carries its
outcome to the pipeline, after all of its items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler import dates
from crawler import middlewares as mw
from crawler.article import article_date
from crawler.extract import Listed, Listing, fallback_date, redate
from crawler.helper import Helper
from crawler.items import ColumnDone, ListingItems
from crawler.profiles.html import TITLE_MAX_CHARS, clean_title
from crawler.reader import PageReader, Reading
from crawler.settings import LIST_STATUSES
from crawler.urls import host_of, same_site
from monitor.config import Column
from monitor.store.repo import NewItem

MAX_REDIRECTS = 5
#: Rounds of retries a request gets: when a host still fails after RETRY_TIMES retries, the
#: request goes to the back of the queue for another round, so that one unlucky page of a flaky
#: host (a 503 in three tries) does not end a walk that follows its pager.
ROUNDS = 3


@dataclass(frozen=True)
class ColumnJob:
    """One column to walk, with what the store knew before the crawl."""

    site: str
    column: Column
    site_id: int
    column_id: int
    hosts: frozenset[str]
    settled: frozenset[str] | None  # None: walk every page
    known: frozenset[str]  # the site's stored item URLs: their articles were opened already
    validators: dict[str, Any]
    cookie: str | None
    max_pages: int
    profile: str | None = None  # the profile that read the column last time: tried first
    #: The site's items dated by their article (stored): a year to check is taken from here.
    verified: Mapping[str, dt.date] = field(default_factory=dict)

    @property
    def start_url(self) -> str:
        api = self.column.api
        return api.url.replace("{page}", str(api.first_page)) if api else self.column.url


@dataclass
class Checking:
    """A year-less list page waiting for the articles of its rows to check (``Listed.verify``)."""

    listing: Listing
    rows: list[Listed]
    page: int
    start: dt.date | None
    first: tuple[Listed, ...]  # the rows as inferred after the page before, with their flags
    anchors: dict[str, dt.date] = field(default_factory=dict)  # the dates the articles gave
    todo: set[str] = field(default_factory=set)  # articles asked for, not answered yet
    asked: set[str] = field(default_factory=set)


#: ``crawl.column_budget_seconds``' default, when the spider runs without the crawl's settings.
DEFAULT_BUDGET = 1800.0


@dataclass
class Walk:
    """The running state of one column's walk."""

    job: ColumnJob
    started_at: dt.datetime
    pending: int = 0
    pages: int = 0
    pages_failed: int = 0
    articles: int = 0
    items_seen: int = 0
    outcome: str | None = None
    http_status: int | None = None
    error: str | None = None
    requested: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)
    validators: dict[str, Any] = field(default_factory=dict)
    done: bool = False
    profile: str | None = None  # the last profile that read a page of the column
    #: The last date of the year-less page before (the next page's year chain starts there).
    carry: dt.date | None = None
    checking: dict[int, Checking] = field(default_factory=dict)
    last_error: str | None = None  # the failure a list page was last tried again after
    #: The wall time the column may take (``crawl.column_budget_seconds``; set by the spider).
    budget: mw.Budget = field(default_factory=lambda: mw.Budget(DEFAULT_BUDGET))

    def __post_init__(self) -> None:
        self.profile = self.profile or self.job.profile


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ColumnSpider(scrapy.Spider):
    name = "columns"

    def __init__(
        self, *, jobs: list[ColumnJob], today: dt.date, helper: Helper | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.today = today
        self.shared_helper = helper  # one the caller owns and reuses for the next crawl
        self.walks = {(job.site, job.column.id): Walk(job, _now()) for job in jobs}
        # article URL (per site) → the (walk, row) pairs waiting for its date
        self.waiting: dict[tuple[str, str], list[tuple[Walk, Listed]]] = {}
        self.columns = {(walk.job.site, walk.job.column.id): walk.job.column for walk in self.walks.values()}
        self.helper: Helper | None = None  # the pipeline writes through it too
        self.reader = PageReader(self.columns, today=today, helper=None)
        self.max_page_bytes = self.max_article_bytes = 16 * 2**20  # crawl.max_page_mb, max_article_mb
        self.title_max_chars = TITLE_MAX_CHARS  # crawl.title_max_chars

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ColumnSpider:
        """The spider, with a helper process (:mod:`crawler.helper`) unless ``XXGK_HELPER_PROCESS`` is off."""
        spider: ColumnSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_page_bytes = crawler.settings.getint("XXGK_MAX_PAGE_BYTES", spider.max_page_bytes)
        spider.max_article_bytes = crawler.settings.getint("XXGK_MAX_ARTICLE_BYTES", spider.max_article_bytes)
        spider.title_max_chars = crawler.settings.getint("XXGK_TITLE_MAX_CHARS", spider.title_max_chars)
        budget = crawler.settings.getfloat("XXGK_COLUMN_BUDGET", DEFAULT_BUDGET)
        for walk in spider.walks.values():
            walk.budget = mw.Budget(budget)
        shared = spider.shared_helper
        if shared is not None:  # a dead one: this crawl reads and writes in process
            if shared.reset(columns=spider.columns, today=spider.today):
                spider.helper = shared
        elif crawler.settings.getbool("XXGK_HELPER_PROCESS", True):
            spider.helper = Helper(columns=spider.columns, today=spider.today)
        if spider.helper is not None:
            spider.reader = PageReader(spider.columns, today=spider.today, helper=spider.helper)
        return spider

    def closed(self, reason: str) -> None:
        if self.helper is not None and self.helper is not self.shared_helper:
            self.helper.close()  # the pipeline has written its last batch by now

    async def start(self) -> AsyncIterator[Any]:
        for walk in self.walks.values():
            yield self._list_request(walk, walk.job.start_url, page=1)

    # ------------------------------------------------------------------ requests

    def _headers(self, walk: Walk, url: str, page: int) -> dict[str, str]:
        headers = {"Cookie": walk.job.cookie} if walk.job.cookie else {}
        etag, modified = (walk.job.validators.get(url) or [None, None]) if page == 1 else (None, None)
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        return headers

    def _list_request(
        self, walk: Walk, url: str, *, page: int, hops: int = 0, fanout: bool = False
    ) -> Request:
        """A list page; one the walk waits for (not one of many requested at once) goes first."""
        walk.pending += 1
        walk.requested.add(url)
        meta = {
            "walk": walk,
            "page": page,
            "hops": hops,
            "fanout": fanout,
            "read": True,
            "dont_redirect": True,
            "url": url,
            "download_maxsize": self.max_page_bytes,
            "budget": walk.budget,
        }
        return Request(
            url,
            headers=self._headers(walk, url, page),
            callback=self.parse_list,
            errback=self.list_failed,
            priority=0 if fanout else 1,
            meta={**meta, "handle_httpstatus_list": LIST_STATUSES},
            dont_filter=True,
        )

    def _article_request(self, walk: Walk, row: Listed) -> Request | None:
        key = (walk.job.site, row.url)
        walk.pending += 1
        if key in self.waiting:
            self.waiting[key].append((walk, row))
            return None
        self.waiting[key] = [(walk, row)]
        walk.articles += 1
        headers = {"Cookie": walk.job.cookie} if walk.job.cookie else {}
        return Request(
            row.url,
            headers=headers,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={
                "walk": walk,
                "article": row.url,
                "download_maxsize": self.max_article_bytes,
                "budget": walk.budget,
            },
            dont_filter=True,
        )

    # ------------------------------------------------------------------ list pages

    async def parse_list(self, response: Response) -> AsyncIterator[Any]:
        walk: Walk = response.meta["walk"]
        try:
            reading = await self._reading(response)
            for output in self._route_list(walk, response, reading):
                yield output
        except Exception as exc:  # a page that breaks extraction is one column's problem
            self.logger.exception("column %s/%s: %s", walk.job.site, walk.job.column.id, response.url)
            self.crawler.stats.inc_value("xxgk/errors/extract")
            self._page_failed(walk, response.meta["page"], "parse_failed", response.status, repr(exc))
        for output in self._settle(walk):
            yield output

    async def read(self, request: Request, response: Response) -> Reading | None:
        """The reading of a 2xx text list page (in the helper process); None for any other response.

        Called by :class:`crawler.reader.ReadingMiddleware` as the page leaves the downloader.
        """
        if not 200 <= response.status < 300 or not isinstance(response, TextResponse):
            return None
        walk: Walk = request.meta["walk"]
        key, fanout = (walk.job.site, walk.job.column.id), request.meta.get("fanout", False)
        return await self.reader.read(response, key=key, profile=walk.profile, urgent=not fanout)

    async def _reading(self, response: Response) -> Reading | None:
        """The page's reading from the middleware, or read now when the middleware is not there."""
        meta = response.meta
        if "reading_error" in meta:
            raise meta["reading_error"]
        if "reading" in meta:
            reading: Reading | None = meta["reading"]
            return reading
        return await self.read(response.request, response) if response.request else None

    def _route_list(self, walk: Walk, response: Response, reading: Reading | None) -> Iterator[Any]:
        page, status = response.meta["page"], response.status
        if status == 304:
            walk.pages += 1
            walk.validators[response.url] = walk.job.validators.get(response.url)
            self._set_outcome(walk, page, "ok", 304)
        elif 300 <= status < 400:
            yield from self._redirect(walk, response)
        elif status >= 400 and mw.outcome_for_status(status) == "unreachable" and _rounds_left(response.meta):
            walk.last_error = f"HTTP {status}"
            yield self._again(walk, response.meta)
        elif status >= 400:
            self._page_failed(walk, page, mw.outcome_for_status(status), status, f"HTTP {status}")
        elif (reading and reading.login) or (
            response.meta.get("redirect_urls") and mw.is_login_url(response.url)
        ):
            self._page_failed(walk, page, "auth_required", status, f"login page at {response.url}")
        elif reading is None:
            self._page_failed(walk, page, "parse_failed", response.status, "not a text page")
        else:
            yield from self._listing(walk, response, reading)

    def _redirect(self, walk: Walk, response: Response) -> Iterator[Any]:
        page, hops = response.meta["page"], response.meta["hops"]
        location = (response.headers.get("Location") or b"").decode("latin-1")
        target = urljoin(response.url, location)
        if mw.is_login_url(target):
            self._page_failed(walk, page, "auth_required", response.status, f"redirected to login {target}")
        elif host_of(target) in walk.job.hosts and hops < MAX_REDIRECTS:
            yield self._list_request(walk, target, page=page, hops=hops + 1)
        elif host_of(target) in walk.job.hosts:
            error = f"redirect loop: more than {MAX_REDIRECTS} redirects, the last to {target}"
            self._page_failed(walk, page, "not_found", response.status, error)
        else:
            error = f"redirected off the configured hosts to {target}"
            self._page_failed(walk, page, "not_found", response.status, error)

    def _listing(self, walk: Walk, response: Response, reading: Reading) -> Iterator[Any]:
        page, listing = response.meta["page"], reading.listing
        if listing is None or not listing.found:
            gone = mw.soft_404(response)
            if gone and not reading.blocked:  # a "page not found" page answered 200
                self._page_failed(walk, page, "not_found", response.status, f"soft 404: {gone}")
                return
            outcome = "blocked" if reading.blocked else "parse_failed"
            profile = listing.profile if listing else "none"
            self._page_failed(walk, page, outcome, response.status, f"no list recognised ({profile})")
            return
        walk.pages += 1
        if listing.rows:  # remembered for the next pages and, with the outcome, the next crawl
            walk.profile = listing.profile
        self._keep_validators(walk, response, page)
        rows = [row for row in listing.rows if self._is_items(walk, row)]
        self._set_outcome(walk, page, "ok" if rows else "empty", response.status)
        if any(row.date_source == "list_inferred" and not _hinted(row.url) for row in rows):
            yield from self._check_years(walk, listing, rows, page)
            return
        yield from self._rows(walk, rows)
        yield from self._more_pages(walk, listing, rows, page)

    # ------------------------------------------------------------------ year-less pages

    def _check_years(self, walk: Walk, listing: Listing, rows: list[Listed], page: int) -> Iterator[Any]:
        """A page with inferred years: its rows to check are dated by their articles (the stored
        date when the site has one, else the article is opened once), then the page is re-dated
        around them and continues the chain of the page before; its pages are walked in order."""
        start = walk.carry if page > 1 else None
        first = redate(rows, today=self.today, start=start) if start else tuple(rows)
        checking = Checking(listing, rows, page, start, first)
        yield from self._ask(walk, checking, [row.url for row in first if row.verify])

    def _ask(self, walk: Walk, checking: Checking, urls: list[str]) -> Iterator[Any]:
        """Check the years of these rows; once every answer is in, of the row below each one whose
        year was wrong too (was it the only old row on top, or is the whole page a year off?),
        then date the page."""
        # an item stored without an article date was checked before (or predates the checks): an
        # incremental walk opens no article twice; a full one (--full, a backfill) checks it again
        again = walk.job.settled is None
        while urls:
            checking.asked.update(urls)
            checking.anchors.update({url: walk.job.verified[url] for url in urls if url in walk.job.verified})
            asking = {u for u in urls if u not in checking.anchors and (again or u not in walk.job.known)}
            checking.todo |= asking
            for url in sorted(asking):
                yield self._verify_request(walk, url, checking.page)
            if checking.todo:
                walk.checking[checking.page] = checking
                return
            urls = _below_moved(checking, today=self.today)
        walk.checking.pop(checking.page, None)
        yield from self._checked(walk, checking)

    def _verify_request(self, walk: Walk, url: str, page: int) -> Request:
        walk.pending += 1
        walk.articles += 1
        headers = {"Cookie": walk.job.cookie} if walk.job.cookie else {}
        return Request(
            url,
            headers=headers,
            callback=self.parse_verify,
            errback=self.verify_failed,
            meta={
                "walk": walk,
                "verify": url,
                "page": page,
                "download_maxsize": self.max_article_bytes,
                "budget": walk.budget,
            },
            dont_filter=True,
        )

    def parse_verify(self, response: Response) -> Iterator[Any]:
        found = None
        if isinstance(response, TextResponse) and response.status == 200:
            found = article_date(response, today=self.today)
        yield from self._verified(response.meta, found)

    def verify_failed(self, failure: Failure) -> Iterator[Any]:
        request: Request = failure.request  # type: ignore[attr-defined]
        if _transient(failure) and _rounds_left(request.meta):
            yield _article_again(request)
            return
        yield from self._verified(request.meta, None)

    def _verified(self, meta: Mapping[str, Any], found: tuple[dt.date, str] | None) -> Iterator[Any]:
        walk: Walk = meta["walk"]
        checking = walk.checking[meta["page"]]
        checking.todo.discard(meta["verify"])
        if found and found[1] in ("article", "meta"):  # htmldate's guess does not overrule the list
            checking.anchors[meta["verify"]] = found[0]
        if not checking.todo:
            yield from self._ask(walk, checking, _below_moved(checking, today=self.today))
        yield from self._settle(walk)

    def _checked(self, walk: Walk, checking: Checking) -> Iterator[Any]:
        rows = list(redate(checking.rows, today=self.today, start=checking.start, anchors=checking.anchors))
        ordered = [row.published_on for row in rows if not row.pinned and row.published_on]
        walk.carry = ordered[-1] if ordered else walk.carry
        yield from self._rows(walk, rows)
        yield from self._more_pages(walk, checking.listing, rows, checking.page, in_order=True)

    def _is_items(self, walk: Walk, row: Listed) -> bool:
        return walk.job.column.follow_external or same_site(row.url, walk.job.hosts)

    def _keep_validators(self, walk: Walk, response: Response, page: int) -> None:
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        if page == 1 and (etag or modified):
            walk.validators[response.url] = [
                etag.decode("latin-1") if etag else None,
                modified.decode("latin-1") if modified else None,
            ]

    def _rows(self, walk: Walk, rows: Iterable[Listed]) -> Iterator[Any]:
        """The page's new rows as one item; an article request for each row the list leaves undated."""
        found = []
        for row in rows:
            if row.url in walk.seen:
                continue
            walk.seen.add(row.url)
            walk.items_seen += 1
            if row.needs_article and row.url not in walk.job.known:
                request = self._article_request(walk, row)
                if request is not None:
                    yield request
            else:
                found.append(_observed(row, row.published_on, row.date_source, limit=self.title_max_chars))
        if found:
            yield ListingItems(walk.job.site_id, walk.job.column_id, tuple(found))

    def _more_pages(
        self, walk: Walk, listing: Listing, rows: list[Listed], page: int, *, in_order: bool = False
    ) -> Iterator[Request]:
        if walk.job.settled is None:
            every = page == 1 and listing.page_urls and not in_order
            targets = [*listing.page_urls] if every else [listing.next_url]
        elif any(not row.pinned and row.url not in walk.job.settled for row in rows):
            targets = [listing.next_url]
        else:
            targets = []
        fanout = len(targets) > 1  # all the pages at once: none of them decides another request
        for number, url in enumerate((u for u in targets if u and u not in walk.requested), start=1):
            if len(walk.requested) >= walk.job.max_pages:
                # the pager goes on: the column is read as far as the bound, and says so
                walk.error = walk.error or f"stopped at max_pages_per_column ({walk.job.max_pages} pages)"
                break
            yield self._list_request(walk, url, page=page + number, fanout=fanout)

    def list_failed(self, failure: Failure) -> Iterator[Any]:
        meta = failure.request.meta  # type: ignore[attr-defined]
        walk: Walk = meta["walk"]
        outcome, status, message = mw.outcome_for_failure(failure)
        if _transient(failure) and _rounds_left(meta):
            walk.last_error = message
            yield self._again(walk, meta)
        else:
            if isinstance(failure.value, mw.BudgetSpent) and walk.last_error and walk.last_error != message:
                message = f"{walk.last_error}, then {message}"  # what the budget went on
            self._page_failed(walk, meta["page"], outcome, status, message)
        yield from self._settle(walk)

    def _again(self, walk: Walk, meta: Mapping[str, Any]) -> Request:
        """The list page once more, behind the others, with a fresh retry budget."""
        request = self._list_request(
            walk, meta["url"], page=meta["page"], hops=meta["hops"], fanout=meta["fanout"]
        )
        request.meta["round"] = meta.get("round", 1) + 1
        self.crawler.stats.inc_value("xxgk/rounds/list")
        return request.replace(priority=-1)

    # ------------------------------------------------------------------ articles

    def parse_article(self, response: Response) -> Iterator[Any]:
        found = None
        if isinstance(response, TextResponse) and response.status == 200:
            found = article_date(response, today=self.today)
        yield from self._dated(response.meta["walk"], response.meta["article"], found)

    def article_failed(self, failure: Failure) -> Iterator[Any]:
        request: Request = failure.request  # type: ignore[attr-defined]
        if _transient(failure) and _rounds_left(request.meta):
            yield _article_again(request)
            return
        yield from self._dated(request.meta["walk"], request.meta["article"], None)

    def _dated(self, walk: Walk, url: str, found: tuple[dt.date, str] | None) -> Iterator[Any]:
        for waiter, row in self.waiting.pop((walk.job.site, url), []):
            day, source = found or fallback_date(row.url, today=self.today) or (None, None)
            observed = _observed(row, day, source, limit=self.title_max_chars)
            yield ListingItems(waiter.job.site_id, waiter.job.column_id, (observed,))
            yield from self._settle(waiter)

    # ------------------------------------------------------------------ outcomes

    def _set_outcome(self, walk: Walk, page: int, outcome: str, status: int | None) -> None:
        if page == 1 and walk.outcome is None:
            walk.outcome, walk.http_status = outcome, status

    def _page_failed(self, walk: Walk, page: int, outcome: str, status: int | None, error: str) -> None:
        if page == 1 and walk.outcome is None:
            walk.outcome, walk.http_status, walk.error = outcome, status, error
        else:
            walk.pages_failed += 1
            walk.error = walk.error or f"page {page}: {error}"
        self.crawler.stats.inc_value(f"xxgk/page_failed/{outcome}")

    def _settle(self, walk: Walk) -> Iterator[ColumnDone]:
        walk.pending -= 1
        if walk.pending > 0 or walk.done:
            return
        walk.done = True
        outcome = walk.outcome or "parse_failed"
        auth = walk.job.column.auth
        if outcome == "auth_required" and auth and not walk.job.cookie:
            walk.error = f"{walk.error}; no session cookie: set {auth.cookie_env} to crawl it"
        self.crawler.stats.inc_value(f"xxgk/outcome/{outcome}")
        yield ColumnDone(
            site=walk.job.site,
            column=walk.job.column.id,
            column_id=walk.job.column_id,
            outcome=outcome,
            http_status=walk.http_status,
            pages=walk.pages,
            items_seen=walk.items_seen,
            error=walk.error,
            started_at=walk.started_at,
            finished_at=_now(),
            pages_failed=walk.pages_failed,
            articles=walk.articles,
            validators=walk.validators if outcome in ("ok", "empty") else {},
            profile=walk.profile,
        )


def _below_moved(checking: Checking, *, today: dt.date) -> list[str]:
    """The next year-less row below each checked row whose article moved it to another year than
    the rest of the page says (the page dated without that article), not checked yet: was the
    row an old one on top, or is the page a year off? The row below tells."""
    below = []
    rows = checking.first
    for i, row in enumerate(rows):
        anchor = checking.anchors.get(row.url)
        if anchor is None:
            continue
        others = {url: day for url, day in checking.anchors.items() if url != row.url}
        without = redate(checking.rows, today=today, start=checking.start, anchors=others)[i].published_on
        if without is not None and abs((anchor - without).days) <= 183:
            continue
        after = (r for r in rows[i + 1 :] if not r.pinned and r.date_source == "list_inferred")
        following = next(after, None)
        if following is not None and following.url not in checking.asked:
            below.append(following.url)
    return below


def _hinted(url: str) -> bool:
    """Whether the URL holds a date that places a year-less row (then no year chain is needed)."""
    return (dates.url_date(url) or dates.sudy_url_date(url)) is not None


def _rounds_left(meta: Mapping[str, Any]) -> bool:
    return int(meta.get("round", 1)) < ROUNDS


def _transient(failure: Failure) -> bool:
    """A failure another round may cure: a 5xx after retries, a timeout, a refused connection
    (not robots.txt, whose answer is kept for the crawl)."""
    if isinstance(failure.value, IgnoreRequest):
        return False
    return mw.outcome_for_failure(failure)[0] == "unreachable"


def _article_again(request: Request) -> Request:
    """An article page once more, behind the others, with a fresh retry budget."""
    keys = ("walk", "article", "verify", "page", "download_maxsize", "budget")
    meta: dict[str, Any] = {key: request.meta[key] for key in keys if key in request.meta}
    meta["round"] = int(request.meta.get("round", 1)) + 1
    return request.replace(meta=meta, priority=-1)


def _observed(row: Listed, day: dt.date | None, source: str | None, *, limit: int) -> NewItem:
    """The row as stored: its title cleaned and cut (:func:`clean_title`), its date as found."""
    return NewItem(
        url=row.url,
        title=clean_title(row.title, limit=limit),
        published_on=day,
        date_source=source if day else None,
        is_attachment=row.is_attachment,
        pinned=row.pinned,
    )
