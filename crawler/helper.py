"""The crawl's helper process: list pages are read and item batches written beside the reactor.

The reactor runs in one process on one core; reading list pages (HTML parse, profile, rows,
dates: :mod:`crawler.reader`) and writing the items (:mod:`crawler.pipelines`) were most of its
CPU time besides Scrapy itself. :class:`Helper` runs both in one child process (``spawn``ed, so
nothing of the reactor is inherited), one task at a time in the order given, while the reactor
goes on fetching: the crawl then uses the machine's second core.

The child ends with its parent, even one killed with SIGKILL: a batch it was writing is then
rolled back by the database, as it would have been in process. When the child dies the
callers do the work in process (``broken``). With ``XXGK_HELPER_PROCESS = False`` there is no
child at all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from monitor.config import Column

log = logging.getLogger(__name__)
T = TypeVar("T")

#: A column as the child knows it: (site id, column id).
ColumnKey = tuple[str, str]
#: What the child keeps between tasks: the columns and crawl date, and the open item writer.
STATE: dict[str, Any] = {}


class Helper:
    """One child process that runs the tasks it is given; see the module docstring.

    :meth:`run` queues a task by priority (lower first, then in the order given) and keeps at
    most ``in_flight`` of them in the child, so that a page whose reading decides the next
    request (a column's first page, the next page of a walk that follows its pager) never waits
    behind the pages already requested all at once, nor behind a batch of items.
    """

    def __init__(self, *, columns: Mapping[ColumnKey, Column], today: dt.date, in_flight: int = 2) -> None:
        self.pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_child,
            initargs=(dict(columns), today),
        )
        self.pool.submit(int)  # start the child now: its imports overlap the first downloads
        self.in_flight, self.running = in_flight, 0
        self.queue: list[tuple[int, int, Callable[..., Any], tuple[Any, ...], asyncio.Future[Any]]] = []
        self.order = itertools.count()

    @property
    def broken(self) -> bool:
        return self.pool is None

    async def run(self, task: Callable[..., T], *args: Any, priority: int = 0) -> T:
        """``task(*args)`` in the child, awaited; raises :class:`BrokenProcessPool` if it dies."""
        if self.pool is None:
            raise BrokenProcessPool("the helper process has ended")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        heapq.heappush(self.queue, (priority, next(self.order), task, args, future))
        self._dispatch()
        return await future

    def call(self, task: Callable[..., T], *args: Any) -> T:
        """``task(*args)`` in the child after every task queued so far, waited for (blocking)."""
        while self.queue and self.pool is not None:
            self._submit(*heapq.heappop(self.queue)[2:])
        if self.pool is None:
            raise BrokenProcessPool("the helper process has ended")
        try:
            return self.pool.submit(task, *args).result()
        except BrokenProcessPool:
            self._lost()
            raise

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _dispatch(self) -> None:
        while self.queue and self.running < self.in_flight and self.pool is not None:
            self._submit(*heapq.heappop(self.queue)[2:])

    def _submit(self, task: Callable[..., Any], args: tuple[Any, ...], future: asyncio.Future[Any]) -> None:
        assert self.pool is not None
        try:
            done = self.pool.submit(task, *args)
        except BrokenProcessPool as exc:
            self._lost()
            future.set_exception(exc)
            return
        self.running += 1
        loop = future.get_loop()
        done.add_done_callback(lambda done: loop.call_soon_threadsafe(self._finished, done, future))

    def _finished(self, done: Future[Any], future: asyncio.Future[Any]) -> None:
        self.running -= 1
        error = done.exception()
        if isinstance(error, BrokenProcessPool):
            self._lost()
        if not future.done():
            if error is None:
                future.set_result(done.result())
            else:
                future.set_exception(error)
        self._dispatch()

    def _lost(self) -> None:
        if self.pool is None:
            return
        log.warning("the helper process died; reading and writing in process from now on")
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = None
        for *_, future in self.queue:
            if not future.done():
                future.set_exception(BrokenProcessPool("the helper process has ended"))
        self.queue.clear()


def _start_child(columns: dict[ColumnKey, Column], today: dt.date) -> None:
    STATE.update(columns=columns, today=today)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a parent killed with SIGKILL cannot stop its child: the child notices
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)
