"""The 20-working-day rule: checklist information must reach the disclosure columns in time.

教办函〔2014〕23号 (二、建立即时公开制度): "各高校应当在清单信息制作完成或获取后20个工作日内公开".
When an item of the checklist shows up elsewhere first (a notice on the news site or the OA),
the columns the config maps to that item (the 信息公开 columns) must carry something as new
within 20 working days, counted on the Chinese working-day calendar (holidays and 调休).
"""

from __future__ import annotations

import datetime as dt

from monitor.config import ChecklistItem
from monitor.rules.calendar import add_working_days, is_known, working_days_between
from monitor.rules.checklist import evidence_by_slug, mapped_columns
from monitor.rules.columns import column_verdict
from monitor.rules.findings import Finding, iso
from monitor.rules.registry import FindingKind, rule
from monitor.rules.snapshot import ColumnSnapshot, Evidence, Snapshot


@rule(
    "disclosure_lag",
    kinds=(FindingKind("disclosure_lag", "slug", "未在期限内公开", "medium", "owner", "checklist", rank=40),),
)
def disclosure_lag(snapshot: Snapshot) -> list[Finding]:
    """20 个工作日：flags checklist information published elsewhere but not in its disclosure column.

    For an item with mapped (信息公开) columns: when the item appeared on another site or
    column on day E and none of its mapped columns has anything dated E or later, and more than
    20 working days have passed since E, that is a finding (教办函〔2014〕23号; the number of days
    is `checks.disclosure_working_days`). Holidays and adjusted working days (调休) follow the
    official calendar. Nothing is reported while a mapped column cannot be read.
    """
    mapped, found = mapped_columns(snapshot), evidence_by_slug(snapshot)
    lags = (
        _lag(item, snapshot, mapped.get(item.slug, []), found.get(item.slug, []))
        for item in snapshot.checklist.items
    )
    return [lag for lag in lags if lag is not None]


def _lag(
    item: ChecklistItem, snapshot: Snapshot, columns: list[ColumnSnapshot], found: list[Evidence]
) -> Finding | None:
    first = _oldest_unmatched(columns, found)
    if first is None or first.published_on is None:
        return None
    if not all(column_verdict(column, at=snapshot.at).checked for column in columns):
        return None  # the mapped column may carry it: we could not look
    due = _passed_deadline(first.published_on, snapshot.settings.disclosure_working_days, snapshot.at)
    return None if due is None else _finding(item, snapshot, first, due)


def _oldest_unmatched(columns: list[ColumnSnapshot], found: list[Evidence]) -> Evidence | None:
    """The oldest dated item outside the mapped columns that is newer than all of them."""
    if not columns:
        return None
    inside = {column.key for column in columns}
    newest = max((column.newest for column in columns if column.newest), default=None)
    outside = [
        item
        for item in found
        if item.published_on
        and f"{item.site}/{item.column}" not in inside
        and (newest is None or item.published_on > newest)
    ]
    return min(outside, key=lambda item: item.published_on or dt.date.max, default=None)


def _passed_deadline(published: dt.date, working_days: int, at: dt.date) -> dt.date | None:
    """The deadline, if `at` is past it (counted first, so no calendar beyond `at` is needed)."""
    if working_days_between(published, at) < working_days:
        return None
    due = add_working_days(published, working_days)
    return due if at > due else None


def _finding(item: ChecklistItem, snapshot: Snapshot, first: Evidence, due: dt.date) -> Finding:
    days = snapshot.settings.disclosure_working_days
    where = {site.site: site.name for site in snapshot.sites}.get(first.site, first.site)
    published = iso(first.published_on)
    return Finding(
        kind="disclosure_lag",
        subject=item.slug,
        severity="medium",
        message=f"清单第 {item.number} 项「{item.title}」的信息「{first.title}」于 {published} 在{where}"
        f"发布，未在 {days} 个工作日内（截至 {iso(due)}）在信息公开栏目公开",
        detail={
            "published_on": published,
            "due": iso(due),
            "working_days": days,
            "site": first.site,
            "column": first.column,
            "url": first.url,
            "title": first.title,
            # past the calendar's years, holidays are not known yet: the deadline is estimated
            "calendar": "official" if is_known(due) else "estimated",
        },
        slug=item.slug,
        site=first.site,
    )
