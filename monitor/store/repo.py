"""Every query of the monitor, in one module: keyword-only arguments, callers own the transaction.

The functions take an open :class:`~sqlalchemy.orm.Session`, flush when they need ids, and never
commit. Labels such as ``site:hit/main/today`` name things in sync reports and logs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Boolean, ColumnElement, Select, bindparam, case, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.config import Config
from monitor.config import Site as SiteConfig
from monitor.store.checks import institution_ids
from monitor.store.models import Campus, Column, ColumnItem, Institution, Item, ManualCount, Site
from monitor.store.types import UTCDateTime

_BATCH = 500
_Row = TypeVar("_Row", Campus, Site, Column)


@dataclass
class SyncResult:
    """What `sync_config` changed, as labels such as ``site:hit/main/today``."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    revived: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired or self.revived)


@dataclass(frozen=True)
class NewItem:
    """One observation of an item in a column listing, as the crawler hands it over."""

    url: str
    title: str
    published_on: dt.date | None = None
    date_source: str | None = None
    is_attachment: bool = False
    pinned: bool = False  # a pinned (置顶) row of the listing, above its date order


# ----------------------------------------------------------------------------- config sync


def _set(row: Any, values: dict[str, Any]) -> bool:
    """Assign ``values`` to ``row``; True when anything changed."""
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    return bool(changed)


#: Rows keyed by their natural key (campus key, site key, "site/column"), with their labels.
_Existing = dict[str, tuple[_Row, str]]
#: Wanted rows: (natural key, label, column values).
_Wanted = list[tuple[str, str, dict[str, Any]]]


@dataclass
class _Syncer:
    session: Session
    now: dt.datetime
    result: SyncResult = field(default_factory=SyncResult)

    def rows(self, model: type[_Row], *, existing: _Existing[_Row], wanted: _Wanted) -> dict[str, _Row]:
        """Upsert ``wanted`` against ``existing`` by natural key; retire what is not wanted."""
        kept: dict[str, _Row] = {}
        for key, label, values in wanted:
            if key in existing:
                kept[key] = self._refresh(existing[key][0], label=label, values=values)
            else:
                kept[key] = model(**values)
                self.session.add(kept[key])
                self.result.added.append(label)
        for key, (row, label) in existing.items():
            if key not in kept and row.retired_at is None:
                row.retired_at = self.now
                self.result.retired.append(label)
        self.session.flush()
        return kept

    def _refresh(self, row: _Row, *, label: str, values: dict[str, Any]) -> _Row:
        changed = _set(row, values)
        if row.retired_at is not None:
            row.retired_at = None
            self.result.revived.append(label)
        elif changed:
            self.result.updated.append(label)
        return row


def _sync_institution(session: Session, *, config: Config, result: SyncResult) -> Institution:
    info = config.institution
    values = {"key": info.id, "name": info.name, "timezone": info.timezone}
    row = session.scalars(select(Institution).where(Institution.key == info.id)).one_or_none()
    if row is None:
        row = Institution(**values)
        session.add(row)
        session.flush()
        result.added.append(f"institution:{info.id}")
    elif _set(row, values):
        result.updated.append(f"institution:{info.id}")
    return row


def _sync_campuses(syncer: _Syncer, *, institution: Institution, config: Config) -> dict[str, Campus]:
    prefix = f"campus:{institution.key}"
    rows = syncer.session.scalars(select(Campus).where(Campus.institution_id == institution.id))
    existing = {row.key: (row, f"{prefix}/{row.key}") for row in rows}
    wanted = [
        (
            campus.id,
            f"{prefix}/{campus.id}",
            {"institution_id": institution.id, "key": campus.id, "name": campus.name, "position": position},
        )
        for position, campus in enumerate(config.campuses)
    ]
    return syncer.rows(Campus, existing=existing, wanted=wanted)


def _site_values(site: SiteConfig, *, position: int) -> dict[str, Any]:
    return {
        "key": site.id,
        "name": site.name,
        "url": site.url,
        "owners": list(site.owner),
        "intranet": site.intranet,
        "position": position,
    }


