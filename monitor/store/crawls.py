"""Queries of the crawl side: runs, per-column fetch outcomes, and the state an incremental crawl needs.

An incremental crawl pages through a column until a page holds nothing *new*. "New" is judged
against the column's *settled* items: those first linked to it before the end of the run of its
last complete fetch (outcome ``ok`` or ``empty``, no list page lost; a run that died ends when the
next one marks it aborted), so the run after a complete walk stops on its first page. Items
stored by a run that died before the column's outcome was written are still new to the next
run, which pages on past them instead of stopping early: a killed crawl loses nothing. The
conditional-GET validators of a column's list pages are kept with its complete fetch for the
same reason, and so is the profile that read the column (the next crawl tries it first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import CrawlError
from monitor.store.engine import _one_line, translate_errors
from monitor.store.locks import running
from monitor.store.models import Campus, Column, ColumnFetch, ColumnItem, CrawlRun, Institution, Item, Site

T = TypeVar("T")

COMPLETE = ("ok", "empty")
#: Date sources read on the article page itself (crawler.dates.DATE_SOURCES).
ARTICLE_SOURCES = ("article", "meta")


@dataclass(frozen=True)
class ColumnState:
    """What the crawler needs to know about one column before it starts."""

    site_id: int
    column_id: int
    settled_since: dt.datetime | None  # end of the last complete fetch's run; None: never complete
    validators: dict[str, Any] = field(default_factory=dict)
    profile: str | None = None  # the profile that read the column in its last complete fetch


@dataclass(frozen=True)
class FetchRecord:
    """The outcome of one column in one run, as the crawler reports it."""

    column_id: int
    outcome: str
    http_status: int | None
    pages: int
    items_seen: int
    items_new: int
    error: str | None
    started_at: dt.datetime
    finished_at: dt.datetime
    pages_failed: int = 0
    articles: int = 0
    validators: dict[str, Any] | None = None
    profile: str | None = None


@dataclass(frozen=True)
class FetchRow:
    """One line of a run's summary: which column, what happened."""

    campus: str
    site: str
    column: str
    outcome: str
    http_status: int | None
    pages: int
    items_seen: int
    items_new: int
    error: str | None


def start_run(
    session: Session, *, institution_key: str, full: bool, sites: Sequence[str], pid: int, now: dt.datetime
) -> int:
    institution_id = session.scalar(select(Institution.id).where(Institution.key == institution_key))
    run = CrawlRun(
        institution_id=institution_id,
        started_at=now,
        status="running",
        full=full,
        sites=list(sites),
        stats={},
        pid=pid,
    )
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session, *, run_id: int, status: str, stats: dict[str, Any], now: dt.datetime
) -> None:
    session.execute(
        update(CrawlRun).where(CrawlRun.id == run_id).values(status=status, stats=stats, finished_at=now)
    )


def join_run(session: Session, *, run_id: int, institution_key: str, column_ids: Iterable[int]) -> None:
    """Make a job of a distributed run ready to record into it: the run must be the institution's
    and still running (else :class:`CrawlError`); what an earlier attempt of the job recorded for
    these columns is removed, so the attempt that ends records each outcome once."""
    row = session.execute(
        select(CrawlRun.status, Institution.key)
        .join(Institution, Institution.id == CrawlRun.institution_id)
        .where(CrawlRun.id == run_id)
    ).first()
    if row is None or row[1] != institution_key:
        raise CrawlError(f"there is no crawl run {run_id} of {institution_key} in this database")
    if row[0] != "running":
        raise CrawlError(f"crawl run {run_id} of {institution_key} is {row[0]}, not running")
    ids = list(column_ids)
    if ids:
        session.execute(
            delete(ColumnFetch).where(ColumnFetch.crawl_run_id == run_id, ColumnFetch.column_id.in_(ids))
        )


def running_runs(session: Session, *, institution_key: str) -> list[tuple[int, int | None]]:
    """(run id, pid) of the institution's runs still marked running."""
    rows = session.execute(
        select(CrawlRun.id, CrawlRun.pid)
        .join(Institution, Institution.id == CrawlRun.institution_id)
        .where(Institution.key == institution_key, CrawlRun.status == "running")
    )
    return [(run_id, pid) for run_id, pid in rows]


