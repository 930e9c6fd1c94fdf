"""The lag reports and who gets them: a digest per owner address, a summary and a roll-up for the office.

`ReportInput` holds one night's data as the JSON documents the other commands print (the check,
the period's statistics, the night's column fetches, a week of check summaries). Each builder
picks what its readers need and renders it to a :class:`Report` with an HTML and a text part
for mail and a markdown part for group bots. A report's `key` is stable
(``digest:2026-11-26:rsc@hit.edu.cn``): delivery sends each key once per channel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor.checks import CheckDocument, FindingEntry
from monitor.config import Config
from monitor.reports import content, digest, labels, rows, sample, tables
from monitor.reports.lookup import Links, Lookup, links, lookup
from monitor.reports.markdown import render_markdown
from monitor.reports.render import render_html, render_text


@dataclass(frozen=True)
class ReportInput:
    """One night's data, as plain JSON-shaped dicts."""

    config: Config
    check: CheckDocument  # monitor.checks.check_document(...)
    stats: dict[str, Any]  # monitor.stats.to_json(...) parsed: the current period, with last_year
    crawl: tuple[dict[str, Any], ...] = ()  # the night's column fetches (FetchRow fields)
    dashboard_url: str | None = None
    week: tuple[dict[str, Any], ...] = ()  # daily check summaries, for the weekly roll-up


@dataclass(frozen=True)
class Report:
    """One message: who gets it, its one-line Chinese subject, and its parts (mail's two, markdown)."""

    kind: str  # digest | summary | weekly
    key: str  # stable dedupe key: one message per key, ever
    recipients: tuple[str, ...]
    subject: str
    html: str
    text: str
    markdown: str = ""
    group: str | None = None  # the notify id of a group's digest (no e-mail recipients)


def digests(data: ReportInput) -> list[Report]:
    """One digest per owner address, holding only that owner's sites; none for an owner with nothing."""
    look, link = lookup(data.config), links(data.dashboard_url)
    found = [_digest(data, look, link, address) for address in look.owners()]
    return [report for report in found if report is not None]


def _digest(data: ReportInput, look: Lookup, link: Links, address: str) -> Report | None:
    context = digest.context(data.check, look, link, sites=look.owned_by(address))
    if digest.is_empty(context):
        return None
    at = _at(data)
    subject = f"【{labels.PRODUCT}】{digest.headline(context)}（{at}）"
    return _report(data, "digest", f"digest:{at}:{address}", (address,), subject, context)


def group_digests(data: ReportInput) -> list[Report]:
    """One digest per ``notify`` group with ``send: digests``, of its sites; none when they have nothing."""
    look, link = lookup(data.config), links(data.dashboard_url)
    found = []
    for target in data.config.notify:
        if target.send != "digests":
            continue
        context = digest.context(data.check, look, link, sites=list(target.sites))
        if digest.is_empty(context):
            continue
        at = _at(data)
        subject = f"【{labels.PRODUCT}】{digest.headline(context)}（{at}）"
        report = _report(data, "digest", f"digest:{at}:notify:{target.id}", (), subject, context)
        found.append(Report(**{**vars(report), "group": target.id}))
    return found


def office_summary(data: ReportInput) -> Report:
    """The office's daily summary: every site's verdict, checklist coverage, counts, crawl errors."""
    look, link = lookup(data.config), links(data.dashboard_url)
    sites = tables.site_rows(data.check, data.stats, look, link)
    errors = tables.fetch_errors(data.crawl, look, link)
    failing = sum(row.status == "fail" for row in sites)
    problems = sum(row.problems for row in sites)
    context = {
        "campuses": _by_campus(sites),
        "failing": failing,
        "problems": problems,
        "coverage": _coverage(data.check),
        "items": rows.item_rows(data.check, look, carried=None, statuses=_NOT_OK),
        "errors": errors,
        "fetches": len(data.crawl),
        "period": _period(data.stats),
        "content": content.content_counts(data.check, look, link),
        "content_kinds": [kind.label for kind in content.content_kinds()],
        "findings": rows.finding_rows(data.check, link, states=("new",)),
        "requests": rows.finding_rows(data.check, link, concerns=_is_request),  # new and ongoing
        "states": _finding_states(data.check),
        "resolved": rows.resolved_subjects(data.check, look),
    }
    name = labels.one_line(data.config.institution.name)
    subject = (
        f"【{labels.PRODUCT}】{name}日报：{failing} 个网站不合格，{problems} 个栏目需关注，"
        f"{len(errors)} 个抓取错误（{_at(data)}）"
    )
    return _report(data, "summary", f"summary:{_at(data)}", data.config.mail.office, subject, context)


