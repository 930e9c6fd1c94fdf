"""The personal-data scan's store: one row per page or attachment scanned, and what it held.

A scan row is one URL read for an item: the item's own page (its article, or the file a list row
links to) or an attachment that page links to. It keeps how it went (``scanned``, ``partial``,
``not_scanned`` with the reason, ``failed``) and, per kind of personal data, how many values
were in full and how many masked, where (``第2页``, ``Sheet1!C5``) and a few masked excerpts. No
value is ever stored in full, nor a hash of one (an ID number's hash is easily reversed).

Every item without a scan row of its own URL is still to scan, so a scan that is stopped
resumes where it was: what it finished is committed one URL at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from monitor.store.checks import institution_ids
from monitor.store.models import Base, Institution, Item, Site, _one_of

SCAN_OUTCOMES = ("scanned", "partial", "not_scanned", "failed")
EXCERPTS_KEPT = 3
PLACES_KEPT = 10


class ContentScan(Base):
    """One page or attachment of an item, read by the personal-data scan."""

    __tablename__ = "content_scans"
    __table_args__ = (
        UniqueConstraint("item_id", "url"),
        CheckConstraint(_one_of("outcome", SCAN_OUTCOMES), name="outcome"),
        Index(None, "scanned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)  # the item's URL, or an attachment's on its page
    is_attachment: Mapped[bool]
    media: Mapped[str] = mapped_column(
        String(16)
    )  # html | pdf | docx | xlsx | xls | text | doc | image | other
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    chars: Mapped[int] = mapped_column(default=0, server_default="0")
    scanned_at: Mapped[dt.datetime]


class PiiCount(Base):
    """The personal data of one kind in one scanned page or file: counts, places, masked excerpts."""

    __tablename__ = "pii_counts"

    scan_id: Mapped[int] = mapped_column(ForeignKey("content_scans.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    leaks: Mapped[int]  # values in full
    masked: Mapped[int]  # values written masked (the compliant form)
    places: Mapped[list[str]]  # where the leaks are (or the masked values, when none leak)
    excerpts: Mapped[list[str]]  # masked excerpts


@dataclass(frozen=True)
class KindCount:
    kind: str
    leaks: int
    masked: int
    places: tuple[str, ...] = ()
    excerpts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScanRecord:
    """What the crawler's scan reports for one URL."""

    item_id: int
    url: str
    is_attachment: bool
    media: str
    outcome: str
    reason: str = ""
    chars: int = 0
    counts: tuple[KindCount, ...] = ()


@dataclass(frozen=True)
class ToScan:
    item_id: int
    site: str  # the site's key
    url: str
    is_attachment: bool


@dataclass(frozen=True)
class PiiRow:
    """One kind of personal data in one scanned URL, with its item and site (for the rule)."""

    site: str
    item_url: str
    title: str
    url: str
    is_attachment: bool
    kind: str
    leaks: int
    masked: int
    places: tuple[str, ...]
    excerpts: tuple[str, ...]
    scanned_at: dt.datetime


def to_scan(
    session: Session,
    *,
    institution_key: str,
    sites: Sequence[str] = (),
    since: dt.datetime | None = None,
    limit: int | None = None,
) -> list[ToScan]:
    """Items of the institution (of ``sites``; first seen since ``since``) whose own URL has no
    scan row yet, oldest first; items of retired sites are left alone."""
    scanned = select(ContentScan.id).where(ContentScan.item_id == Item.id, ContentScan.url == Item.url)
    query = (
        select(Item.id, Site.key, Item.url, Item.is_attachment)
        .join(Site, Site.id == Item.site_id)
        .join(Institution, Institution.id == Site.institution_id)
        .where(Institution.key == institution_key, Site.retired_at.is_(None), ~scanned.exists())
        .order_by(Item.id)
    )
    if sites:
        query = query.where(Site.key.in_(sites))
    if since is not None:
        query = query.where(Item.first_seen_at >= since)
    if limit is not None:
        query = query.limit(limit)
    return [ToScan(*row) for row in session.execute(query)]


