"""The problem rows of the reports: columns and checklist items needing work, findings, resolved keys.

Every builder reads the check document (`monitor.checks.check_document`, typed) and returns frozen
rows holding the text the templates print. Finding messages and titles come from crawled pages:
rows carry them as plain strings and the HTML templates escape them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitor.checks import CheckDocument, ColumnEntry, FindingEntry, ItemEntry
from monitor.reports import labels
from monitor.reports.lookup import Links, Lookup
from monitor.rules.registry import kind_of

Entry = dict[str, Any]


@dataclass(frozen=True)
class ColumnRow:
    site: str
    where: str  # 网站/栏目
    status: str
    status_label: str
    reason: str  # why it could not be checked
    newest: str | None
    age_days: int | None
    threshold: int | None
    overdue_days: int | None  # age − threshold, for stale columns
    note: str  # what the status means for this column, one line
    tone: str
    link: str | None


@dataclass(frozen=True)
class ItemRow:
    number: int
    title: str
    status: str
    status_label: str
    reason: str
    due: str | None
    carriers: str  # the columns that carry the item, 网站/栏目、…
    note: str
    tone: str


@dataclass(frozen=True)
class FindingRow:
    key: str
    kind_label: str
    state: str
    state_label: str
    severity_label: str
    message: str  # untrusted: may quote crawled titles
    link: str | None


@dataclass(frozen=True)
class Subject:
    """What a finding key is about: a site, a checklist slug, or neither (a rule)."""

    kind: str
    site: str | None
    slug: str | None
    label: str


def column_rows(
    check: CheckDocument, look: Lookup, links: Links, *, sites: Collection[str] | None = None
) -> list[ColumnRow]:
    """Columns that are stale, undated, blank or could not be checked, worst first, config order within."""
    entries = [
        entry
        for entry in check.get("columns", [])
        if entry["status"] in labels.COLUMN_PROBLEMS and (sites is None or entry["site"] in sites)
    ]
    entries.sort(key=lambda entry: labels.COLUMN_PROBLEMS.index(entry["status"]))
    return [_column_row(entry, look, links) for entry in entries]


def _column_row(entry: ColumnEntry, look: Lookup, links: Links) -> ColumnRow:
    site, column, status = entry["site"], entry["column"], entry["status"]
    threshold, age = look.threshold(site, column), entry.get("age_days")
    overdue = age - threshold if status == "stale" and age is not None and threshold else None
    reason = labels.reason(entry.get("reason")) if status == "could_not_check" else ""
    return ColumnRow(
        site=site,
        where=f"{look.site_name(site)}/{look.column_name(site, column)}",
        status=status,
        status_label=labels.label(labels.COLUMN_STATUS, status),
        reason=reason,
        newest=entry.get("newest"),
        age_days=age,
        threshold=threshold,
        overdue_days=overdue,
        note=_column_note(status, age, threshold, overdue, reason),
        tone=labels.tone(status),
        link=links.site(site),
    )


def _column_note(
    status: str, age: int | None, threshold: int | None, overdue: int | None, reason: str
) -> str:
    if status == "stale" and overdue is not None:
        return f"已 {age} 天未更新，超期 {overdue} 天（应每 {threshold} 天内更新）"
    if status == "stale":
        return f"已 {age} 天未更新"
    notes = {
        "undated": "信息均未注明发布时间，视为未更新",
        "blank": "栏目中没有任何信息（空白栏目）",
        "could_not_check": f"本次无法检查：{reason}（不计为未更新，请确认网站能否访问）",
    }
    return notes.get(status, "")


def item_rows(
    check: CheckDocument,
    look: Lookup,
    *,
    carried: Mapping[str, list[str]] | None = None,
    statuses: Collection[str] = labels.ITEM_PROBLEMS,
) -> list[ItemRow]:
    """Checklist items in `statuses`; with `carried` (slug → columns) only the items it names."""
    return [
        _item_row(entry, look, (carried or {}).get(entry["slug"], []))
        for entry in check.get("checklist", [])
        if entry["status"] in statuses and (carried is None or entry["slug"] in carried)
    ]


def _item_row(entry: ItemEntry, look: Lookup, carriers: list[str]) -> ItemRow:
    status, due = entry["status"], entry.get("due")
    reason = labels.reason(entry.get("reason"))
    missed = {"overdue": f"应于 {due} 前公开", "stale": f"应于 {due} 前更新"}.get(status) if due else None
    return ItemRow(
        number=entry["number"],
        title=look.item_title(entry["slug"]),
        status=status,
        status_label=labels.label(labels.ITEM_STATUS, status),
        reason=reason,
        due=due,
        carriers="、".join(carriers),
        note="，".join(part for part in (reason, missed) if part),
        tone=labels.tone(status),
    )


def finding_rows(
    check: CheckDocument,
    links: Links,
    *,
    states: Collection[str] = ("new", "ongoing"),
    concerns: Callable[[FindingEntry], bool] = lambda _: True,
) -> list[FindingRow]:
    """Findings in `states` that `concerns` accepts, high severity first."""
    order = list(labels.SEVERITY)
    chosen = [f for f in check.get("findings", []) if f.get("state", "new") in states and concerns(f)]
    chosen.sort(key=lambda f: order.index(f["severity"]) if f["severity"] in order else len(order))
    return [_finding_row(finding, links) for finding in chosen]


def _finding_row(finding: FindingEntry, links: Links) -> FindingRow:
    state, site = finding.get("state", "new"), finding.get("site")
    return FindingRow(
        key=finding["key"],
        kind_label=labels.label(labels.FINDING_KIND, finding["kind"]),
        state=state,
        state_label=labels.label(labels.FINDING_STATE, state),
        severity_label=labels.label(labels.SEVERITY, finding["severity"]),
        message=finding["message"],
        link=links.site(site) if site else links.findings(),
    )


def subject(key: str, look: Lookup) -> Subject:
    """What the finding `key` (``kind:subject``) is about, named for the office by its declared kind."""
    kind, _, rest = key.partition(":")
    declared = kind_of(kind)
    about = declared.subject if declared else None
    if about == "column":
        site, _, column = rest.partition("/")
        return Subject(kind, site, None, f"{look.site_name(site)}/{look.column_name(site, column)}")
    if about == "site":
        return Subject(kind, rest, None, look.site_name(rest))
    if about in ("page", "link"):
        site, _, url = rest.partition("/")
        return Subject(kind, site, None, f"{look.site_name(site)} {url}")
    if about == "slug" and rest in look.items:
        return Subject(kind, None, rest, f"清单第 {look.items[rest].number} 项「{look.item_title(rest)}」")
    return Subject(kind, None, rest if about == "slug" else None, rest)


def resolved_subjects(
    check: CheckDocument, look: Lookup, *, concerns: Callable[[Subject], bool] = lambda _: True
) -> list[tuple[str, Subject]]:
    """(kind label, subject) of each resolved key that `concerns` accepts."""
    found = [subject(key, look) for key in check.get("resolved", [])]
    return [(labels.label(labels.FINDING_KIND, s.kind), s) for s in found if concerns(s)]


def status_counts(
    entries: Sequence[Mapping[str, Any]], order: Mapping[str, str]
) -> list[tuple[str, str, int, str]]:
    """(status, label, count, tone) for each status of `order`, then any status it does not name."""
    counts: dict[str, int] = dict.fromkeys(order, 0)
    for entry in entries:
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    return [(s, labels.label(dict(order), s), n, labels.tone(s)) for s, n in counts.items()]