def _sync_sites(
    syncer: _Syncer, *, institution: Institution, campuses: dict[str, Campus], config: Config
) -> dict[str, Site]:
    prefix = f"site:{institution.key}"
    query = (
        select(Site, Campus.key)
        .join(Campus, Site.campus_id == Campus.id)
        .where(Site.institution_id == institution.id)
    )
    existing = {
        row.key: (row, f"{prefix}/{campus_key}/{row.key}")
        for row, campus_key in syncer.session.execute(query)
    }
    wanted = [
        (
            site.id,
            f"{prefix}/{campus.id}/{site.id}",
            {
                "institution_id": institution.id,
                "campus_id": campuses[campus.id].id,
                **_site_values(site, position=position),
            },
        )
        for campus in config.campuses
        for position, site in enumerate(campus.sites)
    ]
    return syncer.rows(Site, existing=existing, wanted=wanted)


def _column_wanted(config: Config, *, institution_key: str, sites: dict[str, Site]) -> _Wanted:
    return [
        (
            f"{site.id}/{column.id}",
            f"column:{institution_key}/{campus.id}/{site.id}/{column.id}",
            {
                "site_id": sites[site.id].id,
                "key": column.id,
                "name": column.name,
                "url": column.url,
                "cms": column.cms,
                "kind": column.kind,
                "max_age_days": column.max_age_days,
                "checklist": list(column.checklist),
                "position": position,
            },
        )
        for campus, site in config.sites()
        for position, column in enumerate(site.columns)
    ]


def _sync_columns(
    syncer: _Syncer, *, institution: Institution, sites: dict[str, Site], config: Config
) -> None:
    prefix = f"column:{institution.key}"
    query = (
        select(Column, Site.key, Campus.key)
        .join(Site, Column.site_id == Site.id)
        .join(Campus, Site.campus_id == Campus.id)
        .where(Site.institution_id == institution.id)
    )
    existing = {
        f"{site_key}/{row.key}": (row, f"{prefix}/{campus_key}/{site_key}/{row.key}")
        for row, site_key, campus_key in syncer.session.execute(query)
    }
    wanted = _column_wanted(config, institution_key=institution.key, sites=sites)
    syncer.rows(Column, existing=existing, wanted=wanted)


def sync_config(session: Session, *, config: Config, now: dt.datetime) -> SyncResult:
    """Bring the institution, campuses, sites and columns of ``config`` into the database.

    Rows absent from the config are retired (never deleted: their items stay); a retired row that
    is back in the config is revived. Positions follow the config's order. A second sync of the
    same config changes nothing and reports nothing.
    """
    syncer = _Syncer(session, now)
    institution = _sync_institution(session, config=config, result=syncer.result)
    campuses = _sync_campuses(syncer, institution=institution, config=config)
    sites = _sync_sites(syncer, institution=institution, campuses=campuses, config=config)
    _sync_columns(syncer, institution=institution, sites=sites, config=config)
    return syncer.result


# ----------------------------------------------------------------------------- items


def _insert(
    session: Session, table: type[Item | ColumnItem | ManualCount]
) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    return _dialect_insert(session.get_bind().dialect.name, table)


def _dialect_insert(
    dialect: str, table: type[Item | ColumnItem | ManualCount]
) -> postgresql.Insert | sqlite.Insert:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def _merge(items: Sequence[NewItem]) -> list[NewItem]:
    """One observation per URL (an upsert may touch a row once): the last title, the first date."""
    merged: dict[str, NewItem] = {}
    for item in items:
        before = merged.get(item.url)
        if before is not None and item.published_on is None and before.published_on is not None:
            item = replace(item, published_on=before.published_on, date_source=before.date_source)
        merged[item.url] = item
    return list(merged.values())


