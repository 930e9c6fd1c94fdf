"""Store what the spider saw, in batches, through `monitor.store`; idempotent, so a re-run doubles nothing.

Items and column outcomes (:class:`ColumnDone`) are staged together and written in one
transaction when ``batch`` items are staged (``XXGK_BATCH``, default :data:`BATCH`) and at the
end of the crawl: one upsert per column per batch, then the outcomes. A column's outcome is
staged after all of its items (the spider hands it over after them), so it is never committed
before them: a crawl killed at any point leaves no outcome without its items, and the next run
sees a column without one as not walked to the end and walks it again (see
`monitor.store.crawls`).

The writing (:class:`Batches`) happens in the crawl's helper process when there is one
(:mod:`crawler.helper`): one batch at a time, in the order staged, each awaited by the item
that filled it while the reactor goes on. A batch that fails stays with the writer and is
tried again with the next one (the crawl stops on a store error).

A database connection lost while a batch is written (PostgreSQL restarted, the backend
terminated) before its commit is retried once on a new connection: the database rolled the
batch back, so nothing is doubled; the retry is one warning and ``xxgk/store_retries`` in the
run's stats. A loss during the commit itself, or a second one, is a store error.

``items_new`` of an outcome counts the column's items new to the site over all the batches
that held them; a batch only counts once it is committed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.helper import STATE, Helper, HelperGone
from crawler.items import ColumnDone, ListingItems
from crawler.reader import WRITE
from monitor import store
from monitor.errors import MonitorError
from monitor.store import crawls
from monitor.store.repo import NewItem

if TYPE_CHECKING:  # the helper process imports this module: no Scrapy engine there
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)
BATCH = 2000

#: Items by (site id, column id), and outcomes in arrival order: what one write adds.
Batch = tuple[dict[tuple[int, int], list[NewItem]], list[ColumnDone]]


class Batches:
    """The writing side: what was added, written in one transaction per :meth:`flush`."""

    def __init__(self, *, db_url: str, run_id: int) -> None:
        self.db_url, self.run_id = db_url, run_id
        self.engine = store.connect(db_url)
        self.sessions = store.sessions(self.engine)
        self.items: dict[tuple[int, int], list[NewItem]] = defaultdict(list)
        self.done: list[ColumnDone] = []
        self.new: dict[int, int] = {}  # column id → committed items new to the site, until its outcome

    def add(self, items: Mapping[tuple[int, int], Sequence[NewItem]], done: Sequence[ColumnDone]) -> None:
        for key, found in items.items():
            self.items[key].extend(found)
        self.done.extend(done)

    def flush(self) -> str | None:
        """Write every item added, then every outcome, in one transaction; keep them if it fails.

        Returns why the batch was written twice (its connection lost before the commit), or None.
        """
        if not self.items and not self.done:
            return None
        new, retried = crawls.write_retrying(self.sessions, self._write, url=self.db_url)
        self.new = new
        self.items.clear()
        self.done.clear()
        return retried

    def _write(self, session: store.Session) -> dict[int, int]:
        """Stage the batch in ``session``'s transaction; the counts of new items it makes."""
        new = dict(self.new)
        now = dt.datetime.now(dt.UTC)
        for (site_id, column_id), items in self.items.items():
            added = store.upsert_items(
                session, site_id=site_id, column_id=column_id, items=items, seen_at=now
            )
            new[column_id] = new.get(column_id, 0) + added
        for done in self.done:
            fetch = _record(done, items_new=new.pop(done.column_id, 0))
            crawls.record_fetch(session, run_id=self.run_id, fetch=fetch)
        return new

    def close(self) -> None:
        self.engine.dispose()


