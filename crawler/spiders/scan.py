"""The personal-data scan's spider: each item's page (or file) and the attachments it links to.

Per job (one stored item) it fetches the item's URL politely, like the column spider (robots.txt,
the per-host limits, the download cap; redirects followed by hand and only on the site's
configured hosts), has its text read and scanned (:mod:`crawler.content`) in a worker thread
so that fetching goes on, and, on an HTML page, fetches the attachments it links to on those
hosts (at most :data:`MAX_ATTACHMENTS`), each scanned the same way. One :class:`Scanned` per URL
goes to the pipeline, the page's own after its attachments', so that a scan stopped half-way
reads the page again next time (skipping the attachments it finished).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from crawler import middlewares as mw
from crawler.content.documents import MAX_BYTES, Document, read_document
from crawler.content.pii import Hit
from crawler.urls import canonical, host_of, is_attachment
from monitor.store.scans import KindCount, ScanRecord

MAX_REDIRECTS = 5
MAX_ATTACHMENTS = 20
_READING = threading.Lock()  # one document read at a time (PDFium is not thread-safe)


@dataclass(frozen=True)
class ScanJob:
    """One stored item to scan: its URL, the hosts of its site, the attachments already scanned."""

    item_id: int
    site: str
    url: str
    is_attachment: bool
    hosts: frozenset[str]
    done: frozenset[str] = frozenset()  # attachment URLs of this item scanned before
    cookie: str | None = None


@dataclass(frozen=True)
class Scanned:
    """The scan of one URL, for the pipeline."""

    record: ScanRecord


@dataclass
class _Page:
    job: ScanJob
    record: ScanRecord | None = None
    waiting: set[str] = field(default_factory=set)


class ScanSpider(scrapy.Spider):
    name = "scan"

    def __init__(self, *, jobs: list[ScanJob], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.jobs = jobs
        self.pages: dict[int, _Page] = {}
        self.seconds = 20.0

    async def start(self) -> AsyncIterator[Any]:
        for job in self.jobs:
            self.pages[job.item_id] = _Page(job)
            yield self._request(job, job.url, attachment=False)

    def _request(self, job: ScanJob, url: str, *, attachment: bool, hops: int = 0) -> Request:
        headers = {"Cookie": job.cookie} if job.cookie else {}
        meta = {
            "job": job,
            "url": url,
            "attachment": attachment,
            "hops": hops,
            "dont_redirect": True,
            "handle_httpstatus_all": True,
            "download_maxsize": MAX_BYTES,
        }
        return Request(
            url, headers=headers, callback=self.parse, errback=self.failed, meta=meta, dont_filter=True
        )

    async def parse(self, response: Response) -> AsyncIterator[Any]:
        meta = response.meta
        job: ScanJob = meta["job"]
        if 300 <= response.status < 400:
            for output in self._redirect(response):
                yield output
            return
        if response.status != 200:
            for output in self._finish(meta, _failed(meta, f"HTTP {response.status}")):
                yield output
            return
        document = await maybe_deferred_to_future(deferToThread(self._read, response))
        record = _record(meta, document)
        self.crawler.stats.inc_value(f"xxgk/scan/{record.outcome}")
        if not meta["attachment"] and document.media == "html" and isinstance(response, TextResponse):
            page = self.pages[job.item_id]
            for url in attachment_links(response, hosts=job.hosts)[:MAX_ATTACHMENTS]:
                if url not in job.done and url != job.url and url not in page.waiting:
                    page.waiting.add(url)
                    yield self._request(job, url, attachment=True)
        for output in self._finish(meta, record):
            yield output

    def _read(self, response: Response) -> Document:
        encoding = response.encoding if isinstance(response, TextResponse) else None
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        with _READING:
            return read_document(
                response.body,
                url=response.url,
                content_type=content_type,
                encoding=encoding,
                seconds=self.seconds,
            )

    def _redirect(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        location = (response.headers.get("Location") or b"").decode("latin-1")
        target = urljoin(response.url, location)
        if mw.is_login_url(target):
            yield from self._finish(meta, _failed(meta, f"redirected to a login page ({host_of(target)})"))
        elif host_of(target) in meta["job"].hosts and meta["hops"] < MAX_REDIRECTS:
            request = self._request(meta["job"], target, attachment=meta["attachment"], hops=meta["hops"] + 1)
            request.meta["url"] = meta["url"]  # recorded under the URL that was asked for
            yield request
        else:
            yield from self._finish(meta, _failed(meta, "redirected off the configured hosts"))

    def failed(self, failure: Failure) -> Iterator[Any]:
        meta = failure.request.meta  # type: ignore[attr-defined]
        outcome, _, message = mw.outcome_for_failure(failure)
        kind = "not_scanned" if outcome == "robots_disallowed" else "failed"
        record = _failed(meta, message, outcome=kind)
        self.crawler.stats.inc_value(f"xxgk/scan/{kind}")
        yield from self._finish(meta, record)

    def _finish(self, meta: dict[str, Any], record: ScanRecord) -> Iterator[Scanned]:
        """Hand over an attachment's record at once, a page's once its attachments are in."""
        page = self.pages[meta["job"].item_id]
        if meta["attachment"]:
            page.waiting.discard(meta["url"])
            yield Scanned(record)
        else:
            page.record = record
        if page.record is not None and not page.waiting:
            yield Scanned(page.record)
            del self.pages[meta["job"].item_id]


def attachment_links(response: TextResponse, *, hosts: frozenset[str]) -> list[str]:
    """Canonical URLs of the files a page links to on the configured hosts, in page order."""
    found: list[str] = []
    for href in response.xpath("//a/@href").getall():
        url = canonical(href, base=response.url)
        if url and host_of(url) in hosts and is_attachment(url) and url not in found:
            found.append(url)
    return found


def _record(meta: dict[str, Any], document: Document) -> ScanRecord:
    job: ScanJob = meta["job"]
    return ScanRecord(
        item_id=job.item_id,
        url=meta["url"],
        is_attachment=meta["attachment"] or job.is_attachment,
        media=document.media,
        outcome=document.outcome,
        reason=document.reason,
        chars=document.chars,
        counts=tally(document.hits()),
    )


def _failed(meta: dict[str, Any], reason: str, *, outcome: str = "failed") -> ScanRecord:
    job: ScanJob = meta["job"]
    is_file = meta["attachment"] or job.is_attachment
    return ScanRecord(job.item_id, meta["url"], is_file, "other", outcome, reason[:500])


def tally(hits: list[Hit]) -> tuple[KindCount, ...]:
    """Counts per kind: values in full, values masked; where and how the leaks (else the masked) look."""
    counts = []
    for kind in dict.fromkeys(hit.kind for hit in hits):
        mine = [hit for hit in hits if hit.kind == kind]
        leaks = [hit for hit in mine if not hit.masked]
        shown = leaks or mine
        counts.append(
            KindCount(
                kind=kind,
                leaks=len(leaks),
                masked=len(mine) - len(leaks),
                places=tuple(dict.fromkeys(hit.where for hit in shown)),
                excerpts=tuple(dict.fromkeys(hit.excerpt for hit in shown)),
            )
        )
    return tuple(counts)