def _chunks(items: list[NewItem]) -> Iterator[list[NewItem]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


#: Date sources as SQL literals: an executemany statement takes no expanding IN parameter.
_INFERRED: ColumnElement[str] = literal_column("'list_inferred'")
_ARTICLE_SOURCES: tuple[ColumnElement[str], ...] = (literal_column("'article'"), literal_column("'meta'"))
#: Dates printed on a page (not inferred, relative or guessed): one that changes was changed by someone.
_PRINTED_SOURCES: tuple[ColumnElement[str], ...] = (
    literal_column("'list'"),
    *_ARTICLE_SOURCES,
)


@lru_cache(maxsize=4)
def _item_upsert(dialect: str) -> postgresql.Insert | sqlite.Insert:
    """Insert or refresh items of a site; built once per dialect (a Core statement, no ORM).

    A known item gets the new title and ``last_seen_at``; its date is filled only if it had none,
    or if its year was inferred (``list_inferred``) and the new date comes from its article or
    from a newer inference (checked against articles, see ``crawler.dates.resolve_checked``):
    a dated observation is never replaced by an undated one, nor a printed or article date by
    anything. A new title or a changed date sends the item back to the title classifier
    (``labels_version`` 0). Executed with one parameter set per item
    (``site_id``, ``seen_at``, ``url``, ``title``, ``published_on``, ``date_source``,
    ``is_attachment``): a plain executemany, without the ORM's bulk path or RETURNING.
    """
    stmt = _dialect_insert(dialect, Item).values(
        site_id=bindparam("site_id"),
        first_seen_at=bindparam("seen_at", type_=UTCDateTime()),
        last_seen_at=bindparam("seen_at", type_=UTCDateTime()),
    )
    new = stmt.excluded
    inferred = new.published_on.is_not(None) & (Item.date_source == _INFERRED)
    from_article = inferred & new.date_source.in_(_ARTICLE_SOURCES)
    moved = new.published_on.is_not(None) & (
        Item.published_on.is_(None)
        | (
            inferred
            & new.date_source.in_((*_ARTICLE_SOURCES, _INFERRED))
            & (new.published_on != Item.published_on)
        )
    )
    better = moved | from_article
    # a printed date from the same source as the first recorded one, and different: changed on the page
    redated = (
        new.published_on.is_not(None)
        & Item.published_on.is_not(None)
        & (new.published_on != Item.published_on)
        & (new.date_source == Item.date_source)
        & new.date_source.in_(_PRINTED_SOURCES)
    )
    retitled = Item.title != new.title
    return stmt.on_conflict_do_update(
        index_elements=["site_id", "url"],
        set_={
            "title": new.title,
            "last_seen_at": new.last_seen_at,
            "published_on": case((better, new.published_on), else_=Item.published_on),
            "date_source": case((better, new.date_source), else_=Item.date_source),
            "changed_on": case((redated, new.published_on), else_=Item.changed_on),
            "date_changed_at": case((redated, new.last_seen_at), else_=Item.date_changed_at),
            "first_title": case((retitled & Item.first_title.is_(None), Item.title), else_=Item.first_title),
            "title_changed_at": case((retitled, new.last_seen_at), else_=Item.title_changed_at),
            # a new title or a newly found date makes the item's checklist labels stale
            "labels_version": case(
                (
                    (Item.title != new.title) | moved,
                    0,
                ),
                else_=Item.labels_version,
            ),
        },
    )


@lru_cache(maxsize=4)
def _column_link(dialect: str) -> postgresql.Insert | sqlite.Insert:
    """Link the items of a site with the given URLs to a column: INSERT … SELECT, no ids; a link
    already there gets ``last_seen_at`` (an item no longer listed is judged removed from it) and
    whether the listing showed it pinned."""
    chosen: Select[Any, int, dt.datetime] = select(
        bindparam("column_id"), Item.id, bindparam("seen_at", type_=UTCDateTime())
    ).where(Item.site_id == bindparam("site_id"), Item.url.in_(bindparam("urls", expanding=True)))
    stmt = _dialect_insert(dialect, ColumnItem).from_select(
        ["column_id", "item_id", "first_seen_at", "last_seen_at", "pinned"],
        chosen.add_columns(bindparam("seen_at", type_=UTCDateTime()), bindparam("pinned", type_=Boolean())),
    )
    return stmt.on_conflict_do_update(
        index_elements=["column_id", "item_id"],
        set_={"last_seen_at": stmt.excluded.first_seen_at, "pinned": stmt.excluded.pinned},
    )


def _known_urls(session: Session, *, site_id: int, urls: list[str]) -> set[str]:
    query = select(Item.url).where(Item.site_id == site_id, Item.url.in_(urls))
    return set(session.scalars(query))


def upsert_items(
    session: Session, *, site_id: int, column_id: int, items: Sequence[NewItem], seen_at: dt.datetime
) -> int:
    """Store one column's observed items of a site, in batches; returns how many were new to the site.

    Idempotent: storing the same observations again adds nothing. An item already known from
    another column of the site stays one item, listed in both columns. Three statements per
    batch of 500: which URLs are known, one executemany upsert, one INSERT … SELECT of the links.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    upsert, link = _item_upsert(dialect), _column_link(dialect)
    new = 0
    for chunk in _chunks(_merge(items)):
        urls = [item.url for item in chunk]
        new += len(chunk) - len(_known_urls(session, site_id=site_id, urls=urls))
        rows = [
            {
                "site_id": site_id,
                "seen_at": seen_at,
                "url": item.url,
                "title": item.title,
                "published_on": item.published_on,
                "date_source": item.date_source,
                "is_attachment": item.is_attachment,
            }
            for item in chunk
        ]
        connection.execute(upsert, rows)
        for pinned in (False, True):
            listed = [item.url for item in chunk if item.pinned == pinned]
            if listed:
                link_rows = {"column_id": column_id, "site_id": site_id, "seen_at": seen_at, "urls": listed}
                connection.execute(link, {**link_rows, "pinned": pinned})
    return new


# ----------------------------------------------------------------------------- lookups and counts


def site_ids(session: Session, *, institution_key: str) -> dict[str, int]:
    """Active (not retired) sites of an institution: site key → id."""
    query = (
        select(Site.key, Site.id)
        .join(Institution, Site.institution_id == Institution.id)
        .where(Institution.key == institution_key, Site.retired_at.is_(None))
    )
    return {key: id_ for key, id_ in session.execute(query)}


def column_ids(session: Session, *, institution_key: str) -> dict[tuple[str, str], int]:
    """Active (not retired) columns of active sites: (site key, column key) → id."""
    query = (
        select(Site.key, Column.key, Column.id)
        .join(Site, Column.site_id == Site.id)
        .join(Institution, Site.institution_id == Institution.id)
        .where(Institution.key == institution_key, Site.retired_at.is_(None), Column.retired_at.is_(None))
    )
    return {(site_key, column_key): id_ for site_key, column_key, id_ in session.execute(query)}


def count_items_by_site(
    session: Session,
    *,
    institution_key: str,
    start: dt.date,
    end: dt.date,
    known_by: dt.datetime | None = None,
) -> dict[str, int]:
    """Distinct items per site key published in [start, end] (inclusive); sites with none are absent.

    Retired sites count too: a period in the past is counted as it was published. With
    `known_by`, only items first seen before that moment count (a check as of a past date).
    """
    ids = list(institution_ids(session, [institution_key]).values())
    counts = count_items_per_site(session, institutions=ids, start=start, end=end, known_by=known_by)
    return counts[ids[0]] if ids else {}


def count_items_per_site(
    session: Session,
    *,
    institutions: Sequence[int],
    start: dt.date,
    end: dt.date,
    known_by: dt.datetime | None = None,
) -> dict[int, dict[str, int]]:
    """`count_items_by_site` of several institutions at once: institution id → site key → items."""
    query = (
        select(Site.institution_id, Site.key, func.count(Item.id))
        .join(Site, Item.site_id == Site.id)
        .where(Site.institution_id.in_(institutions), Item.published_on.between(start, end))
        .group_by(Site.institution_id, Site.key)
    )
    if known_by is not None:
        query = query.where(Item.first_seen_at < known_by)
    found: dict[int, dict[str, int]] = {i: {} for i in institutions}
    for institution, key, count in session.execute(query):
        found[institution][key] = count
    return found


def manual_counts(session: Session, *, institution_key: str, start: dt.date, end: dt.date) -> dict[str, int]:
    """Hand-imported counts per site key whose period is exactly [start, end]."""
    ids = list(institution_ids(session, [institution_key]).values())
    return manual_counts_per_site(session, institutions=ids, start=start, end=end)[ids[0]] if ids else {}


def manual_counts_per_site(
    session: Session, *, institutions: Sequence[int], start: dt.date, end: dt.date
) -> dict[int, dict[str, int]]:
    """`manual_counts` of several institutions at once: institution id → site key → count."""
    query = (
        select(Site.institution_id, Site.key, ManualCount.count)
        .join(Site, ManualCount.site_id == Site.id)
        .where(
            Site.institution_id.in_(institutions),
            ManualCount.period_from == start,
            ManualCount.period_to == end,
        )
    )
    found: dict[int, dict[str, int]] = {i: {} for i in institutions}
    for institution, key, count in session.execute(query):
        found[institution][key] = count
    return found


def set_manual_count(
    session: Session,
    *,
    institution_key: str,
    site_key: str,
    start: dt.date,
    end: dt.date,
    count: int,
    source: str,
    note: str | None,
    now: dt.datetime,
) -> None:
    """Record (or replace) the hand-counted items of a site for exactly [start, end]."""
    site_id = session.scalar(
        select(Site.id)
        .join(Institution, Site.institution_id == Institution.id)
        .where(Institution.key == institution_key, Site.key == site_key)
    )
    values = {"count": count, "source": source, "note": note, "imported_at": now}
    stmt = _insert(session, ManualCount).values(site_id=site_id, period_from=start, period_to=end, **values)
    session.execute(
        stmt.on_conflict_do_update(index_elements=["site_id", "period_from", "period_to"], set_=values)
    )
