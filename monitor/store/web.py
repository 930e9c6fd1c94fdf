"""Read-only queries of the dashboard: a site's recent items and items per day, crawl runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from monitor.store.models import Column, ColumnFetch, ColumnItem, CrawlRun, Institution, Item, Site


@dataclass(frozen=True)
class RecentItem:
    title: str
    url: str
    published_on: dt.date | None
    column: str  # the key of the first column listing it
    is_attachment: bool


def _site_id(session: Session, *, institution_key: str, site_key: str) -> int | None:
    return session.scalar(
        select(Site.id)
        .join(Institution, Institution.id == Site.institution_id)
        .where(Institution.key == institution_key, Site.key == site_key)
    )


def recent_items(
    session: Session, *, institution_key: str, site_key: str, limit: int = 20
) -> list[RecentItem]:
    """The site's newest items by publication date (then newest first), undated ones last.

    Dated and undated items are asked for apart, so that each query reads the site's
    ``(site_id, published_on)`` index in order and stops at `limit` (ordering by
    ``published_on IS NULL`` first sorted every item of the site).
    """
    site_id = _site_id(session, institution_key=institution_key, site_key=site_key)
    dated = Item.published_on.is_not(None)
    found = _newest(session, site_id, dated, (Item.published_on.desc(), Item.id.desc()), limit)
    if len(found) < limit:
        found += _newest(session, site_id, ~dated, (Item.id.desc(),), limit - len(found))
    return found


def _newest(
    session: Session, site_id: int | None, where: ColumnElement[bool], order: tuple[Any, ...], limit: int
) -> list[RecentItem]:
    first_column = (
        select(func.min(ColumnItem.column_id)).where(ColumnItem.item_id == Item.id).scalar_subquery()
    )
    rows = session.execute(
        select(Item.title, Item.url, Item.published_on, Column.key, Item.is_attachment)
        .join(Column, Column.id == first_column)
        .where(Item.site_id == site_id, where)
        .order_by(*order)
        .limit(limit)
    )
    return [RecentItem(*row) for row in rows]


@dataclass(frozen=True)
class RunRow:
    """A crawl run with its column outcomes counted over the sites asked for."""

    id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    full: bool
    sites: list[str]
    outcomes: dict[str, int]


@dataclass(frozen=True)
class FetchRow:
    """The outcome of one column in one run."""

    site: str
    site_name: str
    column: str
    column_name: str
    outcome: str
    http_status: int | None
    pages: int
    pages_failed: int
    items_seen: int
    items_new: int
    error: str | None
    started_at: dt.datetime
    finished_at: dt.datetime


def _fetches(
    run_ids: Sequence[int], site_keys: frozenset[str] | None
) -> Select[ColumnFetch, str, str, str, str]:
    """column_fetches of `run_ids` joined to their column and site, limited to `site_keys` (None: all)."""
    query = (
        select(ColumnFetch, Column.key, Column.name, Site.key, Site.name)
        .join(Column, Column.id == ColumnFetch.column_id)
        .join(Site, Site.id == Column.site_id)
        .where(ColumnFetch.crawl_run_id.in_(run_ids))
    )
    return query if site_keys is None else query.where(Site.key.in_(site_keys))


def crawl_runs(
    session: Session, *, institution_key: str, site_keys: frozenset[str] | None = None, limit: int = 50
) -> list[RunRow]:
    """The institution's newest runs, each with its column outcomes counted over `site_keys` (None: all)."""
    runs = session.scalars(
        select(CrawlRun)
        .join(Institution, Institution.id == CrawlRun.institution_id)
        .where(Institution.key == institution_key)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(limit)
    ).all()
    counted = _fetches([run.id for run in runs], site_keys).subquery()
    rows = session.execute(
        select(counted.c.crawl_run_id, counted.c.outcome, func.count()).group_by(
            counted.c.crawl_run_id, counted.c.outcome
        )
    )
    outcomes: dict[int, dict[str, int]] = {}
    for run_id, outcome, count in rows:
        outcomes.setdefault(run_id, {})[outcome] = count
    return [_run_row(run, outcomes.get(run.id, {}), site_keys) for run in runs]


def _run_row(run: CrawlRun, outcomes: dict[str, int], site_keys: frozenset[str] | None) -> RunRow:
    sites = [s for s in run.sites if site_keys is None or s in site_keys]
    return RunRow(run.id, run.started_at, run.finished_at, run.status, run.full, sites, outcomes)


def crawl_run(
    session: Session, *, institution_key: str, run_id: int, site_keys: frozenset[str] | None = None
) -> tuple[RunRow, list[FetchRow]] | None:
    """One run of the institution and its column outcomes over `site_keys` (None: all); None if unknown."""
    run = session.scalar(
        select(CrawlRun)
        .join(Institution, Institution.id == CrawlRun.institution_id)
        .where(Institution.key == institution_key, CrawlRun.id == run_id)
    )
    if run is None:
        return None
    query = _fetches([run.id], site_keys).order_by(Site.position, Column.position)
    fetches = [_fetch_row(f, c, cn, s, sn) for f, c, cn, s, sn in session.execute(query)]
    outcomes: dict[str, int] = {}
    for fetch in fetches:
        outcomes[fetch.outcome] = outcomes.get(fetch.outcome, 0) + 1
    return _run_row(run, outcomes, site_keys), fetches


def _fetch_row(fetch: ColumnFetch, column: str, column_name: str, site: str, site_name: str) -> FetchRow:
    return FetchRow(
        site=site,
        site_name=site_name,
        column=column,
        column_name=column_name,
        outcome=fetch.outcome,
        http_status=fetch.http_status,
        pages=fetch.pages,
        pages_failed=fetch.pages_failed,
        items_seen=fetch.items_seen,
        items_new=fetch.items_new,
        error=fetch.error,
        started_at=fetch.started_at,
        finished_at=fetch.finished_at,
    )


def daily_counts(
    session: Session, *, institution_key: str, site_key: str, start: dt.date, end: dt.date
) -> dict[dt.date, int]:
    """Day → the site's items published that day in [start, end]; days without items are absent."""
    site_id = _site_id(session, institution_key=institution_key, site_key=site_key)
    rows = session.execute(
        select(Item.published_on, func.count())
        .where(Item.site_id == site_id, Item.published_on.between(start, end))
        .group_by(Item.published_on)
    )
    return {day: n for day, n in rows if day is not None}
