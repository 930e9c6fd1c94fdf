"""The office's tables: every site's verdict and counts, the night's crawl errors, the week's trend.

Counts come from the statistics JSON (`monitor.stats.to_json`), verdicts from the check JSON,
crawl errors from the night's column fetches. Bars are percentages of the largest value, which
the HTML prints as a cell's width and the text as a run of block characters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from monitor.checks import CheckDocument
from monitor.reports import labels
from monitor.reports.lookup import Links, Lookup, SiteRef

READABLE = ("ok", "empty")
ERROR_CHARS = 200  # a crawl error is cut here: one line of the report, not a traceback


@dataclass(frozen=True)
class SiteRow:
    campus_name: str
    name: str
    url: str
    status: str
    status_label: str
    reasons: str
    problems: int  # columns needing attention
    columns: int
    count: int
    manual: bool  # the count was entered by hand (人工填报)
    last_year: int
    change: str  # against the same period last year: +12%, -30%, —
    percent: float  # bar width: count against the largest count
    tone: str
    link: str | None


@dataclass(frozen=True)
class FetchError:
    where: str
    outcome: str
    http_status: int | None
    error: str  # untrusted: the crawler's message, may quote the page
    link: str | None


@dataclass(frozen=True)
class Day:
    at: str
    columns: list[tuple[str, str, int, str]]  # (status, label, count, tone)
    problems: int  # columns not fresh
    checklist_ok: int
    checklist_total: int
    new: int
    resolved: int
    percent: float  # bar width: problems against the week's largest


def percent(value: int, largest: int) -> float:
    """`value` as a share of `largest`, in percent with one decimal (0 when there is nothing)."""
    return round(100 * value / largest, 1) if largest > 0 else 0.0


def change(count: int, last_year: int) -> str:
    if last_year <= 0:
        return "—"
    share = round(100 * (count - last_year) / last_year)
    return f"{share:+d}%"


def site_rows(check: CheckDocument, stats: Mapping[str, Any], look: Lookup, links: Links) -> list[SiteRow]:
    """Every site of the config, in config order, with its verdict, problems and counts."""
    verdicts = {entry["site"]: entry for entry in check.get("sites", [])}
    counts = {s["id"]: s for campus in stats.get("campuses", []) for s in campus.get("sites", [])}
    columns = check.get("columns", [])
    problems = Counter(c["site"] for c in columns if c["status"] in labels.COLUMN_PROBLEMS)
    totals = Counter(c["site"] for c in columns)
    largest = max((int(s.get("count", 0)) for s in counts.values()), default=0)
    return [
        _site_row(
            ref,
            verdicts.get(ref.id, {}),
            counts.get(ref.id, {}),
            links,
            sizes=(problems[ref.id], totals[ref.id], largest),
        )
        for ref in look.sites.values()
    ]


def _site_row(
    ref: SiteRef,
    verdict: Mapping[str, Any],
    count: Mapping[str, Any],
    links: Links,
    *,
    sizes: tuple[int, int, int],
) -> SiteRow:
    """`sizes`: the site's columns needing attention, its columns, and the largest count of any site."""
    problems, columns, largest = sizes
    status = verdict.get("status", "could_not_check")
    n, last = int(count.get("count", 0)), int(count.get("last_year", 0))
    return SiteRow(
        campus_name=ref.campus_name,
        name=ref.name,
        url=ref.url,
        status=status,
        status_label=labels.label(labels.SITE_STATUS, status),
        reasons="；".join(labels.label(labels.SITE_REASON, r) for r in verdict.get("reasons", [])),
        problems=problems,
        columns=columns,
        count=n,
        manual=bool(count.get("manual", False)),
        last_year=last,
        change=change(n, last),
        percent=percent(n, largest),
        tone=labels.tone(status),
        link=links.site(ref.id),
    )


def fetch_errors(crawl: Iterable[Mapping[str, Any]], look: Lookup, links: Links) -> list[FetchError]:
    """The night's column fetches whose outcome is neither ok nor empty."""
    return [
        FetchError(
            where=f"{look.site_name(row['site'])}/{look.column_name(row['site'], row['column'])}",
            outcome=labels.label(labels.OUTCOME, row["outcome"]),
            http_status=row.get("http_status"),
            error=_cut(labels.one_line(row.get("error") or "")),
            link=links.site(row["site"]),
        )
        for row in crawl
        if row["outcome"] not in READABLE
    ]


def _cut(text: str) -> str:
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


def days(week: Iterable[Mapping[str, Any]]) -> list[Day]:
    """One row per daily check summary ({"at", "columns", "checklist", "findings"}), oldest first."""
    summaries = sorted(week, key=lambda day: str(day["at"]))
    problems = [sum(n for s, n in day.get("columns", {}).items() if s != "fresh") for day in summaries]
    largest = max(problems, default=0)
    return [_day(day, n, percent(n, largest)) for day, n in zip(summaries, problems, strict=True)]


def _day(day: Mapping[str, Any], problems: int, width: float) -> Day:
    columns: dict[str, int] = day.get("columns", {})
    checklist: dict[str, int] = day.get("checklist", {})
    findings: dict[str, int] = day.get("findings", {})
    order = {**labels.COLUMN_STATUS, **{s: s for s in columns if s not in labels.COLUMN_STATUS}}
    return Day(
        at=str(day["at"]),
        columns=[(s, label, int(columns.get(s, 0)), labels.tone(s)) for s, label in order.items()],
        problems=problems,
        checklist_ok=int(checklist.get("ok", 0)),
        checklist_total=sum(int(n) for n in checklist.values()),
        new=int(findings.get("new", 0)),
        resolved=int(findings.get("resolved", 0)),
        percent=width,
    )