def abort_runs(session: Session, *, run_ids: Iterable[int], now: dt.datetime) -> None:
    ids = list(run_ids)
    if ids:
        session.execute(
            update(CrawlRun).where(CrawlRun.id.in_(ids)).values(status="aborted", finished_at=now)
        )


def abort_dead_runs(session: Session, *, institution_key: str, now: dt.datetime) -> None:
    """Mark aborted the institution's runs still marked running whose crawler is gone (killed)."""
    runs = running_runs(session, institution_key=institution_key)
    abort_runs(session, run_ids=[run for run, pid in runs if not (pid and running(pid))], now=now)


def column_states(session: Session, *, institution_key: str) -> dict[tuple[str, str], ColumnState]:
    """(site key, column key) → state, for every active column of the institution."""
    # The institution's own columns only: grouping every fetch of the database (a regulator's
    # thousands of institutions, a row per column and night) for each one made a night O(n²).
    own = (
        select(Column.id)
        .join(Site, Site.id == Column.site_id)
        .join(Campus, Campus.id == Site.campus_id)
        .join(Institution, Institution.id == Campus.institution_id)
        .where(Institution.key == institution_key)
    )
    last_complete = (
        select(ColumnFetch.column_id, func.max(ColumnFetch.id).label("fetch_id"))
        # a walk that lost a page is not complete: the next one walks every page again, or the
        # lost page's items would sit behind settled ones forever
        .where(
            ColumnFetch.column_id.in_(own), ColumnFetch.outcome.in_(COMPLETE), ColumnFetch.pages_failed == 0
        )
        .group_by(ColumnFetch.column_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Site.key,
            Column.key,
            Site.id,
            Column.id,
            # once its run has ended, every item that run saw is written: those are settled too
            func.coalesce(CrawlRun.finished_at, CrawlRun.started_at),
            ColumnFetch.validators,
            ColumnFetch.profile,
        )
        .join(Site, Site.id == Column.site_id)
        .join(Campus, Campus.id == Site.campus_id)
        .join(Institution, Institution.id == Campus.institution_id)
        .outerjoin(last_complete, last_complete.c.column_id == Column.id)
        .outerjoin(ColumnFetch, ColumnFetch.id == last_complete.c.fetch_id)
        .outerjoin(CrawlRun, CrawlRun.id == ColumnFetch.crawl_run_id)
        .where(Institution.key == institution_key, Column.retired_at.is_(None), Site.retired_at.is_(None))
    )
    return {
        (site_key, column_key): ColumnState(site_id, column_id, started, validators or {}, profile)
        for site_key, column_key, site_id, column_id, started, validators, profile in rows
    }


def settled_urls(session: Session, *, column_id: int, before: dt.datetime) -> set[str]:
    """URLs of the column's items first listed in it before `before`."""
    rows = session.scalars(
        select(Item.url)
        .join(ColumnItem, ColumnItem.item_id == Item.id)
        .where(ColumnItem.column_id == column_id, ColumnItem.first_seen_at < before)
    )
    return set(rows)


def known_urls(session: Session, *, site_id: int) -> set[str]:
    """URLs of the site's stored items. The crawler opens no article of these again: an item is
    stored once the article its list left undated was opened (dated, or found without a date)."""
    return set(session.scalars(select(Item.url).where(Item.site_id == site_id)))


def article_dates(session: Session, *, site_id: int) -> dict[str, dt.date]:
    """URL → date of the site's items dated by their article page (the crawler trusts these over a
    year it inferred, and opens no article twice)."""
    query = select(Item.url, Item.published_on).where(
        Item.site_id == site_id, Item.date_source.in_(ARTICLE_SOURCES), Item.published_on.is_not(None)
    )
    return {url: day for url, day in session.execute(query) if day is not None}


