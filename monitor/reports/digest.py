"""What one owner's digest holds: only their sites' columns, the checklist items those carry, and findings.

An owner (an address in a site's ``owner`` list) sees the columns of their sites that are
stale, undated, blank or could not be checked; the checklist items their columns carry that are
overdue, stale or missing; the 内容问题 open on their sites (personal data first, see
`monitor.reports.content`); the other findings about their sites or items that are new since the
last check; other open problems not shown in the tables (a count drop, a failing site); and what
was resolved. An owner with none of these gets no digest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor.checks import CheckDocument, FindingEntry
from monitor.reports import content, rows
from monitor.reports.lookup import Links, Lookup
from monitor.rules.registry import kind_of

_SECTIONS = ("columns", "items", "content", "new", "ongoing", "resolved")
_NAMED_SITES = 2  # a subject names this many sites, then says "等 N 个网站"


def context(check: CheckDocument, look: Lookup, links: Links, *, sites: list[str]) -> dict[str, Any]:
    """The digest of the owner of `sites` (ids, config order)."""
    carried = _carried(look, sites)

    def concerns(finding: FindingEntry) -> bool:
        about = finding.get("site") in sites or finding.get("slug") in carried
        return about and _to_owner(finding["kind"])

    def new(finding: FindingEntry) -> bool:
        return concerns(finding) and not content.is_content(finding)

    def ongoing(finding: FindingEntry) -> bool:
        return new(finding) and not _in_tables(finding["kind"])

    columns = rows.column_rows(check, look, links, sites=sites)
    return {
        "sites": [look.sites[site] for site in sites],
        "site_links": {site: links.site(site) for site in sites},
        "owner": _owner(look, sites),
        "columns": columns,
        "unreadable": [row for row in columns if row.status == "could_not_check"],
        "items": rows.item_rows(check, look, carried=carried),
        "content": content.content_rows(check, links, concerns=concerns),
        "content_links": {site: content.content_link(links, site) for site in sites},
        "new": rows.finding_rows(check, links, states=("new",), concerns=new),
        "ongoing": rows.finding_rows(check, links, states=("ongoing",), concerns=ongoing),
        "resolved": rows.resolved_subjects(
            check, look, concerns=lambda s: s.site in sites or s.slug in carried
        ),
    }


def is_empty(context: Mapping[str, Any]) -> bool:
    return not any(context[section] for section in _SECTIONS)


def headline(context: Mapping[str, Any]) -> str:
    """The subject's gist: 人事处：2 个栏目需要更新，1 个栏目无法检查."""
    unreadable = len(context["unreadable"])
    parts = [
        (len(context["columns"]) - unreadable, "个栏目需要更新"),
        (unreadable, "个栏目无法检查"),
        (len(context["items"]), "项清单事项待处理"),
        (len(context["content"]), "个内容问题"),
    ]
    gist = "，".join(f"{n} {what}" for n, what in parts if n)
    if not gist:
        news = [(len(context["new"]), "个新问题"), (len(context["ongoing"]), "个问题待处理")]
        news.append((len(context["resolved"]), "个问题已解决"))
        gist = "，".join(f"{n} {what}" for n, what in news if n)
    return f"{context['owner']}：{gist}"


def _to_owner(kind: str) -> bool:
    """Whether the owners receive findings of `kind` (an undeclared kind goes to the office only)."""
    declared = kind_of(kind)
    return declared is not None and declared.audience == "owner"


def _in_tables(kind: str) -> bool:
    """Whether the digest's tables already show findings of `kind` (as a column or checklist row)."""
    declared = kind_of(kind)
    return declared is not None and declared.in_tables


def _owner(look: Lookup, sites: list[str]) -> str:
    names = [look.site_name(site) for site in sites]
    if len(names) <= _NAMED_SITES:
        return "、".join(names)
    return f"{'、'.join(names[:_NAMED_SITES])}等 {len(names)} 个网站"


def _carried(look: Lookup, sites: list[str]) -> dict[str, list[str]]:
    """Checklist slug → the owner's columns (网站/栏目) that carry it."""
    carried: dict[str, list[str]] = {}
    for site in sites:
        for slug, columns in look.carried.get(site, {}).items():
            carried.setdefault(slug, []).extend(columns)
    return carried