_NOT_OK = ("overdue", "stale", "missing", "could_not_check")


def _is_request(finding: FindingEntry) -> bool:
    """An unanswered 依申请公开 request past its deadline: listed every day until it is answered."""
    return finding["kind"] == "request_overdue"


def weekly_rollup(data: ReportInput) -> Report:
    """The office's weekly roll-up: per day, columns by status and findings new and resolved."""
    look, link = lookup(data.config), links(data.dashboard_url)
    days = tables.days(data.week)
    first, last = (days[0].at, days[-1].at) if days else (_at(data), _at(data))
    context = {
        "days": days,
        "first": first,
        "last": last,
        "new": sum(day.new for day in days),
        "resolved_total": sum(day.resolved for day in days),
        "coverage": _coverage(data.check),
        "sites": tables.site_rows(data.check, data.stats, look, link),
        "period": _period(data.stats),
    }
    name = labels.one_line(data.config.institution.name)
    subject = f"【{labels.PRODUCT}】{name}周报（{first} 至 {last}）"
    return _report(data, "weekly", f"weekly:{last}", data.config.mail.office, subject, context)


def sample_input(config: Config, *, at: dt.date = sample.SAMPLE_DAY) -> ReportInput:
    """Synthetic data holding every state, for `xxgk report --sample` (the config gains sample
    columns when it has too few to show every column status)."""
    return ReportInput(**sample.parts(config, at=at))


def _report(
    data: ReportInput,
    kind: str,
    key: str,
    recipients: tuple[str, ...],
    subject: str,
    context: Mapping[str, Any],
) -> Report:
    subject = labels.one_line(subject)
    full = {
        **context,
        "subject": subject,
        "institution": data.config.institution.name,
        "at": _at(data),
        "links": links(data.dashboard_url),
    }
    html, text, markdown = render_html(kind, full), render_text(kind, full), render_markdown(kind, full)
    return Report(kind, key, recipients, subject, html, text, markdown)


def _at(data: ReportInput) -> str:
    return str(data.check.get("at", ""))


def _by_campus(sites: list[tables.SiteRow]) -> list[tuple[str, list[tables.SiteRow]]]:
    grouped: dict[str, list[tables.SiteRow]] = {}
    for row in sites:
        grouped.setdefault(row.campus_name, []).append(row)
    return list(grouped.items())


def _coverage(check: CheckDocument) -> list[tuple[str, str, int, str, float]]:
    """(status, label, count, tone, percent) of the checklist items, every status shown."""
    counts = rows.status_counts(check.get("checklist", []), labels.ITEM_STATUS)
    total = sum(n for _, _, n, _ in counts)
    return [(s, label, n, tone, tables.percent(n, total)) for s, label, n, tone in counts]


def _finding_states(check: CheckDocument) -> dict[str, int]:
    findings = check.get("findings", [])
    new = sum(1 for f in findings if f.get("state", "new") == "new")
    return {"new": new, "ongoing": len(findings) - new, "resolved": len(check.get("resolved", []))}


def _period(stats: Mapping[str, Any]) -> dict[str, Any]:
    campuses = stats.get("campuses", [])
    last_year = sum(int(s.get("last_year", 0)) for c in campuses for s in c.get("sites", []))
    total = int(stats.get("total", sum(int(c.get("total", 0)) for c in campuses)))
    return {
        "start": stats.get("from", ""),
        "end": stats.get("to", ""),
        "total": total,
        "last_year": last_year,
        "change": tables.change(total, last_year),
        "manual": any(s.get("manual") for c in campuses for s in c.get("sites", [])),
    }
