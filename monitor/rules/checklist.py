"""Checklist items: is each of the 50 items of 《高等学校信息公开事项清单》 published, and on time?

Evidence of an item is (1) the columns the config maps to it, and (2) items whose titles the
classifier assigned to it (`Snapshot.evidence`). A mapped column that could be read and is not
blank shows the item exists; its newest date is the item's newest dated evidence.

Cadences (config/checklist.yaml, sources in reference/checklist.md):

- ``annual`` with ``due`` (MM-DD): the cycle before a deadline D runs from the previous year's
  deadline (exclusive) to D. Once D has passed, something must be dated after the previous
  deadline, else ``overdue`` (on D itself nothing is missed yet).
- ``annual`` with ``max_days`` and ``continuous``: ``stale`` when the newest dated evidence is
  older than ``max_days``.
- ``seasonal`` (months, which may wrap around New Year): once a season has ended, an item must
  be dated within it, or a mapped column updated since it opened (only a column's newest date
  is known), else ``stale``.
- ``on_change`` and ``event``: present is enough.

Undated evidence proves presence but counts as not updated (未注明发布时间的视为不更新). An item
that would be stale or overdue while one of its mapped columns could not be read is "could not
check" (the unread column may hold what is missing): "could not check" is never "stale".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from monitor.config import ChecklistItem
from monitor.rules.calendar import (
    Window,
    following,
    last_due_before,
    latest_seasons,
    next_due,
    on_month_day,
)
from monitor.rules.columns import ColumnVerdict, column_verdict
from monitor.rules.findings import Finding, iso
from monitor.rules.registry import FindingKind, rule
from monitor.rules.snapshot import ColumnSnapshot, Evidence, Snapshot

ItemState = Literal["ok", "stale", "overdue", "missing", "could_not_check"]
Outcome = tuple[ItemState, str, dt.date | None]  # status, reason, due

SHOWN_EVIDENCE = 5
#: Missing one of these is a high-severity finding: the 信息公开年度报告 and the annual reports.
ANNUAL_REPORTS = frozenset(
    {
        "disclosure-annual-report",
        "employment-quality-report",
        "arts-education-report",
        "undergrad-teaching-quality-report",
    }
)


@dataclass(frozen=True)
class ItemStatus:
    """A checklist item's status; `evidence` rows are {site, column, url, title, date, status}."""

    slug: str
    number: int
    status: ItemState
    reason: str = ""
    evidence: tuple[dict[str, Any], ...] = ()  # at most 5, newest first, undated last
    due: dt.date | None = None  # the deadline missed, or the next one to meet
    newest: dt.date | None = None  # the newest dated evidence


@dataclass(frozen=True)
class _Proof:
    on: dt.date
    column: bool  # a mapped column: only its newest date is known

    def within(self, window: Window) -> bool:
        return window.start <= self.on and (self.column or self.on <= window.end)


def mapped_columns(snapshot: Snapshot) -> dict[str, list[ColumnSnapshot]]:
    """Checklist slug → the columns the config maps to it."""
    mapped: dict[str, list[ColumnSnapshot]] = defaultdict(list)
    for column in snapshot.columns():
        for slug in column.checklist:
            mapped[slug].append(column)
    return mapped


def evidence_by_slug(snapshot: Snapshot) -> dict[str, list[Evidence]]:
    """Checklist slug → classified items published on or before the snapshot's date (or undated)."""
    found: dict[str, list[Evidence]] = defaultdict(list)
    for item in snapshot.evidence:
        if item.published_on is None or item.published_on <= snapshot.at:
            found[item.slug].append(item)
    return found


def item_status(item: ChecklistItem, snapshot: Snapshot) -> ItemStatus:
    """Judge one checklist item as of the snapshot's date."""
    columns = mapped_columns(snapshot).get(item.slug, [])
    return _judge_item(item, snapshot.at, columns, evidence_by_slug(snapshot).get(item.slug, []))


