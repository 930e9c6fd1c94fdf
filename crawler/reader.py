"""What a 2xx text page of a column is: a login form, a list (read or not found), a block page.

:func:`read_page` is a pure function of the page. :class:`PageReader` runs it in the crawl's
helper process (:mod:`crawler.helper`) when there is one, else in process: the child gets the
response's class, URL, status, headers and body, and returns the very :class:`Reading`.

:class:`ReadingMiddleware` has each list page read before it leaves the downloader. A page
waiting for its reading there is one of the downloader's active requests, which
``CONCURRENT_REQUESTS`` bounds; waiting in the spider's callback instead, it would hold the
``CONCURRENT_ITEMS`` asyncio tasks Scrapy starts per callback (hundreds of pages did: +120 MB).
Politeness is unchanged: the per-host concurrency counts transfers, and a page being read is
no longer being transferred.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy.http import Headers, Request, Response, TextResponse

from crawler import middlewares as mw
from crawler.extract import Listed, Listing, extract_list
from crawler.helper import STATE, ColumnKey, Helper, HelperGone
from monitor.config import Column

if TYPE_CHECKING:  # the helper process imports this module: no Scrapy engine there
    from scrapy.crawler import Crawler

#: Helper priorities: readings that decide the next request, batches of items, other readings.
URGENT, WRITE, LATER = 0, 1, 2


@dataclass(frozen=True)
class Reading:
    """What a 2xx text page of a column is."""

    login: bool
    listing: Listing | None  # None for a login page
    blocked: bool = False  # no list recognised, and the page reads as an anti-bot interstitial


def read_page(
    response: TextResponse, *, column: Column, today: dt.date, profile: str | None = None
) -> Reading:
    """The login test, the list, and for a page without one the block test (``crawler.middlewares``).

    ``profile`` is the one that read the column last (tried first, see ``extract_list``).
    """
    if mw.is_login_page(response):
        return Reading(login=True, listing=None)
    listing = extract_list(response, column=column, today=today, profile=profile)
    return Reading(login=False, listing=listing, blocked=not listing.found and mw.is_block_page(response))


class PageReader:
    """Reads list pages in the helper process when there is one; :meth:`read` is awaited by callbacks."""

    def __init__(self, columns: Mapping[ColumnKey, Column], *, today: dt.date, helper: Helper | None) -> None:
        self.columns, self.today, self.helper = dict(columns), today, helper

    async def read(
        self, response: TextResponse, *, key: ColumnKey, profile: str | None = None, urgent: bool = True
    ) -> Reading:
        """The page's reading; an ``urgent`` one (the next request depends on it) goes first."""
        if self.helper is not None and not self.helper.broken:
            priority = URGENT if urgent else LATER
            task = (_read_in_child, key, profile, *_pack(response))
            try:
                return _expand(await self.helper.run(*task, priority=priority))
            except HelperGone:
                pass  # the helper said so in the log; this page is read here
        return read_page(response, column=self.columns[key], today=self.today, profile=profile)


class ReadingMiddleware:
    """Downloader middleware: a list page gets ``meta["reading"]`` (or ``meta["reading_error"]``).

    The spider marks its list requests with ``meta["read"]`` and reads them with its
    ``read(request, response)`` coroutine; other requests pass untouched.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReadingMiddleware:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Response:
        read = getattr(self.crawler.spider, "read", None)
        if request.meta.get("read") and read is not None:
            try:
                request.meta["reading"] = await read(request, response)
            except Exception as exc:  # the spider's callback reports it, as a page it could not read
                request.meta["reading_error"] = exc
        return response


def _pack(response: TextResponse) -> tuple[type[TextResponse], str, int, dict[bytes, list[bytes]], bytes]:
    """What the child needs to rebuild the response: its class, URL, status, headers and body."""
    return type(response), response.url, response.status, dict(response.headers), response.body


def _read_in_child(
    key: ColumnKey,
    profile: str | None,
    cls: type[TextResponse],
    url: str,
    status: int,
    headers: dict[bytes, list[bytes]],
    body: bytes,
) -> tuple[Any, ...]:
    response = cls(url=url, status=status, headers=Headers(headers), body=body)
    column, today = STATE["columns"][key], STATE["today"]
    return _compact(read_page(response, column=column, today=today, profile=profile))


def _compact(reading: Reading) -> tuple[Any, ...]:
    """A reading as plain tuples: pickled and unpickled several times faster than the dataclasses."""
    listing = reading.listing
    if listing is None:
        return reading.login, reading.blocked, None
    rows = [
        (r.url, r.title, r.published_on, r.date_source, r.pinned, r.is_attachment, r.needs_article, r.verify)
        for r in listing.rows
    ]
    return (
        reading.login,
        reading.blocked,
        (listing.found, rows, listing.next_url, listing.page_urls, listing.profile),
    )


def _expand(packed: tuple[Any, ...]) -> Reading:
    login, blocked, listing = packed
    if listing is None:
        return Reading(login=login, listing=None, blocked=blocked)
    found, rows, next_url, page_urls, profile = listing
    listed = tuple(Listed(*row) for row in rows)
    return Reading(login=login, listing=Listing(found, listed, next_url, page_urls, profile), blocked=blocked)