def scanned_urls(session: Session, *, item_ids: Sequence[int]) -> set[tuple[int, str]]:
    """(item id, URL) of the scan rows of these items (attachments already read are not read again)."""
    if not item_ids:
        return set()
    rows = session.execute(
        select(ContentScan.item_id, ContentScan.url).where(ContentScan.item_id.in_(item_ids))
    )
    return {(item_id, url) for item_id, url in rows}


def record_scan(session: Session, *, record: ScanRecord, now: dt.datetime) -> None:
    """Store one URL's scan, replacing an earlier scan of the same URL for the same item."""
    session.execute(
        delete(ContentScan).where(ContentScan.item_id == record.item_id, ContentScan.url == record.url)
    )
    scan = ContentScan(
        item_id=record.item_id,
        url=record.url,
        is_attachment=record.is_attachment,
        media=record.media[:16],
        outcome=record.outcome,
        reason=record.reason[:500],
        chars=record.chars,
        scanned_at=now,
    )
    session.add(scan)
    session.flush()
    for count in record.counts:
        session.add(
            PiiCount(
                scan_id=scan.id,
                kind=count.kind,
                leaks=count.leaks,
                masked=count.masked,
                places=list(count.places[:PLACES_KEPT]),
                excerpts=list(count.excerpts[:EXCERPTS_KEPT]),
            )
        )


def pii_rows(session: Session, *, institution_key: str, known_by: dt.datetime) -> list[PiiRow]:
    """Every kind of personal data found (in full or masked) by scans before ``known_by``, by URL."""
    ids = list(institution_ids(session, [institution_key]).values())
    return pii_rows_of(session, institutions=ids, known_by=known_by)[ids[0]] if ids else []


def pii_rows_of(
    session: Session, *, institutions: Sequence[int], known_by: dt.datetime
) -> dict[int, list[PiiRow]]:
    """`pii_rows` of several institutions at once: institution id → its rows."""
    query = (
        select(
            Site.institution_id,
            Site.key,
            Item.url,
            Item.title,
            ContentScan.url,
            ContentScan.is_attachment,
            PiiCount.kind,
            PiiCount.leaks,
            PiiCount.masked,
            PiiCount.places,
            PiiCount.excerpts,
            ContentScan.scanned_at,
        )
        .join(ContentScan, ContentScan.id == PiiCount.scan_id)
        .join(Item, Item.id == ContentScan.item_id)
        .join(Site, Site.id == Item.site_id)
        .where(Site.institution_id.in_(institutions), ContentScan.scanned_at < known_by)
        .order_by(Site.position, Item.id, ContentScan.url, PiiCount.kind)
    )
    found: dict[int, list[PiiRow]] = {i: [] for i in institutions}
    for i, s, iu, t, u, a, k, le, m, p, e, at in session.execute(query):
        found[i].append(PiiRow(s, iu, t, u, a, k, le, m, tuple(p or ()), tuple(e or ()), at))
    return found


def scan_totals(session: Session, *, institution_key: str) -> dict[str, int]:
    """Scan rows by outcome (for the command's summary)."""
    query = (
        select(ContentScan.outcome, func.count())
        .join(Item, Item.id == ContentScan.item_id)
        .join(Site, Site.id == Item.site_id)
        .join(Institution, Institution.id == Site.institution_id)
        .where(Institution.key == institution_key)
        .group_by(ContentScan.outcome)
    )
    return {outcome: count for outcome, count in session.execute(query)}


__all__ = [
    "SCAN_OUTCOMES",
    "ContentScan",
    "KindCount",
    "PiiCount",
    "PiiRow",
    "ScanRecord",
    "ToScan",
    "pii_rows",
    "record_scan",
    "scan_totals",
    "scanned_urls",
    "to_scan",
]