def checklist_statuses(snapshot: Snapshot) -> tuple[ItemStatus, ...]:
    """Judge every item of the snapshot's checklist, in checklist order.

    Three rules and the check document ask for them in one judgement: the statuses of the last
    snapshot judged are kept (one slot, by identity: a snapshot is frozen), not judged thrice.
    """
    global _last
    last = _last
    if last is not None and last[0] is snapshot:
        return last[1]
    mapped, found = mapped_columns(snapshot), evidence_by_slug(snapshot)
    statuses = tuple(
        _judge_item(item, snapshot.at, mapped.get(item.slug, []), found.get(item.slug, []))
        for item in snapshot.checklist.items
    )
    _last = (snapshot, statuses)
    return statuses


_last: tuple[Snapshot, tuple[ItemStatus, ...]] | None = None


def _judge_item(
    item: ChecklistItem, at: dt.date, columns: list[ColumnSnapshot], found: list[Evidence]
) -> ItemStatus:
    judged = [(column, column_verdict(column, at=at)) for column in columns]
    shows = [verdict for _, verdict in judged if verdict.checked and verdict.status != "blank"]
    dated = [_Proof(v.newest, True) for v in shows if v.newest] + [
        _Proof(e.published_on, False) for e in found if e.published_on
    ]
    verdicts = [verdict for _, verdict in judged]
    status, reason, due = _cadence(item, at, dated) if shows or found else _absent(verdicts)
    unreadable = [verdict.reason for verdict in verdicts if not verdict.checked]
    if status in ("stale", "overdue") and unreadable:
        status, reason = "could_not_check", unreadable[0]  # the unread column may hold what is missing
    newest = max((proof.on for proof in dated), default=None)
    return ItemStatus(item.slug, item.number, status, reason, _shown(judged, found), due, newest)


def _absent(verdicts: list[ColumnVerdict]) -> Outcome:
    if not verdicts:
        return "missing", "no_source", None
    unreadable = [verdict.reason for verdict in verdicts if not verdict.checked]
    return ("could_not_check", unreadable[0], None) if unreadable else ("missing", "blank", None)


def _cadence(item: ChecklistItem, at: dt.date, dated: list[_Proof]) -> Outcome:
    if item.cadence in ("on_change", "event"):
        return "ok", "", None
    if not dated:
        return "stale", "undated", None
    if item.cadence == "seasonal":
        return _seasonal(item.months, at, dated)
    if item.due is not None:
        return _annual(item.due, item.max_days, at, dated)
    if item.max_days is not None:
        return _too_old(item.max_days, at, dated)
    return "ok", "", None


def _annual(due: str, max_days: int | None, at: dt.date, dated: list[_Proof]) -> Outcome:
    missed = last_due_before(due, at)
    cycle_start = on_month_day(due, missed.year - 1)
    if not any(proof.on > cycle_start for proof in dated):
        return "overdue", "deadline_passed", missed
    aged = _too_old(max_days, at, dated) if max_days is not None else None
    return aged if aged and aged[0] == "stale" else ("ok", "", next_due(due, at))


def _too_old(max_days: int, at: dt.date, dated: list[_Proof]) -> Outcome:
    due = max(proof.on for proof in dated) + dt.timedelta(days=max_days)
    return ("stale", "too_old", due) if at > due else ("ok", "", due)


def _seasonal(months: tuple[int, ...], at: dt.date, dated: list[_Proof]) -> Outcome:
    windows = list(latest_seasons(months, at))
    missed = [w for w in windows if w.end < at and not any(p.within(w) for p in dated)]
    if missed:
        return "stale", "season_missed", max(window.end for window in missed)
    return "ok", "", min(w.end if w.end >= at else following(w).end for w in windows)


def _shown(
    judged: list[tuple[ColumnSnapshot, ColumnVerdict]], found: list[Evidence]
) -> tuple[dict[str, Any], ...]:
    rows = [_column_row(column, verdict) for column, verdict in judged] + [_item_row(e) for e in found]
    rows.sort(key=lambda row: row["date"] or "", reverse=True)  # stable: undated rows go last
    return tuple(rows[:SHOWN_EVIDENCE])


def _column_row(column: ColumnSnapshot, verdict: ColumnVerdict) -> dict[str, Any]:
    date = iso(column.newest)
    return {
        "site": column.site,
        "column": column.column,
        "url": column.url,
        "title": column.name,
        "date": date,
        "status": verdict.status,
    }


