"""Read-only queries of the dashboard: a site's recent items and its items per month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from monitor.store.models import Column, ColumnItem, Institution, Item, Site


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
    """The site's newest items by publication date (undated ones last)."""
    site_id = _site_id(session, institution_key=institution_key, site_key=site_key)
    first_column = (
        select(func.min(ColumnItem.column_id)).where(ColumnItem.item_id == Item.id).scalar_subquery()
    )
    rows = session.execute(
        select(Item.title, Item.url, Item.published_on, Column.key, Item.is_attachment)
        .join(Column, Column.id == first_column)
        .where(Item.site_id == site_id)
        .order_by(Item.published_on.is_(None), Item.published_on.desc(), Item.id.desc())
        .limit(limit)
    )
    return [RecentItem(*row) for row in rows]


def monthly_counts(
    session: Session, *, institution_key: str, site_key: str, start: dt.date, end: dt.date
) -> dict[tuple[int, int], int]:
    """(year, month) → the site's items published in [start, end]; months without items are absent."""
    site_id = _site_id(session, institution_key=institution_key, site_key=site_key)
    year, month = extract("year", Item.published_on), extract("month", Item.published_on)
    rows = session.execute(
        select(year, month, func.count())
        .where(Item.site_id == site_id, Item.published_on.between(start, end))
        .group_by(year, month)
    )
    return {(int(y), int(m)): n for y, m, n in rows}
