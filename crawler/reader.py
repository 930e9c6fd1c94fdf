"""List pages read in a child process, so that the reactor's process only fetches, routes and stores.

Reading a list page (HTML parse, profile, rows, dates) is the crawl's largest CPU cost after
Scrapy itself, and the reactor runs on one core. :class:`PageReader` hands each 2xx text page to
one child process (``spawn``ed, with the columns and the crawl date given once) and awaits its
:class:`Reading`; the spider goes on with other responses meanwhile, so the two run on two cores.
What the child returns is exactly what :func:`read_page` returns in process, and it is a pure
function of the page: the child touches neither the network nor the store, so a crawl killed at
any point loses nothing more than before (the child ends with its parent).

With ``XXGK_READER_PROCESS = False``, or once the child has died, pages are read in process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from scrapy.http import Headers, TextResponse

from crawler import middlewares as mw
from crawler.extract import Listing, extract_list
from monitor.config import Column

log = logging.getLogger(__name__)

#: A column as the child knows it: (site id, column id).
ColumnKey = tuple[str, str]


@dataclass(frozen=True)
class Reading:
    """What a 2xx text page of a column is: a login form, a list (found or not), a block page."""

    login: bool
    listing: Listing | None  # None for a login page
    blocked: bool = False  # no list recognised, and the page reads as an anti-bot interstitial


def read_page(response: TextResponse, *, column: Column, today: dt.date) -> Reading:
    """The login test, the list, and for a page without one the block test (``crawler.middlewares``)."""
    if mw.is_login_page(response):
        return Reading(login=True, listing=None)
    listing = extract_list(response, column=column, today=today)
    return Reading(login=False, listing=listing, blocked=not listing.found and mw.is_block_page(response))


class PageReader:
    """Reads list pages in one child process; :meth:`read` is awaited by the spider's callbacks."""

    def __init__(self, columns: Mapping[ColumnKey, Column], *, today: dt.date, in_child: bool = True) -> None:
        self.columns, self.today = dict(columns), today
        self.pool: ProcessPoolExecutor | None = None
        if in_child:
            self.pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child,
                initargs=(self.columns, today),
            )
            self.pool.submit(int)  # start the child now: its imports overlap the first downloads

    async def read(self, response: TextResponse, *, key: ColumnKey) -> Reading:
        if self.pool is not None:
            try:
                return await asyncio.wrap_future(self.pool.submit(_read_in_child, key, *_pack(response)))
            except BrokenProcessPool:
                log.warning("the page reader process died; reading list pages in process from now on")
                self.pool = None
        return read_page(response, column=self.columns[key], today=self.today)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


# ----------------------------------------------------------------------------- the child side

_child: dict[str, object] = {}


def _pack(response: TextResponse) -> tuple[type[TextResponse], str, int, dict[bytes, list[bytes]], bytes]:
    """What the child needs to rebuild the response: its class, URL, status, headers and body."""
    return type(response), response.url, response.status, dict(response.headers), response.body


def _start_child(columns: dict[ColumnKey, Column], today: dt.date) -> None:
    _child.update(columns=columns, today=today)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a parent killed with SIGKILL cannot stop its child: the child notices
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def _read_in_child(
    key: ColumnKey,
    cls: type[TextResponse],
    url: str,
    status: int,
    headers: dict[bytes, list[bytes]],
    body: bytes,
) -> Reading:
    response = cls(url=url, status=status, headers=Headers(headers), body=body)
    columns: dict[ColumnKey, Column] = _child["columns"]  # type: ignore[assignment]
    return read_page(response, column=columns[key], today=_child["today"])  # type: ignore[arg-type]
