"""The link check: the links and attachments of the pages a crawl met, checked politely, once per window.

It runs in the crawl's process after the column spider (:func:`crawler.run.crawl`), under the same
settings: robots.txt, the per-host concurrency and delays, the download caps. Per site, the links
are the items the night's crawl listed (links of its list pages) and the links in the content of
those items' pages. Each URL is checked at most once per ``checks.link_recheck_days``; one that
failed is checked again on the next night, and a URL failing both becomes a finding (the monitor's
rule). A check is a HEAD, or a GET where HEAD is refused (405 …) or the answer must be read: an
item's page (for its links, soft 404s, login walls, and the 公示期 of a 公示), or an attachment
answered with an HTML page. A GET of an attachment stops at the headers. Redirects are followed by
hand on the configured hosts only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy import signals
from scrapy.exceptions import StopDownload
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler import linkcheck
from crawler import middlewares as mw
from crawler.article.gongshi import gongshi_period
from crawler.urls import canonical, host_of
from monitor import store
from monitor.store import content

log = logging.getLogger(__name__)
MAX_REDIRECTS = 5
GONGSHI = "公示"


@dataclass(frozen=True)
class LinkJob:
    """One site's links: its id in the store and the hosts links may point to (the configured ones)."""

    site: str
    site_id: int
    hosts: frozenset[str]
    external: bool = False
    recheck_days: int = 30


