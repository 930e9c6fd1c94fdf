"""The crawl's helper process: list pages are read and item batches written beside the reactor.

The reactor runs in one process on one core; reading list pages (HTML parse, profile, rows,
dates: :mod:`crawler.reader`) and writing the items (:mod:`crawler.pipelines`) were most of its
CPU time besides Scrapy itself. :class:`Helper` runs both in one child process (``spawn``ed, so
nothing of the reactor is inherited), one task at a time, while the reactor goes on fetching:
the crawl then uses the machine's second core.

The two talk over one socket pair: a task is a pickled ``(function, args)``, its answer a
pickled ``(ok, value)``, in the order sent. The reactor hears answers through the event loop (no
threads). It keeps up to ``in_flight`` tasks out, so that the child never waits for the
reactor's next one, and no more than ``budget`` bytes of them, well under what the socket
buffers hold, so that sending never blocks the reactor. Tasks waiting to be sent go by priority
(lower first, then in the order given): with at most ``in_flight - 1`` ahead of it, an urgent
task waits for a few milliseconds of the child's work, not for all that is queued.

The child ends with its parent, even one killed with SIGKILL: a batch it was writing is then
rolled back by the database, as it would have been in process. When the child dies the
callers do the work in process (``broken``). With ``XXGK_HELPER_PROCESS = False`` there is no
child at all.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import heapq
import itertools
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from monitor.config import Column

log = logging.getLogger(__name__)
T = TypeVar("T")

#: A column as the child knows it: (site id, column id).
ColumnKey = tuple[str, str]
#: What the child keeps between tasks: the columns and crawl date, and the open item writer.
STATE: dict[str, Any] = {}


class HelperGone(Exception):
    """The helper process has ended: do the work in process."""


class Helper:
    """One child process that runs the tasks it is given; see the module docstring."""

    def __init__(
        self,
        *,
        columns: Mapping[ColumnKey, Column],
        today: dt.date,
        in_flight: int = 8,
        budget: int = 128 * 1024,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child_end = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child_end, dict(columns), today), name="xxgk-helper", daemon=True
        )
        self.process.start()
        child_end.close()
        self.in_flight, self.budget = in_flight, budget
        #: Tasks sent and not yet answered, in order: (future, or None for a blocking call; bytes).
        self.sent: collections.deque[tuple[asyncio.Future[Any] | None, int]] = collections.deque()
        self.sent_bytes = 0
        self.queue: list[tuple[int, int, bytes, asyncio.Future[Any]]] = []
        self.order = itertools.count()
        self.listening: asyncio.AbstractEventLoop | None = None
        self.broken = False

    async def run(self, task: Callable[..., T], *args: Any, priority: int = 0) -> T:
        """``task(*args)`` in the child, awaited; raises :class:`HelperGone` if the child has ended."""
        if self.broken:
            raise HelperGone
        loop = asyncio.get_running_loop()
        if self.listening is not loop:
            loop.add_reader(self.conn.fileno(), self._answers)
            self.listening = loop
        future: asyncio.Future[T] = loop.create_future()
        heapq.heappush(self.queue, (priority, next(self.order), _task(task, args), future))
        self._dispatch()
        return await future

    def call(self, task: Callable[..., T], *args: Any) -> T:
        """``task(*args)`` in the child after every task given so far, waited for (blocking)."""
        while self.queue and not self.broken:
            self._send(*heapq.heappop(self.queue)[2:])
        if self.broken or not self._send(_task(task, args), None):
            raise HelperGone
        while not self.broken:
            future = self.sent[0][0]
            ok, value = self._answer()
            if future is None:
                if ok:
                    return value  # type: ignore[no-any-return]
                raise value
        raise HelperGone

    def reset(self, *, columns: Mapping[ColumnKey, Column], today: dt.date) -> bool:
        """Have the child serve the next crawl of this process (one institution after another, as
        `crawler.run.crawl_many` does): its columns and crawl date. False when the child has ended."""
        try:
            self.call(_reset, dict(columns), today)
        except HelperGone:
            return False
        return True

    def close(self) -> None:
        """Let the child end (it does when the pipe closes) and wait for it."""
        if self.listening is not None and not self.listening.is_closed():
            self.listening.remove_reader(self.conn.fileno())
        self.conn.close()
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.kill()
        self._lost(quietly=True)

    # ------------------------------------------------------------------ the pipe

    def _dispatch(self) -> None:
        while self.queue and not self.broken and self._room(len(self.queue[0][2])):
            self._send(*heapq.heappop(self.queue)[2:])

    def _room(self, size: int) -> bool:
        """Whether a task of ``size`` bytes may go now (one always may when none is out)."""
        if not self.sent:
            return True
        return len(self.sent) < self.in_flight and self.sent_bytes + size <= self.budget

    def _send(self, data: bytes, future: asyncio.Future[Any] | None) -> bool:
        try:
            self.conn.send_bytes(data)
        except (OSError, ValueError):
            self._lost()
            if future is not None and not future.done():
                future.set_exception(HelperGone())
            return False
        self.sent.append((future, len(data)))
        self.sent_bytes += len(data)
        return True

    def _answers(self) -> None:
        """The event loop's reader: settle the futures of every answer that has arrived."""
        try:
            while not self.broken and self.conn.poll():
                if not self.sent:  # readable with nothing asked: the child has ended
                    self._lost()
                    break
                self._answer()
        except (HelperGone, OSError, ValueError):
            self._lost()
        self._dispatch()

    def _answer(self) -> tuple[bool, Any]:
        try:
            ok, value = pickle.loads(self.conn.recv_bytes())  # noqa: S301 - our own child, our own pipe
        except (EOFError, OSError) as exc:
            self._lost()
            raise HelperGone from exc
        future, size = self.sent.popleft()
        self.sent_bytes -= size
        if future is not None and not future.done():
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        return ok, value

    def _lost(self, *, quietly: bool = False) -> None:
        if self.broken:
            return
        self.broken = True
        if not quietly:
            log.warning("the helper process died; reading and writing in process from now on")
        if self.listening is not None and not self.listening.is_closed() and not self.conn.closed:
            self.listening.remove_reader(self.conn.fileno())
        waiting = [f for f, _ in self.sent if f is not None] + [entry[-1] for entry in self.queue]
        for future in waiting:
            if not future.done():
                future.set_exception(HelperGone())
        self.sent.clear()
        self.sent_bytes = 0
        self.queue.clear()


def _task(task: Callable[..., Any], args: tuple[Any, ...]) -> bytes:
    return pickle.dumps((task, args), protocol=pickle.HIGHEST_PROTOCOL)


# ----------------------------------------------------------------------------- the child


def _serve(
    conn: multiprocessing.connection.Connection, columns: dict[ColumnKey, Column], today: dt.date
) -> None:
    """The child's loop: run each task received, answer ``(ok, value)``; end when the pipe closes."""
    STATE.update(columns=columns, today=today)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a parent killed with SIGKILL cannot stop its child: the child notices
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()
    while True:
        try:
            task, args = pickle.loads(conn.recv_bytes())  # noqa: S301 - our own parent, our own pipe
        except (EOFError, OSError):
            return
        try:
            answer = (True, task(*args))
        except Exception as exc:
            answer = (False, exc)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an answer that does not pickle is an error of the task
            data = pickle.dumps((False, RuntimeError(f"{task.__name__}: {exc!r}")))
        try:
            conn.send_bytes(data)
        except (OSError, ValueError):
            return


def _reset(columns: dict[ColumnKey, Column], today: dt.date) -> None:
    STATE.update(columns=columns, today=today)


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)
