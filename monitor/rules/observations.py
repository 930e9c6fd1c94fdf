"""What the content checks observed, as plain data in the snapshot (`Snapshot.content`).

`monitor.checks` fills it from the store (`monitor.store.content`); the content rules
(`monitor.rules.content`) judge it. URLs are the items' canonical URLs or the links' as found.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChangedItem:
    """An item whose printed date or title differs from the first recorded one."""

    site: str
    url: str
    title: str  # the newest title
    published_on: dt.date | None  # the first recorded date (the one statistics count)
    changed_on: dt.date | None = None  # the differing date the page shows now
    date_changed_at: dt.datetime | None = None
    first_title: str | None = None  # the first recorded title, once it changed
    title_changed_at: dt.datetime | None = None


@dataclass(frozen=True)
class RemovedItem:
    """An item the latest readable crawl of its column no longer listed, among older and newer ones."""

    site: str
    column: str
    url: str
    title: str
    published_on: dt.date
    last_seen_at: dt.datetime  # when it was last listed there


@dataclass(frozen=True)
class FailingLink:
    """A link or attachment whose latest check failed, `failures` checks in a row."""

    site: str
    url: str
    page_url: str  # a page it was found on
    is_attachment: bool
    reason: str  # not_found | gone | soft_404 | auth_required | timeout | dns | unreachable | server_error
    http_status: int | None
    failures: int
    failed_since: dt.datetime | None = None


@dataclass(frozen=True)
class Gongshi:
    """A 公示 whose page states its period, still online as far as the link check knows."""

    site: str
    url: str
    title: str
    published_on: dt.date | None
    period: dict[str, Any]  # {"from", "to"} ISO dates, or {"days", "working"}
    pii_leaks: int | None = None  # personal data found in full on it (None: not scanned)


@dataclass(frozen=True)
class Content:
    """Every content observation of a snapshot."""

    changed: tuple[ChangedItem, ...] = ()
    removed: tuple[RemovedItem, ...] = ()
    links: tuple[FailingLink, ...] = ()
    link_counts: dict[str, tuple[int, int]] | None = None  # site → (links checked, broken)
    gongshi: tuple[Gongshi, ...] = ()
