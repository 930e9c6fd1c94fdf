"""Store what the spider saw, in batches, through `monitor.store`; idempotent, so a re-run doubles nothing.

Items and column outcomes (:class:`ColumnDone`) are buffered together and written in one
transaction when the buffer holds ``batch`` items (``XXGK_BATCH``, default :data:`BATCH`) and at
the end of the crawl: one upsert per column per batch, then the outcomes. A column's outcome
thus always lands in the same transaction as its last items (the spider hands it over after
them), so a crawl killed at any point leaves either both or neither: the next run sees the
column as not walked to the end and walks it again (see `monitor.store.crawls`).

``items_new`` of an outcome counts the column's items new to the site over all the batches
that held them; a batch only counts once it is committed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import ColumnDone, ListingItems
from monitor import store
from monitor.errors import MonitorError
from monitor.store import crawls
from monitor.store.repo import NewItem

log = logging.getLogger(__name__)
BATCH = 2000


class StorePipeline:
    crawler: Crawler | None = None

    def __init__(self, *, db_url: str, run_id: int, batch: int = BATCH) -> None:
        self.db_url, self.run_id, self.batch = db_url, run_id, batch
        self.buffer: dict[tuple[int, int], list[NewItem]] = defaultdict(list)
        self.done: list[ColumnDone] = []  # outcomes waiting for the next write, in arrival order
        self.buffered = 0
        self.new: dict[int, int] = {}  # column id → committed items new to the site, until its outcome
        self.engine: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        db_url, run_id = crawler.settings.get("XXGK_DB_URL"), crawler.settings.getint("XXGK_RUN_ID")
        if not db_url or not run_id:
            raise NotConfigured("XXGK_DB_URL and XXGK_RUN_ID are needed to store items")
        pipeline = cls(db_url=db_url, run_id=run_id, batch=crawler.settings.getint("XXGK_BATCH", BATCH))
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self) -> None:
        self.engine = store.connect(self.db_url)
        self.sessions = store.sessions(self.engine)

    def close_spider(self) -> None:
        try:
            self._flush()
        except MonitorError as exc:
            log.error("cannot store the last items: %s", exc)
        finally:
            self.engine.dispose()

    async def process_item(self, item: Any) -> Any:
        try:
            self._take(item)
        except MonitorError as exc:
            # The database went away: stop, so the next run (which sees these columns as not
            # walked to the end) redoes them; nothing half-written is left behind.
            log.error("cannot store: %s; stopping the crawl", exc)
            if self.crawler is not None and self.crawler.engine is not None:
                self.crawler.stats.inc_value("xxgk/errors/store")
                await self.crawler.engine.close_spider_async(reason="store_error")
        return item

    def _take(self, item: Any) -> None:
        if isinstance(item, ListingItems):
            self.buffer[(item.site_id, item.column_id)].extend(item.items)
            self.buffered += len(item.items)
            if self.buffered >= self.batch:
                self._flush()
        elif isinstance(item, ColumnDone):
            self.done.append(item)

    def _flush(self) -> None:
        """Write every buffered item, then every buffered outcome, in one transaction."""
        if not self.buffer and not self.done:
            return
        new = dict(self.new)
        now = dt.datetime.now(dt.UTC)
        with store.translate_errors(self.db_url), self.sessions.begin() as session:
            for (site_id, column_id), items in self.buffer.items():
                added = store.upsert_items(
                    session, site_id=site_id, column_id=column_id, items=items, seen_at=now
                )
                new[column_id] = new.get(column_id, 0) + added
            for done in self.done:
                fetch = _record(done, items_new=new.pop(done.column_id, 0))
                crawls.record_fetch(session, run_id=self.run_id, fetch=fetch)
        self.new = new
        self.buffer.clear()
        self.done.clear()
        self.buffered = 0


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
    )