def write_retrying(
    sessions: sessionmaker[Session], write: Callable[[Session], T], *, url: str
) -> tuple[T, str | None]:
    """``write(session)`` in one transaction, committed; returns its value and why it ran twice.

    A connection lost before the commit (PostgreSQL restarted, the backend terminated: the
    database rolled the transaction back) is retried once on a new connection, and the reason
    is returned (None when there was no retry). Any other driver error, a second loss and a loss
    during the commit itself (which may have committed) are a one-line StoreError.
    """
    retried = None
    with translate_errors(url), sessions() as session:
        try:
            value = write(session)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            retried = _one_line(exc, url=url)
            session.rollback()
            value = write(session)
        session.commit()
    return value, retried


def record_fetch(session: Session, *, run_id: int, fetch: FetchRecord) -> None:
    session.add(
        ColumnFetch(
            crawl_run_id=run_id,
            column_id=fetch.column_id,
            outcome=fetch.outcome,
            http_status=fetch.http_status,
            pages=fetch.pages,
            items_seen=fetch.items_seen,
            items_new=fetch.items_new,
            error=fetch.error,
            started_at=fetch.started_at,
            finished_at=fetch.finished_at,
            pages_failed=fetch.pages_failed,
            articles=fetch.articles,
            validators=fetch.validators,
            profile=fetch.profile,
        )
    )


def run_fetches(session: Session, *, run_id: int) -> list[FetchRow]:
    """The run's column outcomes in config order (campus, site, column positions)."""
    rows = session.execute(
        select(
            Campus.key,
            Site.key,
            Column.key,
            ColumnFetch.outcome,
            ColumnFetch.http_status,
            ColumnFetch.pages,
            ColumnFetch.items_seen,
            ColumnFetch.items_new,
            ColumnFetch.error,
        )
        .join(Column, Column.id == ColumnFetch.column_id)
        .join(Site, Site.id == Column.site_id)
        .join(Campus, Campus.id == Site.campus_id)
        .where(ColumnFetch.crawl_run_id == run_id)
        .order_by(Campus.position, Site.position, Column.position)
    )
    return [FetchRow(*row) for row in rows]


def latest_run(session: Session, *, institution_key: str) -> tuple[int, str, dict[str, Any]] | None:
    """(id, status, stats) of the institution's newest crawl run."""
    row = session.execute(
        select(CrawlRun.id, CrawlRun.status, CrawlRun.stats)
        .join(Institution, Institution.id == CrawlRun.institution_id)
        .where(Institution.key == institution_key)
        .order_by(CrawlRun.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1], row[2]) if row else None


def latest_runs(session: Session, *, institution_keys: Sequence[str]) -> dict[str, tuple[int, str] | None]:
    """Institution key → (id, status) of its newest crawl run (None: never crawled), in one query."""
    newest = (
        select(CrawlRun.institution_id, func.max(CrawlRun.id).label("run_id"))
        .join(Institution, Institution.id == CrawlRun.institution_id)
        .where(Institution.key.in_(institution_keys))
        .group_by(CrawlRun.institution_id)
        .subquery()
    )
    rows = session.execute(
        select(Institution.key, CrawlRun.id, CrawlRun.status)
        .join(newest, newest.c.institution_id == Institution.id)
        .join(CrawlRun, CrawlRun.id == newest.c.run_id)
    )
    found: dict[str, tuple[int, str] | None] = dict.fromkeys(institution_keys)
    found.update({key: (run, status) for key, run, status in rows})
    return found


def site_items(session: Session, *, institution_key: str) -> dict[str, dict[str, tuple[str, dt.date | None]]]:
    """Site key → item URL → (title, publication date): what the crawls have stored."""
    rows = session.execute(
        select(Site.key, Item.url, Item.title, Item.published_on)
        .join(Site, Site.id == Item.site_id)
        .join(Institution, Institution.id == Site.institution_id)
        .where(Institution.key == institution_key)
    )
    found: dict[str, dict[str, tuple[str, dt.date | None]]] = {}
    for site, url, title, published_on in rows:
        found.setdefault(site, {})[url] = (title, published_on)
    return found
