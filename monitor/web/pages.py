"""The context of each dashboard page: plain JSON-able dicts, rendered by a template or sent as JSON.

Each builder takes what the view loaded (the judged check, store rows) and the viewer, and
leaves out every site the viewer may not see.
"""

from __future__ import annotations

from typing import Any

from monitor.config import Config
from monitor.rules import KINDS
from monitor.rules.snapshot import ColumnSnapshot, SiteSnapshot
from monitor.store.checks import FindingRow
from monitor.web.context import NO_CHECK, Judged, Viewer, iso


def overview(
    judged: Judged | None, config: Config, viewer: Viewer, filters: dict[str, str]
) -> dict[str, Any]:
    """Every visible site with its verdict and its columns as traffic lights, filtered."""
    sites = [site for _, site in config.sites() if viewer.sees(site.id)]
    choices = {
        "campuses": [
            {"id": c.id, "name": c.name} for c in config.campuses if any(viewer.sees(s.id) for s in c.sites)
        ],
        "owners": sorted({owner for site in sites for owner in site.owner}),
    }
    base = {"filters": filters, "choices": choices}
    if judged is None:
        return {**base, "check": None, "message": NO_CHECK, "campuses": [], "counts": {}}
    rows = [_site_row(judged, s) for s in judged.result.snapshot.sites if viewer.sees(s.site)]
    rows = [row for row in (_filtered(row, filters) for row in rows) if row is not None]
    campuses = [
        {"id": c.id, "name": c.name, "sites": [row for row in rows if row["campus"] == c.id]}
        for c in config.campuses
    ]
    counts: dict[str, int] = {}
    for row in rows:
        for column in row["columns"]:
            counts[column["status"]] = counts.get(column["status"], 0) + 1
    return {
        **base,
        "check": judged.header(),
        "message": None,
        "campuses": [c for c in campuses if c["sites"]],
        "counts": counts,
    }


def _site_row(judged: Judged, site: SiteSnapshot) -> dict[str, Any]:
    verdict = judged.result.judgement.sites[site.site]
    return {
        "campus": site.campus,
        "id": site.site,
        "name": site.name,
        "url": site.url,
        "owners": list(site.owners),
        "status": verdict.status,
        "reasons": list(verdict.reasons),
        "columns": [column_row(judged, column) for column in site.columns],
    }


def column_row(judged: Judged, column: ColumnSnapshot) -> dict[str, Any]:
    verdict = judged.result.judgement.columns[column.key]
    return {
        "id": column.column,
        "name": column.name,
        "url": column.url,
        "kind": column.kind,
        "status": verdict.status,
        "reason": verdict.reason,
        "newest": iso(column.newest),
        "age_days": verdict.age_days,
        "items": column.items,
        "outcome": column.outcome,
    }


def _filtered(row: dict[str, Any], filters: dict[str, str]) -> dict[str, Any] | None:
    if filters.get("campus") and row["campus"] != filters["campus"]:
        return None
    if filters.get("owner") and filters["owner"] not in row["owners"]:
        return None
    status = filters.get("status")
    if not status or status == row["status"]:
        return row
    columns = [c for c in row["columns"] if c["status"] == status]
    return {**row, "columns": columns} if columns else None


def checklist(judged: Judged | None, config: Config, viewer: Viewer) -> dict[str, Any]:
    """The 10 categories × 50 items with status and the evidence the viewer may see."""
    if judged is None:
        return {"check": None, "message": NO_CHECK, "categories": [], "counts": {}}
    statuses = judged.result.judgement.checklist
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status.status] = counts.get(status.status, 0) + 1
    categories = [
        {
            "number": category.number,
            "name": category.name,
            "items": [
                {
                    "number": item.number,
                    "slug": item.slug,
                    "title": item.title,
                    "status": statuses[item.slug].status,
                    "reason": statuses[item.slug].reason,
                    "due": iso(statuses[item.slug].due),
                    "newest": iso(statuses[item.slug].newest),
                    "evidence": [e for e in statuses[item.slug].evidence if viewer.sees(e.get("site"))],
                }
                for item in config.checklist.items
                if item.category == category.number
            ],
        }
        for category in config.checklist.categories
    ]
    return {"check": judged.header(), "message": None, "categories": categories, "counts": counts}


def findings(
    judged: Judged | None, rows: list[FindingRow], viewer: Viewer, filters: dict[str, str]
) -> dict[str, Any]:
    """The open findings (or all, with ?resolved=1) the viewer may see, filtered (``section=content``:
    the 内容问题, as a site's or the institution's page of them)."""
    states = judged.result.states if judged is not None else {}
    shown = [_finding_row(row, states) for row in rows if viewer.sees(row.site)]
    kinds = sorted({row["kind"] for row in shown})
    for name in ("kind", "severity", "site", "state", "section"):
        if filters.get(name):
            shown = [row for row in shown if row[name] == filters[name]]
    check = judged.header() if judged is not None else None
    message = None if judged is not None else NO_CHECK
    return {"check": check, "message": message, "filters": filters, "kinds": kinds, "findings": shown}


#: Masked excerpts a personal-data finding shows on the page (the JSON has them all).
EXCERPTS_SHOWN = 3


def _finding_row(row: FindingRow, states: dict[str, str]) -> dict[str, Any]:
    state = "resolved" if row.resolved_at is not None else states.get(row.key, "ongoing")
    declared = KINDS.get(row.kind)
    detail = row.detail if isinstance(row.detail, dict) else {}
    url = detail.get("url") if isinstance(detail.get("url"), str) else None
    page = next((detail[k] for k in ("page_url", "page") if isinstance(detail.get(k), str)), None)
    excerpts = [
        str(excerpt)
        for kind in detail.get("kinds") or ()
        if isinstance(kind, dict)
        for excerpt in kind.get("excerpts") or ()
    ]
    return {
        "key": row.key,
        "kind": row.kind,
        "section": declared.section if declared is not None else None,
        "url": url,  # the page, attachment or link it is about (content findings)
        "page_url": page if page != url else None,  # the page that links it, if another
        "excerpts": excerpts[:EXCERPTS_SHOWN],  # masked by the scan: no full number is stored
        "severity": row.severity,
        "message": row.message,
        "site": row.site,
        "slug": row.slug,
        "state": state,
        "first_seen_at": iso(row.first_seen_at),
        "last_seen_at": iso(row.last_seen_at),
        "resolved_at": iso(row.resolved_at),
        "acknowledged_at": iso(row.acknowledged_at),
        "acknowledged_by": row.acknowledged_by,
        "ack_note": row.ack_note,
    }
