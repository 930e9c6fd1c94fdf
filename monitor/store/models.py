"""The database schema: SQLAlchemy 2 typed ORM models, one per table.

Sites and columns are never deleted, only retired (``retired_at``), so every foreign key that
points at history (items, fetches, findings) restricts deletion instead of cascading. Constraint
and index names come from the naming convention of :data:`Base.metadata`, so migrations and
models agree on them. Timestamps are :class:`~monitor.store.types.UTCDateTime`; dates on pages
are plain local dates (``published_on``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from monitor.store.types import UTCDateTime

#: Crawl outcome of one column in one run (see DESIGN.md, "Vocabulary").
OUTCOMES = (
    "ok",
    "empty",
    "unreachable",
    "auth_required",
    "blocked",
    "robots_disallowed",
    "not_found",
    "parse_failed",
)
#: Dashboard roles, from most to least powerful; a regulator sees every institution (read-only).
ROLES = ("admin", "office", "department", "viewer", "regulator")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = JSON().with_variant(JSONB(), "postgresql")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _restrict(target: str) -> Any:
    return ForeignKey(target, ondelete="RESTRICT")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - read by SQLAlchemy, never mutated
        dt.datetime: UTCDateTime(),
        dict[str, Any]: Json,
        list[str]: Json,
    }


class Institution(Base):
    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))


class Campus(Base):
    __tablename__ = "campuses"
    __table_args__ = (UniqueConstraint("institution_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(_restrict("institutions.id"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int]
    retired_at: Mapped[dt.datetime | None]


class Site(Base):
    """One row of the annual report table; ``url`` is the display URL the report prints."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("institution_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campus_id: Mapped[int] = mapped_column(_restrict("campuses.id"), index=True)
    institution_id: Mapped[int] = mapped_column(_restrict("institutions.id"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    owners: Mapped[list[str]]
    intranet: Mapped[bool]
    position: Mapped[int]
    retired_at: Mapped[dt.datetime | None]


class Column(Base):
    """A column (栏目) of a site; ``checklist`` holds the checklist slugs it carries."""

    __tablename__ = "columns"
    __table_args__ = (UniqueConstraint("site_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(_restrict("sites.id"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    cms: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    max_age_days: Mapped[int | None]
    checklist: Mapped[list[str]]
    position: Mapped[int]
    retired_at: Mapped[dt.datetime | None]


class Item(Base):
    """One published entry of a site, identified by its canonical URL within the site."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("site_id", "url"),
        Index(None, "site_id", "published_on"),
        #: Only the few typed items: the annual report's counts by type read nothing else.
        Index(
            None,
            "report_type",
            "published_on",
            "site_id",
            sqlite_where=text("report_type IS NOT NULL"),
            postgresql_where=text("report_type IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(_restrict("sites.id"))
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    published_on: Mapped[dt.date | None]
    date_source: Mapped[str | None] = mapped_column(String(16))
    is_attachment: Mapped[bool]
    first_seen_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    #: Version of the title classifier that labelled this item (0: not yet classified).
    labels_version: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    #: The annual report's type of this item (干部任职公告, 招聘信息 …), if any.
    report_type: Mapped[str | None] = mapped_column(String(32))
    #: A printed date that differs from the first recorded one (``published_on`` stays the first):
    #: the newest such date seen and when (伪造发稿日期 is judged on both).
    changed_on: Mapped[dt.date | None]
    date_changed_at: Mapped[dt.datetime | None]
    #: The title first recorded, kept once the title changes (``title`` is the newest), and when.
    first_title: Mapped[str | None] = mapped_column(Text)
    title_changed_at: Mapped[dt.datetime | None]
    #: The 公示期 its page states ({"from", "to"} ISO dates, or {"days", "working"} from the
    #: publication date), read once by the link check of a 公示 (``gongshi_read_at``); None: none stated.
    gongshi_period: Mapped[dict[str, Any] | None]
    gongshi_read_at: Mapped[dt.datetime | None]


class ItemLabel(Base):
    """A checklist item the title classifier assigned to an item (evidence for that checklist item)."""

    __tablename__ = "item_labels"
    __table_args__ = (Index(None, "slug", "published_on"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[float]
    #: Copied from the item, so evidence per checklist item is one index range scan.
    published_on: Mapped[dt.date | None]


class ColumnItem(Base):
    """An item listed in a column: an item listed in two columns is still one item of the site."""

    __tablename__ = "column_items"

    column_id: Mapped[int] = mapped_column(_restrict("columns.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    first_seen_at: Mapped[dt.datetime]
    #: When a crawl last listed the item in this column (None: not since this was recorded).
    last_seen_at: Mapped[dt.datetime | None]
    #: That listing showed it as a pinned (置顶) row, above the date order: it says nothing of
    #: how far back the crawl read (``store.content.removed_items``).
    pinned: Mapped[bool] = mapped_column(default=False, server_default=false())


#: Life of a crawl run: ``running`` until it ends; ``aborted`` when its process died unfinished.
RUN_STATUSES = ("running", "finished", "failed", "aborted")


class CrawlRun(Base):
    """One run of the crawler over some or all sites of an institution."""

    __tablename__ = "crawl_runs"
    __table_args__ = (CheckConstraint(_one_of("status", RUN_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int | None] = mapped_column(_restrict("institutions.id"), index=True)
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    full: Mapped[bool]
    sites: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    stats: Mapped[dict[str, Any]]
    pid: Mapped[int | None]


class ColumnFetch(Base):
    """The outcome of crawling one column in one run."""

    __tablename__ = "column_fetches"
    __table_args__ = (
        UniqueConstraint("crawl_run_id", "column_id"),
        CheckConstraint(_one_of("outcome", OUTCOMES), name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"))
    column_id: Mapped[int] = mapped_column(_restrict("columns.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(24))
    http_status: Mapped[int | None]
    pages: Mapped[int]
    items_seen: Mapped[int]
    items_new: Mapped[int]
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime]
    #: List pages that failed after the first one was read (the outcome stays that of page 1).
    pages_failed: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Article pages opened to find dates the list did not show.
    articles: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Conditional-GET validators of the list pages: {url: [etag, last_modified]}.
    validators: Mapped[dict[str, Any] | None]
    #: The profile that read the column's list (crawler.profiles), tried first next time.
    profile: Mapped[str | None] = mapped_column(String(32))


#: Why a checked link did not open (``ok``: it did).
LINK_REASONS = (
    "ok",
    "not_found",
    "gone",
    "soft_404",
    "auth_required",
    "blocked",
    "timeout",
    "dns",
    "unreachable",
    "server_error",
    "robots_disallowed",
)


class LinkCheck(Base):
    """A link or attachment found on a site's crawled pages, and its latest check.

    ``failures`` counts the checks in a row that failed (a finding needs two, on two nights);
    a check that opens sets it back to 0. ``page_url`` is one page the link was found on.
    """

    __tablename__ = "link_checks"
    __table_args__ = (
        UniqueConstraint("site_id", "url"),
        CheckConstraint(_one_of("reason", LINK_REASONS), name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(_restrict("sites.id"))
    url: Mapped[str] = mapped_column(Text)
    page_url: Mapped[str] = mapped_column(Text)
    is_attachment: Mapped[bool]
    first_seen_at: Mapped[dt.datetime]
    checked_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(24), default="ok", server_default="ok")
    http_status: Mapped[int | None]
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    failed_since: Mapped[dt.datetime | None]


class CheckRun(Base):
    """One stored check: the date judged, when, and a summary of the verdicts."""

    __tablename__ = "check_runs"
    #: The regulator's trend reads every institution's checks of the last weeks.
    __table_args__ = (Index(None, "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int | None] = mapped_column(_restrict("institutions.id"), index=True)
    at: Mapped[dt.date]
    created_at: Mapped[dt.datetime]
    summary: Mapped[dict[str, Any]]


class Finding(Base):
    """A problem with a stable ``key`` ("kind:subject"), so reports can say new, ongoing, resolved."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("institution_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int | None] = mapped_column(_restrict("institutions.id"))
    key: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="", server_default="")
    site_id: Mapped[int | None] = mapped_column(_restrict("sites.id"), index=True)
    column_id: Mapped[int | None] = mapped_column(_restrict("columns.id"))
    slug: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]
    first_seen_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
    first_check_id: Mapped[int] = mapped_column(_restrict("check_runs.id"))
    last_check_id: Mapped[int] = mapped_column(_restrict("check_runs.id"))
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    ack_note: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    """A message waiting to be sent (or sent) on one channel, retried until delivered.

    ``channel`` is ``email`` (``message`` holds the RFC 5322 bytes, ``recipients`` the
    addresses) or the id of a ``notify`` entry (``message`` holds one part of the rendered
    markdown; the webhook URL and its secret stay in the environment). A message too long for
    its channel is several rows sharing ``message_key``, numbered ``part`` of ``parts``.
    ``last_attempt_at`` is when it was last handed to the channel: the per-webhook rate limit
    counts those.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_channel_last_attempt_at", "channel", "last_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime]
    recipients: Mapped[list[str]]
    subject: Mapped[str] = mapped_column(Text)
    message: Mapped[bytes] = mapped_column(LargeBinary)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None]
    channel: Mapped[str] = mapped_column(String(64), default="email", server_default="email")
    message_key: Mapped[str | None] = mapped_column(String(255))
    part: Mapped[int] = mapped_column(default=1, server_default="1")
    parts: Mapped[int] = mapped_column(default=1, server_default="1")
    last_attempt_at: Mapped[dt.datetime | None]


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime]
    disabled: Mapped[bool] = mapped_column(default=False)
    #: The institution a user belongs to and sees; None: every institution (a regulator).
    institution_id: Mapped[int | None] = mapped_column(_restrict("institutions.id"), index=True)


class UserSite(Base):
    """A site a department user may see; deleting the user deletes its grants, never the site."""

    __tablename__ = "user_sites"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(_restrict("sites.id"), primary_key=True, index=True)


class ManualCount(Base):
    """A count of items a site published in a period, imported by hand (e.g. an intranet site)."""

    __tablename__ = "manual_counts"
    __table_args__ = (
        UniqueConstraint("site_id", "period_from", "period_to"),
        CheckConstraint("period_from <= period_to", name="period"),
        CheckConstraint("count >= 0", name="count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(_restrict("sites.id"))
    period_from: Mapped[dt.date]
    period_to: Mapped[dt.date]
    count: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[dt.datetime]


class Lock(Base):
    """A named lock, so that a manual crawl and the nightly run never overlap."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(Text)  # "host:pid" of the process that holds it
    acquired_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class DisclosureRequest(Base):
    """A request for disclosure (依申请公开) received by the office, and its answer.

    The requester is kept as a type (公民, 法人 …), never by name: the register holds no personal
    data. The kinds of requester and answer are those of monitor.rules.requests.
    """

    __tablename__ = "disclosure_requests"
    __table_args__ = (
        CheckConstraint("answered_on IS NULL OR answered_on >= received_on", name="answered_after"),
        CheckConstraint("(answered_on IS NULL) = (answer IS NULL)", name="answer_complete"),
        Index(None, "institution_id", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(_restrict("institutions.id"))
    received_on: Mapped[dt.date]
    requester: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(Text)
    answered_on: Mapped[dt.date | None]
    answer: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    answered_at: Mapped[dt.datetime | None]
