"""What the spider hands to the pipeline: plain dataclasses (Scrapy's itemadapter accepts them).

The items of a column travel by the page, not one by one: every Scrapy item costs an asyncio
task, the spider middlewares, two signals and a log record, which for one row was as much as
reading it (issue #3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from monitor.store.repo import NewItem


@dataclass(frozen=True)
class ListingItems:
    """The items one list page of a column showed (or one article page dated), in page order."""

    site_id: int
    column_id: int
    items: tuple[NewItem, ...]


@dataclass(frozen=True)
class ColumnDone:
    """A column's walk has ended: its outcome, once all of its items have been handed over."""

    site: str
    column: str
    column_id: int
    outcome: str
    http_status: int | None
    pages: int
    items_seen: int
    error: str | None
    started_at: dt.datetime
    finished_at: dt.datetime
    pages_failed: int = 0
    articles: int = 0
    validators: dict[str, Any] = field(default_factory=dict)
    profile: str | None = None  # the profile that read the column's list
