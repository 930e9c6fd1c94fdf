"""What the spider hands to the pipeline: plain dataclasses (Scrapy's itemadapter accepts them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ListingItem:
    """One item seen in a column listing (and, where needed, dated from its article page)."""

    site_id: int
    column_id: int
    url: str
    title: str
    published_on: dt.date | None
    date_source: str | None
    is_attachment: bool


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
