"""Queries of the compliance side: column facts as known at a moment, labels, findings, check runs.

"As known at" means: only items first seen before `known_by` and only crawls started before it,
so `xxgk check --at DATE` reproduces what a check on that date would have said.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, and_, bindparam, case, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from monitor.store.models import (
    CheckRun,
    Column,
    ColumnFetch,
    ColumnItem,
    CrawlRun,
    Finding,
    Institution,
    Item,
    ItemLabel,
    Site,
)


@dataclass(frozen=True)
class ColumnFacts:
    items: int
    undated: int
    newest: dt.date | None


@dataclass(frozen=True)
class EvidenceRow:
    slug: str
    site: str
    column: str
    url: str
    title: str
    published_on: dt.date | None


@dataclass(frozen=True)
class FindingRow:
    """A finding as the store keeps it, with its life so far."""

    key: str
    kind: str
    subject: str
    severity: str
    message: str
    site: str | None
    slug: str | None
    detail: dict[str, Any]
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    resolved_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    ack_note: str | None


def _institution_id(session: Session, key: str) -> int | None:
    return session.scalar(select(Institution.id).where(Institution.key == key))


def institution_ids(session: Session, keys: Iterable[str]) -> dict[str, int]:
    """Institution key → its row id, for the keys the store knows (a batched check's scope)."""
    wanted = list(keys)
    rows = session.execute(select(Institution.key, Institution.id).where(Institution.key.in_(wanted)))
    return {key: institution_id for key, institution_id in rows}


def column_facts(
    session: Session, *, institutions: Sequence[int], at: dt.date, known_by: dt.datetime
) -> dict[int, dict[tuple[str, str], ColumnFacts]]:
    """Institution id → (site key, column key) → items, undated items and newest date (not after `at`)."""
    newest = func.max(case((Item.published_on <= at, Item.published_on)))
    rows = session.execute(
        select(
            Site.institution_id,
            Site.key,
            Column.key,
            func.count(),
            func.count(case((Item.published_on.is_(None), 1))),
            newest,
        )
        .select_from(ColumnItem)
        .join(Item, Item.id == ColumnItem.item_id)
        .join(Column, Column.id == ColumnItem.column_id)
        .join(Site, Site.id == Column.site_id)
        .where(Site.institution_id.in_(institutions))
        .where(ColumnItem.first_seen_at < known_by)
        .group_by(Site.institution_id, Site.key, Column.key)
    )
    found: dict[int, dict[tuple[str, str], ColumnFacts]] = {i: {} for i in institutions}
    for institution, site, column, n, undated, day in rows:
        found[institution][(site, column)] = ColumnFacts(n, undated, day)
    return found


def recent_outcomes(
    session: Session, *, institutions: Sequence[int], known_by: dt.datetime, depth: int = 10
) -> dict[int, dict[tuple[str, str], list[tuple[str, dt.datetime]]]]:
    """Institution id → (site key, column key) → the latest `depth` (outcome, crawl start), newest first."""
    rank = func.row_number().over(partition_by=ColumnFetch.column_id, order_by=ColumnFetch.id.desc())
    ranked = (
        select(ColumnFetch.column_id, ColumnFetch.outcome, CrawlRun.started_at, rank.label("rank"))
        .join(CrawlRun, CrawlRun.id == ColumnFetch.crawl_run_id)
        .where(CrawlRun.started_at < known_by)
        .subquery()
    )
    rows = session.execute(
        select(Site.institution_id, Site.key, Column.key, ranked.c.outcome, ranked.c.started_at)
        .join(Column, Column.id == ranked.c.column_id)
        .join(Site, Site.id == Column.site_id)
        .where(ranked.c.rank <= depth, Site.institution_id.in_(institutions))
        .order_by(ranked.c.rank)
    )
    found: dict[int, dict[tuple[str, str], list[tuple[str, dt.datetime]]]] = {i: {} for i in institutions}
    for institution, site, column, outcome, started in rows:
        found[institution].setdefault((site, column), []).append((outcome, started))
    return found


# ----------------------------------------------------------------------------- labels


def unlabelled(session: Session, *, version: int, batch: int = 5000) -> Iterator[list[tuple[int, str, str]]]:
    """Batches of (item id, title, site display URL) whose labels are older than `version`."""
    if not session.scalar(select(exists().where(Item.labels_version < version))):
        return  # the usual case: one index probe instead of a scan of the items in id order
    last = 0
    while True:
        rows = session.execute(
            select(Item.id, Item.title, Site.url)
            .join(Site, Site.id == Item.site_id)
            .where(Item.labels_version < version, Item.id > last)
            .order_by(Item.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [(item_id, title, url) for item_id, title, url in rows]


def store_labels(
    session: Session,
    *,
    version: int,
    labels: Sequence[tuple[int, Sequence[tuple[str, float]], str | None]],
) -> None:
    """Replace the labels of the given items: (item id, [(slug, score)], report type)."""
    ids = [item_id for item_id, _, _ in labels]
    session.execute(delete(ItemLabel).where(ItemLabel.item_id.in_(ids)))
    dates = dict(session.execute(select(Item.id, Item.published_on).where(Item.id.in_(ids))).all())
    rows = [
        {"item_id": item_id, "slug": slug, "score": score, "published_on": dates.get(item_id)}
        for item_id, matches, _ in labels
        for slug, score in matches
    ]
    if rows:
        session.execute(insert(ItemLabel), rows)
    for report_type in {t for _, _, t in labels}:
        chosen = [item_id for item_id, _, t in labels if t == report_type]
        session.execute(
            update(Item).where(Item.id.in_(chosen)).values(labels_version=version, report_type=report_type)
        )


def evidence(
    session: Session,
    *,
    institutions: Sequence[int],
    at: dt.date,
    known_by: dt.datetime,
    slugs: Iterable[str],
    per_slug: int = 50,
) -> dict[int, list[EvidenceRow]]:
    """Institution id → per checklist slug, its newest `per_slug` labelled items dated by `at`
    (then undated ones), slug by slug in the order given.

    One institution: per slug one small query for the dated items, walking the (slug,
    published_on) index backwards and stopping after `per_slug` rows, and one for undated items
    only when there are too few (ordered with the undated ones in the same statement, SQLite
    joined and sorted every labelled item of the slug first: seconds on a million items).
    Several (a regulator's check): one statement ranking every label of the institutions per
    (institution, slug), as 50 walks per institution are 150,000 queries for 3,000 of them.
    """
    slugs = list(slugs)
    if len(institutions) == 1:
        return {institutions[0]: _evidence_of_one(session, institutions[0], at, known_by, slugs, per_slug)}
    rank = func.row_number().over(
        partition_by=(Site.institution_id, ItemLabel.slug),
        order_by=(ItemLabel.published_on.desc().nulls_last(), ItemLabel.item_id.desc()),
    )
    ranked = (
        select(Site.institution_id, ItemLabel.slug, ItemLabel.item_id, rank.label("rank"))
        .join(Item, Item.id == ItemLabel.item_id)
        .join(Site, Site.id == Item.site_id)
        .where(Site.institution_id.in_(institutions), ItemLabel.slug.in_(slugs))
        .where(Item.first_seen_at < known_by)
        .where(or_(ItemLabel.published_on <= at, ItemLabel.published_on.is_(None)))
        .subquery()
    )
    first_column = (
        select(func.min(ColumnItem.column_id)).where(ColumnItem.item_id == Item.id).scalar_subquery()
    )
    rows = session.execute(
        select(
            ranked.c.institution_id,
            ranked.c.rank,
            ranked.c.slug,
            Site.key,
            Column.key,
            Item.url,
            Item.title,
            Item.published_on,
        )
        .join(Item, Item.id == ranked.c.item_id)
        .join(Site, Site.id == Item.site_id)
        .join(Column, Column.id == first_column)
        .where(ranked.c.rank <= per_slug)
    )
    order = {slug: n for n, slug in enumerate(slugs)}
    ranked_rows: dict[int, list[tuple[int, int, EvidenceRow]]] = {i: [] for i in institutions}
    for institution, n, *row in rows:
        ranked_rows[institution].append((order[row[0]], n, EvidenceRow(*row)))
    return {i: [row for _, _, row in sorted(found, key=lambda r: r[:2])] for i, found in ranked_rows.items()}


def _evidence_of_one(
    session: Session, institution_id: int, at: dt.date, known_by: dt.datetime, slugs: list[str], per_slug: int
) -> list[EvidenceRow]:
    first_column = (
        select(func.min(ColumnItem.column_id)).where(ColumnItem.item_id == Item.id).scalar_subquery()
    )
    base = (
        select(ItemLabel.slug, Site.key, Column.key, Item.url, Item.title, Item.published_on)
        .join(Item, Item.id == ItemLabel.item_id)
        .join(Site, Site.id == Item.site_id)
        .join(Column, Column.id == first_column)
        .where(Site.institution_id == institution_id, Item.first_seen_at < known_by)
    )
    found: list[EvidenceRow] = []
    for slug in slugs:
        dated = session.execute(
            base.where(ItemLabel.slug == slug, ItemLabel.published_on <= at)
            .order_by(ItemLabel.published_on.desc(), ItemLabel.item_id.desc())
            .limit(per_slug)
        ).all()
        found += [EvidenceRow(*row) for row in dated]
        if len(dated) < per_slug:
            undated = session.execute(
                base.where(ItemLabel.slug == slug, ItemLabel.published_on.is_(None))
                .order_by(ItemLabel.item_id.desc())
                .limit(per_slug - len(dated))
            )
            found += [EvidenceRow(*row) for row in undated]
    return found


def report_type_counts(
    session: Session, *, institution_key: str, start: dt.date, end: dt.date
) -> dict[str, int]:
    """The annual report's types (干部任职公告, 招聘信息 …) → items published in [start, end].

    Counted per (type, site) from the partial index of typed items alone, then summed over the
    institution's sites here: joined to the sites in SQL, the planners read every item of the
    period instead (a second on a million items).
    """
    institution_id = _institution_id(session, institution_key)
    sites = set(session.scalars(select(Site.id).where(Site.institution_id == institution_id)))
    rows = session.execute(
        select(Item.report_type, Item.site_id, func.count())
        .where(Item.report_type.is_not(None), Item.published_on.between(start, end))
        .group_by(Item.report_type, Item.site_id)
    )
    counts: dict[str, int] = {}
    for report_type, site_id, n in rows:
        if report_type is not None and site_id in sites:
            counts[report_type] = counts.get(report_type, 0) + n
    return counts


# ----------------------------------------------------------------------------- findings


def open_keys(session: Session, *, institutions: Sequence[int], known_by: dt.datetime) -> dict[int, set[str]]:
    """Institution id → keys of its findings that were open at `known_by`."""
    rows = session.execute(
        select(Finding.institution_id, Finding.key).where(
            Finding.institution_id.in_(institutions),
            Finding.first_seen_at < known_by,
            or_(Finding.resolved_at.is_(None), Finding.resolved_at >= known_by),
        )
    )
    found: dict[int, set[str]] = {i: set() for i in institutions}
    for institution, key in rows:
        found[institution or 0].add(key)
    return found


def start_checks(
    session: Session, *, institutions: Sequence[int], at: dt.date, now: dt.datetime
) -> dict[int, int]:
    """One new check run per institution: institution id → check run id."""
    runs = [CheckRun(institution_id=i, at=at, created_at=now, summary={}) for i in institutions]
    session.add_all(runs)
    session.flush()
    return {run.institution_id: run.id for run in runs if run.institution_id is not None}


def start_check(session: Session, *, institution_key: str, at: dt.date, now: dt.datetime) -> int:
    institution_id = _institution_id(session, institution_key)
    if institution_id is None:
        raise LookupError(f"no institution {institution_key!r} in the database")
    return start_checks(session, institutions=[institution_id], at=at, now=now)[institution_id]


def finish_checks(session: Session, *, summaries: dict[int, dict[str, Any]]) -> None:
    """Store each check run's summary (check run id → summary), in one statement."""
    if summaries:
        session.execute(update(CheckRun), [{"id": i, "summary": summary} for i, summary in summaries.items()])


def finish_check(session: Session, *, check_id: int, summary: dict[str, Any]) -> None:
    finish_checks(session, summaries={check_id: summary})


def save_findings(
    session: Session,
    *,
    checks: dict[int, int],
    now: dt.datetime,
    findings: dict[int, Iterable[dict[str, Any]]],
) -> None:
    """Upsert each institution's findings of this check (`checks`: institution id → check run id;
    `findings`: institution id → dicts with key, kind, subject, severity, message, site, column,
    slug, detail) and resolve the open ones it no longer raises. Nothing is ever deleted.

    Written with executemany statements (insert the new, update the changed and the resolved by
    primary key) and, for the findings raised again unchanged, `_touch`; not the ORM's unit of
    work: a regulator's check stores 150,000 findings.
    """
    institutions = list(checks)
    existing: dict[int, dict[str, Any]] = {i: {} for i in institutions}
    for stored in session.execute(
        select(Finding.id, Finding.institution_id, Finding.key, Finding.resolved_at, *_FIELDS).where(
            Finding.institution_id.in_(institutions)
        )
    ):
        existing[stored.institution_id or 0][stored.key] = stored
    sites, columns = _ids(session, institutions)
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    touched: dict[int, list[int]] = {}  # check id → findings raised again exactly as they were
    for institution_id, check_id in checks.items():
        known = existing[institution_id]
        seen = set()
        for found in findings.get(institution_id, ()):
            seen.add(found["key"])
            values = _values(
                found, sites=sites.get(institution_id, {}), columns=columns.get(institution_id, {})
            )
            row = known.get(found["key"])
            if row is not None and row.resolved_at is None and _unchanged(row, values):
                touched.setdefault(check_id, []).append(row.id)
                continue
            values.update(last_seen_at=now, last_check_id=check_id)
            if row is None:
                added.append(
                    {
                        **values,
                        "institution_id": institution_id,
                        "key": found["key"],
                        "first_seen_at": now,
                        "first_check_id": check_id,
                    }
                )
            elif row.resolved_at is not None:  # back again: a new episode
                changed.append(
                    {
                        **values,
                        "id": row.id,
                        "first_seen_at": now,
                        "first_check_id": check_id,
                        "resolved_at": None,
                        "acknowledged_at": None,
                        "acknowledged_by": None,
                        "ack_note": None,
                    }
                )
            else:
                changed.append({**values, "id": row.id})
        for key, row in known.items():
            if key not in seen and row.resolved_at is None:
                changed.append({"id": row.id, "resolved_at": now})
    if added:
        session.execute(insert(Finding), added)
    by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in changed:  # executemany wants one set of columns per statement
        by_keys.setdefault(tuple(sorted(values)), []).append(values)
    for rows in by_keys.values():
        session.execute(update(Finding), rows)
    _touch(session, touched, now=now)


#: What a check may change in a finding raised again, besides when it was last seen.
_FIELDS = (
    Finding.kind,
    Finding.subject,
    Finding.severity,
    Finding.message,
    Finding.detail,
    Finding.slug,
    Finding.site_id,
    Finding.column_id,
)


def _unchanged(row: Any, values: dict[str, Any]) -> bool:
    return all(getattr(row, column.key) == values[column.key] for column in _FIELDS)


def _touch(session: Session, touched: dict[int, list[int]], *, now: dt.datetime) -> None:
    """Mark the findings raised again unchanged as seen by their check: on PostgreSQL one
    statement per check (``id = ANY(array)``), elsewhere an update per finding by primary key."""
    if not touched:
        return
    if session.get_bind().dialect.name == "postgresql":
        statement = (
            update(Finding.__table__)  # type: ignore[arg-type]
            .where(Finding.id == func.any(bindparam("ids", type_=postgresql.ARRAY(Integer))))
            .values(last_seen_at=bindparam("seen"), last_check_id=bindparam("check"))
        )
        session.execute(statement, [{"ids": ids, "seen": now, "check": c} for c, ids in touched.items()])
        return
    rows = [{"id": i, "last_seen_at": now, "last_check_id": c} for c, ids in touched.items() for i in ids]
    session.execute(update(Finding), rows)


def _values(
    found: dict[str, Any], *, sites: dict[str, int], columns: dict[tuple[str, str], int]
) -> dict[str, Any]:
    return {
        "kind": found["kind"],
        "subject": found["subject"],
        "severity": found["severity"],
        "message": found["message"],
        "detail": found["detail"],
        "slug": found.get("slug"),
        "site_id": sites.get(found.get("site") or ""),
        "column_id": columns.get((found.get("site") or "", found.get("column") or "")),
    }


def _ids(
    session: Session, institutions: Sequence[int]
) -> tuple[dict[int, dict[str, int]], dict[int, dict[tuple[str, str], int]]]:
    sites: dict[int, dict[str, int]] = {}
    for institution, key, site_id in session.execute(
        select(Site.institution_id, Site.key, Site.id).where(Site.institution_id.in_(institutions))
    ):
        sites.setdefault(institution, {})[key] = site_id
    columns: dict[int, dict[tuple[str, str], int]] = {}
    for institution, site, column, column_id in session.execute(
        select(Site.institution_id, Site.key, Column.key, Column.id)
        .join(Site, Site.id == Column.site_id)
        .where(Site.institution_id.in_(institutions))
    ):
        columns.setdefault(institution, {})[(site, column)] = column_id
    return sites, columns


def acknowledge(
    session: Session, *, institution_key: str, key: str, by: str, note: str, now: dt.datetime
) -> bool:
    """Mark an open finding as acknowledged; False when there is no such open finding."""
    result = session.execute(
        update(Finding)
        .where(
            and_(
                Finding.institution_id == _institution_id(session, institution_key),
                Finding.key == key,
                Finding.resolved_at.is_(None),
            )
        )
        .values(acknowledged_at=now, acknowledged_by=by, ack_note=note)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def findings(session: Session, *, institution_key: str, open_only: bool = True) -> list[FindingRow]:
    query = (
        select(Finding, Site.key)
        .outerjoin(Site, Site.id == Finding.site_id)
        .where(Finding.institution_id == _institution_id(session, institution_key))
        .order_by(Finding.first_seen_at, Finding.key)
    )
    if open_only:
        query = query.where(Finding.resolved_at.is_(None))
    return [
        FindingRow(
            key=f.key,
            kind=f.kind,
            subject=f.subject,
            severity=f.severity,
            message=f.message,
            site=site,
            slug=f.slug,
            detail=f.detail,
            first_seen_at=f.first_seen_at,
            last_seen_at=f.last_seen_at,
            resolved_at=f.resolved_at,
            acknowledged_at=f.acknowledged_at,
            acknowledged_by=f.acknowledged_by,
            ack_note=f.ack_note,
        )
        for f, site in session.execute(query)
    ]


def latest_check(session: Session, *, institution_key: str) -> tuple[int, dt.date, dt.datetime] | None:
    """(id, judged date, when) of the institution's newest stored check."""
    row = session.execute(
        select(CheckRun.id, CheckRun.at, CheckRun.created_at)
        .where(CheckRun.institution_id == _institution_id(session, institution_key))
        .order_by(CheckRun.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1], row[2]) if row else None


def check_states(
    session: Session, *, institution_key: str, check_id: int
) -> tuple[dict[str, str], list[str]]:
    """Of a stored check: its findings' states (new | ongoing) and the keys it resolved."""
    institution_id = _institution_id(session, institution_key)
    raised = session.execute(
        select(Finding.key, Finding.first_check_id).where(
            Finding.institution_id == institution_id,
            Finding.last_check_id == check_id,
            Finding.resolved_at.is_(None),
        )
    )
    states = {key: "new" if first == check_id else "ongoing" for key, first in raised}
    created = session.scalar(select(CheckRun.created_at).where(CheckRun.id == check_id))
    resolved = session.scalars(
        select(Finding.key).where(Finding.institution_id == institution_id, Finding.resolved_at == created)
    )
    return states, sorted(resolved)


def recent_summaries(session: Session, *, institution_key: str, days: int) -> list[dict[str, Any]]:
    """The summaries of the latest stored check of each of the last `days` judged dates, oldest first."""
    rows = session.execute(
        select(CheckRun.at, CheckRun.summary)
        .where(CheckRun.institution_id == _institution_id(session, institution_key))
        .order_by(CheckRun.at.desc(), CheckRun.id.desc())
    )
    found: dict[dt.date, dict[str, Any]] = {}
    for at, summary in rows:
        if at not in found:
            found[at] = {"at": at.isoformat(), **summary}
        if len(found) == days:
            break
    return [found[at] for at in sorted(found)]