def _item_row(item: Evidence) -> dict[str, Any]:
    return {
        "site": item.site,
        "column": item.column,
        "url": item.url,
        "title": item.title,
        "date": iso(item.published_on),
        "status": None,
    }


# ----------------------------------------------------------------------------- rules


def _label(item: ChecklistItem) -> str:
    return f"清单第 {item.number} 项「{item.title}」"


@rule(
    "checklist_coverage",
    kinds=(FindingKind("checklist_missing", "slug", "清单事项缺失", "high", "owner", "checklist", True, 30),),
)
def checklist_coverage(snapshot: Snapshot) -> list[Finding]:
    """清单事项缺失：flags each checklist item that no column carries and no item is evidence of.

    An item is missing when no column is mapped to it in the config (or its columns are blank)
    and no published item's title was classified as it (《高等学校信息公开事项清单》,
    教办函〔2014〕23号). Missing the 信息公开年度报告 or one of the annual reports is high severity.
    An item whose columns could not be read is "could not check", not missing.
    """
    pairs = zip(snapshot.checklist.items, checklist_statuses(snapshot), strict=True)
    return [_missing(item, status) for item, status in pairs if status.status == "missing"]


def _missing(item: ChecklistItem, status: ItemStatus) -> Finding:
    why = "对应栏目为空白栏目" if status.reason == "blank" else "既无对应栏目"
    return Finding(
        kind="checklist_missing",
        subject=item.slug,
        severity="high" if item.slug in ANNUAL_REPORTS else "medium",
        message=f"{_label(item)}{why}，也未找到相关信息",
        detail={"number": item.number, "reason": status.reason, "cadence": item.cadence},
        slug=item.slug,
    )


@rule(
    "checklist_cadence",
    kinds=(
        FindingKind(
            "checklist_overdue", "slug", "清单事项逾期未公开", "high", "owner", "checklist", True, 10
        ),
        FindingKind(
            "checklist_stale", "slug", "清单事项未按时更新", "medium", "owner", "checklist", True, 20
        ),
    ),
)
def checklist_cadence(snapshot: Snapshot) -> list[Finding]:
    """清单事项未按时公开：flags checklist items past their deadline (overdue) or not updated (stale).

    Deadlines and cadences are those of config/checklist.yaml: e.g. the 信息公开年度报告 by
    31 October (教办厅函〔2018〕80号), the 就业质量年度报告 by 31 December; yearly reports within
    13 months; seasonal items (招生) within their season; streams of notices (招聘, 采购) within
    their `max_days`. Evidence without a publication date counts as not updated.
    """
    pairs = zip(snapshot.checklist.items, checklist_statuses(snapshot), strict=True)
    return [
        _late(item, status, snapshot.at) for item, status in pairs if status.status in ("stale", "overdue")
    ]


def _late(item: ChecklistItem, status: ItemStatus, at: dt.date) -> Finding:
    return Finding(
        kind=f"checklist_{status.status}",
        subject=item.slug,
        severity="high" if status.status == "overdue" else "medium",
        message=_late_message(item, status, at),
        detail={
            "number": item.number,
            "reason": status.reason,
            "cadence": item.cadence,
            "due": iso(status.due),
            "newest": iso(status.newest),
        },
        slug=item.slug,
    )


def _late_message(item: ChecklistItem, status: ItemStatus, at: dt.date) -> str:
    newest = iso(status.newest) or "无"
    if status.reason == "undated":
        return f"{_label(item)}的相关信息均未注明发布时间，视为未更新"
    if status.reason == "deadline_passed" and status.due and item.due:
        since = on_month_day(item.due, status.due.year - 1).isoformat()
        return f"{_label(item)}应于 {iso(status.due)} 前公开，但 {since} 之后未见发布（最新信息 {newest}）"
    if status.reason == "season_missed":
        months = "、".join(str(month) for month in item.months)
        season = f"应在每年 {months} 月公开，截至 {iso(status.due)} 的这一季未见发布"
        return f"{_label(item)}{season}（最新信息 {newest}）"
    age = (at - status.newest).days if status.newest else None
    return f"{_label(item)}已 {age} 天未更新（阈值 {item.max_days} 天），最新信息 {newest}"