@dataclass
class _Site:
    job: LinkJob
    results: list[content.LinkResult] = field(default_factory=list)
    asked: set[str] = field(default_factory=set)  # URLs checked in this run: each once a night


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LinkSpider(scrapy.Spider):
    name = "links"
    custom_settings = {"ITEM_PIPELINES": {}}  # noqa: RUF012 - read by Scrapy; it stores its own results

    def __init__(self, *, jobs: list[LinkJob], db_url: str, since: dt.datetime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites = {job.site: _Site(job) for job in jobs}
        self.since = since
        self.engine = store.connect(db_url)
        self.sessions = store.sessions(self.engine)
        self.max_article_bytes = 16 * 2**20

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> LinkSpider:
        spider: LinkSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_article_bytes = crawler.settings.getint("XXGK_MAX_ARTICLE_BYTES", spider.max_article_bytes)
        crawler.signals.connect(spider._headers_received, signal=signals.headers_received)
        return spider

    def _headers_received(self, headers: Any, body_length: int, request: Request, spider: Any) -> None:
        if request.meta.get("headers_only"):  # an attachment's GET: its status is all it is asked
            raise StopDownload(fail=False)

    def closed(self, reason: str) -> None:
        self._flush()
        self.engine.dispose()

    async def start(self) -> AsyncIterator[Any]:
        for site in self.sites.values():
            for request in self._site_requests(site):
                yield request

    def _site_requests(self, site: _Site) -> list[Request]:
        job, now = site.job, _now()
        with self.sessions.begin() as session:
            listed = content.listed_since(session, site_id=job.site_id, since=self.since)
            on_hosts = [row for row in listed if job.external or host_of(row.url) in job.hosts]
            found = [(row.url, row.page_url, row.is_attachment) for row in on_hosts]
            due = set(
                content.links_due(
                    session, site_id=job.site_id, found=found, now=now, recheck_days=job.recheck_days
                )
            )
            failed = content.failed_due(session, site_id=job.site_id, now=now)
        listed_urls = {row.url for row in on_hosts}
        requests = [
            self._check(site, url, attachment=attachment, method="HEAD")
            for url, attachment in failed
            if url not in listed_urls
        ]
        site.asked.update(url for url, _ in failed if url not in listed_urls)
        for row in on_hosts:
            if row.opened and row.url in due:  # the column spider just read it: it opens, ask it no more
                site.asked.add(row.url)
                self._result({"site": site, "asked": row.url}, "ok", 200)
                continue
            gongshi = GONGSHI in row.title and not row.gongshi_read and not row.is_attachment
            if (row.url in due and row.url not in site.asked) or gongshi:
                site.asked.add(row.url)
                item = {"id": row.item_id, "published_on": row.published_on, "gongshi": gongshi}
                requests.append(self._check(site, row.url, attachment=row.is_attachment, item=item))
        self.crawler.stats.inc_value("xxgk/links/listed", len(on_hosts))
        return requests

    # ------------------------------------------------------------------ requests

    def _check(
        self,
        site: _Site,
        url: str,
        *,
        attachment: bool,
        item: dict[str, Any] | None = None,
        method: str | None = None,
        hops: int = 0,
        asked: str | None = None,
    ) -> Request:
        """A check of `url`: GET for an item's page (it is read), HEAD otherwise."""
        method = method or ("HEAD" if attachment or item is None else "GET")
        meta = {
            "site": site,
            "item": item,
            "attachment": attachment,
            "asked": asked or url,  # the URL the check is of (redirects followed from it)
            "hops": hops,
            "dont_redirect": True,
            "handle_httpstatus_all": True,
            "download_maxsize": self.max_article_bytes,
            "headers_only": method == "GET" and attachment,
        }
        self.crawler.stats.inc_value(f"xxgk/links/requests/{method}")
        return Request(
            url, method=method, callback=self.answered, errback=self.failed, meta=meta, dont_filter=True
        )

    def _again(self, response: Response, **changes: Any) -> Request:
        meta = response.meta
        options = {
            "attachment": meta["attachment"],
            "item": meta["item"],
            "hops": meta["hops"],
            "asked": meta["asked"],
        }
        url = changes.pop("url", response.url)
        return self._check(meta["site"], url, **{**options, **changes})

    # ------------------------------------------------------------------ answers

    def answered(self, response: Response) -> Iterator[Any]:
        meta, status = response.meta, response.status
        if 300 <= status < 400 and status != 304:
            yield from self._redirect(response)
        elif (
            response.request is not None
            and response.request.method == "HEAD"
            and status in linkcheck.HEAD_REFUSED
        ):
            yield self._again(response, method="GET")
        elif status >= 400:
            self._result(meta, linkcheck.reason_for_status(status), status)
        elif response.request is not None and response.request.method == "HEAD" and _is_html(response):
            yield self._again(response, method="GET", attachment=False, item=None)  # HTML: read it
        else:
            yield from self._page(response)

    def _redirect(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        location = (response.headers.get("Location") or b"").decode("latin-1")
        target = canonical(urljoin(response.url, location), base=response.url) if location else None
        site: _Site = meta["site"]
        if target is None:
            self._result(meta, "not_found", response.status)
        elif mw.is_login_url(target):
            self._result(meta, "auth_required", response.status)
        elif host_of(target) not in site.job.hosts:
            self._result(meta, "ok", response.status)  # answered, pointing off the configured hosts
        elif meta["hops"] >= MAX_REDIRECTS:
            self._result(meta, "not_found", response.status)
        else:
            method = response.request.method if response.request is not None else "GET"
            yield self._again(response, url=target, hops=meta["hops"] + 1, method=method)

    def _page(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        reason = linkcheck.reason_for_page(response) if isinstance(response, TextResponse) else "ok"
        self._result(meta, reason, response.status)
        item, site = meta["item"], meta["site"]
        if reason != "ok" or item is None or not isinstance(response, TextResponse):
            return
        if item["gongshi"]:
            self._gongshi(response, item)
        links = linkcheck.page_links(response, hosts=site.job.hosts, external=site.job.external)
        yield from self._page_links(site, meta["asked"], links)

    def _page_links(self, site: _Site, page: str, links: list[tuple[str, bool]]) -> Iterator[Request]:
        if not links:
            return
        job = site.job
        with self.sessions.begin() as session:
            found = [(url, page, attachment) for url, attachment in links]
            due = content.links_due(
                session, site_id=job.site_id, found=found, now=_now(), recheck_days=job.recheck_days
            )
        self.crawler.stats.inc_value("xxgk/links/on_pages", len(links))
        attachments = dict(links)
        due = [url for url in due if url not in site.asked]
        site.asked.update(due)
        for url in due:
            yield (
                self._check(site, url, attachment=True, asked=url)
                if attachments[url]
                else self._check(site, url, attachment=False, asked=url, method="HEAD")
            )

    def _gongshi(self, response: TextResponse, item: dict[str, Any]) -> None:
        text = " ".join(
            response.xpath("//body//text()[not(ancestor::script)][not(ancestor::style)]").getall()
        )
        period = gongshi_period(text, published_on=item["published_on"])
        with self.sessions.begin() as session:
            content.record_gongshi(session, item_id=item["id"], period=period, now=_now())
        self.crawler.stats.inc_value("xxgk/links/gongshi_read")

    def failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        meta = request.meta if request is not None else {}
        if "site" not in meta:
            log.warning("link check failed outside a check: %s", failure.value)
            return
        self._result(meta, linkcheck.reason_for_failure(failure), None)

    # ------------------------------------------------------------------ results

    def _result(self, meta: Any, reason: str, status: int | None) -> None:
        site: _Site = meta["site"]
        site.results.append(content.LinkResult(meta["asked"], reason, status))
        self.crawler.stats.inc_value(f"xxgk/links/reason/{reason}")
        if len(site.results) >= 200:
            self._flush()

    def _flush(self) -> None:
        now = _now()
        with self.sessions.begin() as session:
            for site in self.sites.values():
                if site.results:
                    content.record_link_checks(
                        session, site_id=site.job.site_id, results=site.results, now=now
                    )
                    site.results = []


def _is_html(response: Response) -> bool:
    kind = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
    return "html" in kind
