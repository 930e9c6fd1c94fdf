"""The contexts of the site page (columns, recent items, a monthly chart) and the statistics page."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from monitor import stats
from monitor.config import Config
from monitor.store.web import RecentItem
from monitor.web.charts import bar_chart, heatmap, last_months
from monitor.web.context import NO_CHECK, Judged, Viewer, iso
from monitor.web.pages import column_row


def site(
    judged: Judged | None,
    config: Config,
    *,
    site_id: str,
    items: list[RecentItem],
    months: dict[tuple[int, int], int],
    today: dt.date,
) -> dict[str, Any]:
    """One site: its verdict and columns (when checked), its newest items, items per month."""
    found = config.site(site_id)
    campus = next(c for c, s in config.sites() if s.id == site_id)
    context: dict[str, Any] = {
        "id": found.id,
        "name": found.name,
        "url": found.url,
        "campus": {"id": campus.id, "name": campus.name},
        "owners": list(found.owner),
        "months": [{"month": f"{y}-{m:02d}", "count": months.get((y, m), 0)} for y, m in last_months(today)],
        "items": [_item(item) for item in items],
    }
    if judged is None:
        return {**context, "check": None, "message": NO_CHECK, "status": None, "reasons": [], "columns": []}
    snapshot = next(s for s in judged.result.snapshot.sites if s.site == site_id)
    verdict = judged.result.judgement.sites[site_id]
    columns = [column_row(judged, column) for column in snapshot.columns]
    return {
        **context,
        "check": judged.header(),
        "message": None,
        "status": verdict.status,
        "reasons": list(verdict.reasons),
        "columns": columns,
    }


def _item(item: RecentItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "url": item.url,
        "published_on": iso(item.published_on),
        "column": item.column,
        "attachment": item.is_attachment,
    }


def month_chart(context: dict[str, Any]) -> Any:
    bars = [(row["month"][2:], row["count"]) for row in context["months"]]
    return bar_chart(bars, title=f"{context['name']} 近12个月发布数量")


def by_month(days: dict[dt.date, int], *, start: dt.date) -> dict[tuple[int, int], int]:
    """(year, month) → items of the days from `start` on; months without items are absent."""
    months: dict[tuple[int, int], int] = {}
    for day, n in days.items():
        if day >= start:
            months[day.year, day.month] = months.get((day.year, day.month), 0) + n
    return months


def calendar(days: dict[dt.date, int], *, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Items per day over [start, end] (days with items only), for the calendar heatmap."""
    inside = sorted((day, n) for day, n in days.items() if start <= day <= end)
    shown = [{"date": day.isoformat(), "count": n} for day, n in inside]
    total = sum(n for _, n in inside)
    return {"from": start.isoformat(), "to": end.isoformat(), "total": total, "days": shown}


def calendar_chart(context: dict[str, Any]) -> Any:
    found = context["calendar"]
    days = {dt.date.fromisoformat(row["date"]): row["count"] for row in found["days"]}
    title = f"{context['name']} 近一年每日发布数量（{found['from']} 至 {found['to']}）"
    return heatmap(days, end=dt.date.fromisoformat(found["to"]), title=title)


def visible_tables(tables: stats.StatsTables, viewer: Viewer) -> stats.StatsTables:
    """The report's tables with only the sites the viewer may see (and campuses left non-empty)."""
    campuses = tuple(
        stats.CampusTable(id=c.id, name=c.name, sites=tuple(s for s in c.sites if viewer.sees(s.id)))
        for c in tables.campuses
    )
    by_type = tables.by_type if viewer.sites is None else {}
    return stats.StatsTables(
        start=tables.start, end=tables.end, campuses=tuple(c for c in campuses if c.sites), by_type=by_type
    )


def statistics(tables: stats.StatsTables) -> dict[str, Any]:
    """The statistics page: the period and the report's tables (`xxgk stats --format json`)."""
    doc: dict[str, Any] = json.loads(stats.to_json(tables))
    query = f"from={tables.start.isoformat()}&to={tables.end.isoformat()}"
    return {**doc, "exports": {"csv": f"/stats.csv?{query}", "xlsx": f"/stats.xlsx?{query}"}}