class StorePipeline:
    crawler: Crawler | None = None

    def __init__(self, *, db_url: str, run_id: int, batch: int = BATCH) -> None:
        self.db_url, self.run_id, self.batch = db_url, run_id, batch
        self.staged: dict[tuple[int, int], list[NewItem]] = defaultdict(list)
        self.done: list[ColumnDone] = []  # outcomes staged for the next write, in arrival order
        self.buffered = 0
        self.helper: Helper | None = None  # the spider's helper process, if it has one
        self.writer: Batches | None = None  # the writer in this process, once needed
        self.unconfirmed: list[Batch] = []  # handed to the helper, not yet committed
        self.stopping: str | None = None  # the store error that stopped the crawl
        self.closing: Any = None  # the engine's close, once started (kept from the GC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        db_url, run_id = crawler.settings.get("XXGK_DB_URL"), crawler.settings.getint("XXGK_RUN_ID")
        if not db_url or not run_id:
            raise NotConfigured("XXGK_DB_URL and XXGK_RUN_ID are needed to store items")
        pipeline = cls(db_url=db_url, run_id=run_id, batch=crawler.settings.getint("XXGK_BATCH", BATCH))
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider if self.crawler is not None else None
        self.helper = getattr(spider, "helper", None)
        if self.helper is None:
            self._writer()  # fail now, not at the first batch, if the database cannot be opened

    def close_spider(self) -> None:
        try:
            if self.stopping is None:  # after a store error, the next run redoes the columns
                self._flush()
        except MonitorError as exc:
            log.error("cannot store the last items: %s", exc)
        finally:
            if self.writer is not None:
                self.writer.close()
            if self._in_child():
                self._call_child(_close_in_child)

    async def process_item(self, item: Any) -> Any:
        if self.stopping is not None:  # the store failed: nothing more is staged or written
            return item
        try:
            if self._stage(item):
                await self._write()
        except MonitorError as exc:
            # The database went away (or is full, or read-only): stop, so the next run (which
            # sees these columns as not walked to the end) redoes them; nothing half-written
            # is left behind, and what was committed stays.
            log.error("cannot store: %s; stopping the crawl", exc)
            self._stop(str(exc))
        return item

    def _stop(self, reason: str) -> None:
        """Close the spider, without waiting here: the engine's close waits for the requests in
        progress, among them the one whose item is being stored (awaiting it was a deadlock that
        held the crawl until its --timeout)."""
        self.stopping = reason
        if self.crawler is None or self.crawler.engine is None:
            return
        self.crawler.stats.inc_value("xxgk/errors/store")
        self.crawler.stats.set_value("xxgk/store_error", reason[:500])
        self.closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_error"))

    def _take(self, item: Any) -> None:
        """:meth:`process_item`, waiting for the write of a full batch (for tests and tools)."""
        if self._stage(item):
            self._flush()

    def _stage(self, item: Any) -> bool:
        """Stage an item or an outcome; True when a batch is full."""
        if isinstance(item, ListingItems):
            self.staged[(item.site_id, item.column_id)].extend(item.items)
            self.buffered += len(item.items)
        elif isinstance(item, ColumnDone):
            self.done.append(item)
        return self.buffered >= self.batch

    def _batch(self) -> Batch:
        batch = (dict(self.staged), list(self.done))
        self.staged.clear()
        self.done.clear()
        self.buffered = 0
        return batch

    async def _write(self) -> None:
        """Write the staged batch, in the helper process when there is one, and wait for it."""
        batch = self._batch()
        if not self._in_child():
            self._write_here(batch)
            return
        helper = self.helper
        assert helper is not None
        self.unconfirmed.append(batch)
        try:
            retried = await helper.run(_write_in_child, self.db_url, self.run_id, batch, priority=WRITE)
        except HelperGone:
            self._write_here()
            return
        self.unconfirmed.remove(batch)
        self._retried(retried)

    def _flush(self) -> None:
        """:meth:`_write`, blocking: at the end of the crawl, and when the process writes itself."""
        batch = self._batch()
        if not self._in_child():
            self._write_here(batch)
            return
        self.unconfirmed.append(batch)
        try:
            retried = self._call_child(_write_in_child, self.db_url, self.run_id, batch)
        except HelperGone:
            self._write_here()
            return
        self.unconfirmed.remove(batch)
        self._retried(retried)

    def _write_here(self, batch: Batch | None = None) -> None:
        """Write in this process: ``batch``, after whatever the helper took and did not confirm.

        Upserts are idempotent, so a batch the helper had committed before it died is written
        again without doubling anything (its items then count as not new).
        """
        writer = self._writer()
        for unconfirmed in self.unconfirmed:
            writer.add(*unconfirmed)
        self.unconfirmed.clear()
        if batch is not None:
            writer.add(*batch)
        self._retried(writer.flush())

    def _retried(self, reason: str | None) -> None:
        """One warning (and a count in the stats) for a batch written again on a new connection."""
        if reason is None:
            return
        log.warning(
            "the database connection was lost while storing a batch (%s); stored it on a new one", reason
        )
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("xxgk/store_retries")

    def _writer(self) -> Batches:
        if self.writer is None:
            self.writer = Batches(db_url=self.db_url, run_id=self.run_id)
        return self.writer

    def _in_child(self) -> bool:
        return self.helper is not None and not self.helper.broken

    def _call_child(self, task: Any, *args: Any) -> Any:
        assert self.helper is not None
        return self.helper.call(task, *args)


def _write_in_child(db_url: str, run_id: int, batch: Batch) -> str | None:
    writer = STATE.get("writer")
    if writer is None:
        writer = STATE["writer"] = Batches(db_url=db_url, run_id=run_id)
    writer.add(*batch)
    return writer.flush()


def _close_in_child() -> None:
    writer = STATE.pop("writer", None)
    if writer is not None:
        writer.close()


def _record(done: ColumnDone, *, items_new: int) -> crawls.FetchRecord:
    return crawls.FetchRecord(
        column_id=done.column_id,
        outcome=done.outcome,
        http_status=done.http_status,
        pages=done.pages,
        items_seen=done.items_seen,
        items_new=items_new,
        error=done.error,
        started_at=done.started_at,
        finished_at=done.finished_at,
        pages_failed=done.pages_failed,
        articles=done.articles,
        validators=done.validators or None,
        profile=done.profile,
    )
