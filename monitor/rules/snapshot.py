"""What the rules judge: a snapshot of the institution as known at one date, as plain data.

`monitor.checks` builds a :class:`Snapshot` from the store (using only what was known at `at`,
so that a check can be reproduced later); the rules read it and never touch the database, the
network or HTML. Tests build snapshots by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from monitor.config import Checklist
from monitor.rules.observations import Content

#: Crawl outcomes under which a column could be read; any other outcome means "could not check".
READABLE = ("ok", "empty")


@dataclass(frozen=True)
class ColumnSnapshot:
    """One column: its config and what the crawls had seen of it by the snapshot's date."""

    campus: str
    site: str
    column: str
    name: str  # the column's own name (公告公示); findings prefix the site's name
    kind: str  # news | notice | hr_plan | homepage | static
    max_age_days: int | None  # the effective staleness threshold; None: never stale (static)
    checklist: tuple[str, ...] = ()  # checklist slugs this column carries (from the config)
    url: str = ""  # the column's own URL (shown as evidence of a checklist item)
    outcome: str | None = None  # outcome of the latest crawl of the column; None: never crawled
    crawled_at: dt.datetime | None = None  # when that crawl ran (UTC)
    failed_runs: int = 0  # consecutive latest crawls whose outcome was not readable
    items: int = 0  # items listed in the column
    undated: int = 0  # of which without a publication date
    newest: dt.date | None = None  # newest publication date among them (not after the date)

    @property
    def key(self) -> str:
        return f"{self.site}/{self.column}"


@dataclass(frozen=True)
class SiteSnapshot:
    """One site (a row of the annual report table) with its columns and period counts."""

    campus: str
    site: str
    name: str
    url: str
    owners: tuple[str, ...]
    columns: tuple[ColumnSnapshot, ...]
    count: int = 0  # items published in the statistics period so far
    count_last_year: int = 0  # items published in the same period one year before
    manual: bool = False  # counts entered by hand (the site cannot be crawled)


@dataclass(frozen=True)
class Evidence:
    """An item whose title the classifier assigned to a checklist item."""

    slug: str
    site: str
    column: str
    url: str
    title: str
    published_on: dt.date | None


@dataclass(frozen=True)
class Request:
    """A request for disclosure (依申请公开) in the register, as known at the snapshot's date."""

    id: int
    received_on: dt.date
    requester: str  # a requester type of monitor.rules.requests.REQUESTERS
    subject: str
    answered_on: dt.date | None = None  # None: not answered by the snapshot's date
    answer: str | None = None  # an answer kind of monitor.rules.requests.ANSWERS


@dataclass(frozen=True)
class Settings:
    """Thresholds of the rules that the config may change (config key `checks`)."""

    count_drop_share: float = 0.5  # a site below this share of last year's count is a finding
    not_checked_runs: int = 3  # a column unreadable this many crawls in a row is a finding
    disclosure_working_days: int = 20  # 教办函〔2014〕23号: publish within 20 working days
    link_checks: bool = True  # the crawler's: links and attachments are checked
    link_recheck_days: int = 30  # the crawler's: a URL that opens is checked again after
    external_links: bool = False  # the crawler's: links off the configured hosts are checked too
    gongshi_grace_days: int = 5  # working days a 公示 may stay online after its 公示期


@dataclass(frozen=True)
class Snapshot:
    at: dt.date
    institution: str
    checklist: Checklist
    sites: tuple[SiteSnapshot, ...]
    evidence: tuple[Evidence, ...] = ()  # newest first
    period: tuple[dt.date, dt.date] | None = None  # the statistics period of `count`
    settings: Settings = field(default_factory=Settings)
    requests: tuple[Request, ...] = ()  # the 依申请公开 register, received by the snapshot's date
    content: Content = field(default_factory=Content)  # what the content checks observed (issue 12)
    extra: dict[str, Any] = field(default_factory=dict)

    def columns(self) -> tuple[ColumnSnapshot, ...]:
        return tuple(column for site in self.sites for column in site.columns)
