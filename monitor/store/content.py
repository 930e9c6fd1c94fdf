"""Queries of the content checks (issue 12): changed items, removed items, and checked links.

The crawler records what it saw (dates and titles through ``repo.upsert_items``, links through
:func:`links_due` and :func:`record_link_checks`); the check reads the facts back here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from monitor.store.models import Column, ColumnFetch, ColumnItem, CrawlRun, Institution, Item, LinkCheck, Site

#: Reasons that say the check was refused (an anti-bot wall, robots.txt), not that the link is broken.
UNJUDGED = ("blocked", "robots_disallowed")
T = TypeVar("T")
#: A failing link is checked again on the next night, not in a second crawl of the same night.
RETRY_AFTER = dt.timedelta(hours=12)


@dataclass(frozen=True)
class ChangedRow:
    site: str
    url: str
    title: str
    published_on: dt.date | None  # the first recorded date
    changed_on: dt.date | None  # the differing date last seen, if any
    date_changed_at: dt.datetime | None
    first_title: str | None  # the first recorded title, once it changed
    title_changed_at: dt.datetime | None


@dataclass(frozen=True)
class RemovedRow:
    site: str
    column: str
    url: str
    title: str
    published_on: dt.date
    last_seen_at: dt.datetime  # when a crawl last listed it in the column
    checked_at: dt.datetime  # the start of the column's latest readable crawl, which did not list it


@dataclass(frozen=True)
class LinkRow:
    site: str
    url: str
    page_url: str
    is_attachment: bool
    reason: str
    http_status: int | None
    failures: int
    failed_since: dt.datetime | None
    checked_at: dt.datetime | None


@dataclass(frozen=True)
class LinkResult:
    """One check of one link, as the crawler hands it over."""

    url: str
    reason: str  # models.LINK_REASONS
    http_status: int | None = None


def _sites_of(institutions: Sequence[int]) -> Select[int]:
    return select(Site.id).where(Site.institution_id.in_(institutions))


def _grouped(
    institutions: Sequence[int], rows: Iterable[Sequence[Any]], make: Callable[..., T]
) -> dict[int, list[T]]:
    """Rows whose first value is the institution id → institution id → `make(*rest)` in order."""
    found: dict[int, list[T]] = {i: [] for i in institutions}
    for institution, *rest in rows:
        found[institution].append(make(*rest))
    return found


def changed_items(
    session: Session, *, institutions: Sequence[int], known_by: dt.datetime
) -> dict[int, list[ChangedRow]]:
    """Institution id → its items whose printed date or title differs from the first recorded one
    (changed before `known_by`)."""
    query = (
        select(
            Site.institution_id,
            Site.key,
            Item.url,
            Item.title,
            Item.published_on,
            Item.changed_on,
            Item.date_changed_at,
            Item.first_title,
            Item.title_changed_at,
        )
        .join(Site, Site.id == Item.site_id)
        .where(Item.site_id.in_(_sites_of(institutions)))
        .where(or_(Item.date_changed_at < known_by, Item.title_changed_at < known_by))
        .order_by(Site.key, Item.url)
    )
    return _grouped(institutions, session.execute(query), ChangedRow)


def removed_items(
    session: Session, *, institutions: Sequence[int], known_by: dt.datetime
) -> dict[int, list[RemovedRow]]:
    """Institution id → its items the latest readable crawl of their column did not list, while it
    listed items both older and newer (so the crawl reached past the item's place), and not listed
    in another column since.
    Pinned (置顶) rows do not count: an old one on the first page says nothing of how far back it read."""
    columns = select(Column.id).where(Column.site_id.in_(_sites_of(institutions)))
    latest = (  # of the institutions' columns only: of every column, 4.7 s for one of 3,000 institutions
        select(ColumnFetch.column_id, func.max(CrawlRun.started_at).label("started"))
        .join(CrawlRun, CrawlRun.id == ColumnFetch.crawl_run_id)
        .where(ColumnFetch.outcome == "ok", CrawlRun.started_at < known_by)
        .where(ColumnFetch.column_id.in_(columns))
        .group_by(ColumnFetch.column_id)
        .subquery()
    )
    seen = (
        select(
            ColumnItem.column_id,
            func.min(Item.published_on).label("oldest"),
            func.max(Item.published_on).label("newest"),
        )
        .join(Item, Item.id == ColumnItem.item_id)
        .join(latest, latest.c.column_id == ColumnItem.column_id)
        .where(ColumnItem.last_seen_at >= latest.c.started, ColumnItem.pinned.is_(False))
        .group_by(ColumnItem.column_id)
        .subquery()
    )
    query = (
        select(
            Site.institution_id,
            Site.key,
            Column.key,
            Item.url,
            Item.title,
            Item.published_on,
            ColumnItem.last_seen_at,
            latest.c.started,
        )
        .select_from(ColumnItem)
        .join(Item, Item.id == ColumnItem.item_id)
        .join(Column, Column.id == ColumnItem.column_id)
        .join(Site, Site.id == Column.site_id)
        .join(latest, latest.c.column_id == ColumnItem.column_id)
        .join(seen, seen.c.column_id == ColumnItem.column_id)
        .where(Site.id.in_(_sites_of(institutions)))
        .where(ColumnItem.last_seen_at < latest.c.started, Item.last_seen_at < latest.c.started)
        .where(Item.published_on > seen.c.oldest, Item.published_on < seen.c.newest)
        .order_by(Site.key, Column.key, Item.published_on.desc())
    )
    return _grouped(institutions, session.execute(query), RemovedRow)


def failing_links(session: Session, *, institutions: Sequence[int]) -> dict[int, list[LinkRow]]:
    """Institution id → its links whose latest check failed, worst first (most failures in a row)."""
    query = (
        select(
            Site.institution_id,
            Site.key,
            LinkCheck.url,
            LinkCheck.page_url,
            LinkCheck.is_attachment,
            LinkCheck.reason,
            LinkCheck.http_status,
            LinkCheck.failures,
            LinkCheck.failed_since,
            LinkCheck.checked_at,
        )
        .join(Site, Site.id == LinkCheck.site_id)
        .where(Site.id.in_(_sites_of(institutions)))
        .where(LinkCheck.failures > 0)
        .order_by(Site.key, LinkCheck.failures.desc(), LinkCheck.url)
    )
    return _grouped(institutions, session.execute(query), LinkRow)


def link_tallies(session: Session, *, institutions: Sequence[int]) -> dict[int, dict[str, tuple[int, int]]]:
    """Institution id → site key → (links checked at least once, links failing twice or more in a row)."""
    broken = func.count().filter(LinkCheck.failures >= 2)
    query = (
        select(Site.institution_id, Site.key, func.count(), broken)
        .join(Site, Site.id == LinkCheck.site_id)
        .where(Site.id.in_(_sites_of(institutions)))
        .where(LinkCheck.checked_at.is_not(None))
        .group_by(Site.institution_id, Site.key)
    )
    found: dict[int, dict[str, tuple[int, int]]] = {i: {} for i in institutions}
    for institution, site, checked, bad in session.execute(query):
        found[institution][site] = (checked, bad)
    return found


def links_due(
    session: Session,
    *,
    site_id: int,
    found: Sequence[tuple[str, str, bool]],
    now: dt.datetime,
    recheck_days: int,
) -> list[str]:
    """Record the links (url, page url, is attachment) found on a site's pages; return those due a
    check, each URL once in the order found: never checked, failing and last checked on an earlier
    night (a failing link is checked each night until it opens), or checked `recheck_days` ago."""
    urls = list(dict.fromkeys(url for url, _, _ in found))
    known = {
        url: (checked, failures)
        for url, checked, failures in session.execute(
            select(LinkCheck.url, LinkCheck.checked_at, LinkCheck.failures).where(
                LinkCheck.site_id == site_id, LinkCheck.url.in_(urls)
            )
        )
    }
    pages = {url: (page, attachment) for url, page, attachment in reversed(found)}
    for url in urls:
        if url not in known:
            page, attachment = pages[url]
            session.add(
                LinkCheck(
                    site_id=site_id, url=url, page_url=page, is_attachment=attachment, first_seen_at=now
                )
            )
    session.flush()
    return [url for url in urls if _due(known.get(url), now=now, recheck_days=recheck_days)]


def _due(known: tuple[dt.datetime | None, int] | None, *, now: dt.datetime, recheck_days: int) -> bool:
    checked, failures = known or (None, 0)
    if checked is None:
        return True
    wait = RETRY_AFTER if failures > 0 else dt.timedelta(days=recheck_days)
    return checked <= now - wait


def record_link_checks(
    session: Session, *, site_id: int, results: Iterable[LinkResult], now: dt.datetime
) -> int:
    """Store the checks of a site's links; a link that opens is cleared. Returns how many failed."""
    failed = 0
    for result in results:
        row = session.scalars(
            select(LinkCheck).where(LinkCheck.site_id == site_id, LinkCheck.url == result.url)
        ).one_or_none()
        if row is None:
            continue
        row.checked_at, row.reason, row.http_status = now, result.reason, result.http_status
        if result.reason in UNJUDGED:
            continue  # the monitor could not look: the link is neither broken nor cleared
        if result.reason == "ok":
            row.failures, row.failed_since = 0, None
        else:
            failed += 1
            row.failures += 1
            row.failed_since = row.failed_since or now
    return failed


@dataclass(frozen=True)
class ListedRow:
    """An item a crawl listed: the link, the list page it is on, and what the link check reads of it."""

    item_id: int
    url: str
    page_url: str  # the column's URL (the list page that links to it)
    is_attachment: bool
    title: str
    published_on: dt.date | None
    gongshi_read: bool  # its 公示期 was read already
    opened: bool = False  # its page was opened by this crawl for its date (it answered)


def listed_since(session: Session, *, site_id: int, since: dt.datetime) -> list[ListedRow]:
    """The items of a site that a crawl listed in some column at or after `since`, each once."""
    query = (
        select(
            Item.id,
            Item.url,
            Column.url,
            Item.is_attachment,
            Item.title,
            Item.published_on,
            Item.gongshi_read_at.is_not(None),
            Item.date_source.in_(("article", "meta")) & (Item.first_seen_at >= since),
        )
        .join(ColumnItem, ColumnItem.item_id == Item.id)
        .join(Column, Column.id == ColumnItem.column_id)
        .where(Item.site_id == site_id, ColumnItem.last_seen_at >= since)
        .order_by(Item.id, Column.position)
    )
    rows: dict[str, ListedRow] = {}
    for row in session.execute(query):
        rows.setdefault(row[1], ListedRow(*row[:7], opened=bool(row[7])))
    return list(rows.values())


def record_gongshi(
    session: Session, *, item_id: int, period: dict[str, object] | None, now: dt.datetime
) -> None:
    """Keep the 公示期 read on an item's page (None: the page states none), so it is read once."""
    item = session.get(Item, item_id)
    if item is not None:
        item.gongshi_period, item.gongshi_read_at = period, now


@dataclass(frozen=True)
class GongshiRow:
    site: str
    url: str
    title: str
    published_on: dt.date | None
    period: dict[str, object]


def gongshi_items(
    session: Session, *, institutions: Sequence[int], known_by: dt.datetime
) -> dict[int, list[GongshiRow]]:
    """Institution id → its items whose page states a 公示期 (read before `known_by`) and whose
    latest link check did not fail."""
    query = (
        select(Site.institution_id, Site.key, Item.url, Item.title, Item.published_on, Item.gongshi_period)
        .join(Site, Site.id == Item.site_id)
        .outerjoin(LinkCheck, (LinkCheck.site_id == Item.site_id) & (LinkCheck.url == Item.url))
        .where(Site.id.in_(_sites_of(institutions)))
        .where(Item.gongshi_period.is_not(None), Item.gongshi_read_at < known_by)
        .where(or_(LinkCheck.id.is_(None), LinkCheck.failures == 0))
        .order_by(Site.key, Item.url)
    )
    return _grouped(
        institutions,
        session.execute(query),
        lambda site, url, title, day, period: GongshiRow(site, url, title, day, dict(period or {})),
    )


def failed_due(session: Session, *, site_id: int, now: dt.datetime) -> list[tuple[str, bool]]:
    """(url, is attachment) of the site's links that failed and were last checked on an earlier night:
    checked again whether or not tonight's pages link to them (a page read once a window does not)."""
    query = (
        select(LinkCheck.url, LinkCheck.is_attachment)
        .where(
            LinkCheck.site_id == site_id, LinkCheck.failures > 0, LinkCheck.checked_at <= now - RETRY_AFTER
        )
        .order_by(LinkCheck.id)
    )
    return [(url, attachment) for url, attachment in session.execute(query)]


def backdate_link_checks(session: Session, *, institution_key: str, by: dt.timedelta) -> int:
    """Move every link check of an institution's sites `by` into the past; how many moved.

    Only for ``xxgk demo``'s second crawled day, minutes after its first: a failing link is
    checked again on the next night (:data:`RETRY_AFTER`), so the night between is made to pass.
    The product never rewrites what it recorded.
    """
    site_ids = (
        select(Site.id)
        .join(Institution, Institution.id == Site.institution_id)
        .where(Institution.key == institution_key)
    )
    rows = session.scalars(
        select(LinkCheck).where(LinkCheck.site_id.in_(site_ids), LinkCheck.checked_at.is_not(None))
    ).all()
    for row in rows:
        assert row.checked_at is not None
        row.checked_at -= by
    return len(rows)
