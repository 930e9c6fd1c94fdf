"""The dashboard's pages and their JSON twins: view → store → context → template, or the context as JSON.

Each context builder is a dependency; the HTML route renders it and ``/api/…`` returns it.
The pages that follow from the judged check (overview, checklist, a site) are built, rendered
and serialised once per judgement (`Derived`); views that only hand out what was kept are
``async def``, so a request to them waits for no worker thread of its own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from monitor import checks, stats, store
from monitor.store import web as web_store
from monitor.web import detail, pages
from monitor.web.charts import last_months, year_start
from monitor.web.context import Judged
from monitor.web.deps import Current, Db, Form, Latest, State, WebState, filters, visible_site

router = APIRouter()
Context = dict[str, Any]
T = TypeVar("T")


def render(
    request: Request, template: str, context: Context, *, status: int = 200, **extra: Any
) -> HTMLResponse:
    """The page: the template gets the context as ``ctx``, the viewer, the institution and `extra`."""
    web: WebState = getattr(request.state, "web", None) or request.app.state.web
    served = getattr(request.app.state, "institutions", None)
    values = {
        "ctx": context,
        "viewer": getattr(request.state, "viewer", None),
        "institution": web.config.institution,
        "many": served is not None and served.many,
        **extra,
    }
    return web.templates.TemplateResponse(request, template, values, status_code=status)


@dataclass(frozen=True)
class Derived:
    """A page that follows from the judgement and the viewer's scope (overview, checklist, a site).

    Its context, its main part as HTML and its JSON twin are made once per judgement, scope and
    filters and kept with the judgement (`Judged.derived`): rendering 400 rows, serialising them
    or counting a site's year of items takes longer than the rest of a request. The parts of the
    page that belong to the viewer (name, CSRF token) are rendered for each request around it.
    `bounded`: the key is one the config bounds (a site id), kept whatever the number of keys.
    """

    context: Context
    judged: Judged | None
    key: tuple[Any, ...]
    bounded: bool = False

    @classmethod
    def of(
        cls,
        judged: Judged | None,
        key: tuple[Any, ...],
        build: Callable[[], Context],
        *,
        bounded: bool = False,
    ) -> Derived:
        context = judged.derived(key, build, bounded=bounded) if judged is not None else build()
        return cls(context, judged, key, bounded)

    def kept(self, part: str, build: Callable[[], T]) -> T:
        """`build()`, kept with the judgement like the context (made each time without one)."""
        if self.judged is None:
            return build()
        return self.judged.derived((part, *self.key), build, bounded=self.bounded)

    def html(self, request: Request, template: str) -> Markup:
        """`template` rendered with the context as ``ctx`` (autoescaped), kept like the context."""

        def build() -> Markup:
            web: WebState = request.app.state.web
            body = web.templates.get_template(template).render(ctx=self.context)
            return Markup(body)  # noqa: S704 - rendered with autoescape on: every value is escaped

        return self.kept(template, build)

    def json(self) -> Response:
        """The context as the JSON twin, serialised once and kept like the context."""

        def build() -> bytes:
            return json.dumps(self.context, ensure_ascii=False, separators=(",", ":")).encode()

        return Response(self.kept("json", build), media_type="application/json")


# ----------------------------------------------------------------------------- overview


async def overview_context(request: Request, web: State, who: Current, latest: Latest) -> Derived:
    chosen = filters(request, ("campus", "status", "owner"))
    key = ("overview", who.sites, *chosen.values())
    return Derived.of(latest, key, lambda: pages.overview(latest, web.config, who, chosen))


Overview = Annotated[Derived, Depends(overview_context)]


@router.get("/", include_in_schema=False)
async def overview_page(request: Request, page: Overview) -> HTMLResponse:
    return render(request, "overview.html", page.context, table=page.html(request, "overview_table.html"))


@router.get(
    "/api/overview",
    summary="总览：每个网站与栏目的更新状态（?campus=&status=&owner=）",
    response_model=Context,
)
async def overview_api(page: Overview) -> Response:
    return page.json()


# ----------------------------------------------------------------------------- checklist


async def checklist_context(web: State, who: Current, latest: Latest) -> Derived:
    return Derived.of(latest, ("checklist", who.sites), lambda: pages.checklist(latest, web.config, who))


Checklist = Annotated[Derived, Depends(checklist_context)]


@router.get("/checklist", include_in_schema=False)
async def checklist_page(request: Request, page: Checklist) -> HTMLResponse:
    return render(request, "checklist.html", page.context, table=page.html(request, "checklist_table.html"))


@router.get("/api/checklist", summary="信息公开事项清单：10 类 50 项的状态与证据", response_model=Context)
async def checklist_api(page: Checklist) -> Response:
    return page.json()


# ----------------------------------------------------------------------------- site


def site_context(site_id: str, web: State, session: Db, who: Current, latest: Latest) -> Derived:
    """The site's page; the same for every viewer who may see it, so kept per site and judgement."""
    visible_site(site_id, web, who)
    today = web.today()
    return Derived.of(
        latest, ("site", site_id, today), lambda: _site(session, web, latest, site_id, today), bounded=True
    )


def _site(
    session: store.Session, web: WebState, latest: Judged | None, site_id: str, today: dt.date
) -> Context:
    key = web.config.institution.id
    items = web_store.recent_items(session, institution_key=key, site_key=site_id)
    # one count per day serves both charts: the heatmap's year and the last 12 months
    start, first_month = year_start(today), dt.date(*last_months(today)[0], 1)
    days = web_store.daily_counts(
        session, institution_key=key, site_key=site_id, start=min(start, first_month), end=today
    )
    months = detail.by_month(days, start=first_month)
    context = detail.site(latest, web.config, site_id=site_id, items=items, months=months, today=today)
    return {**context, "calendar": detail.calendar(days, start=start, end=today)}


Site = Annotated[Derived, Depends(site_context)]


@router.get("/sites/{site_id}", include_in_schema=False)
async def site_page(request: Request, page: Site) -> HTMLResponse:
    charts = page.kept(
        "charts",
        lambda: {"chart": detail.month_chart(page.context), "heatmap": detail.calendar_chart(page.context)},
    )
    return render(request, "site.html", page.context, **charts)


@router.get(
    "/api/sites/{site_id}",
    summary="网站详情：栏目状态、最新信息、近12个月发布数量、近一年每日发布数量",
    response_model=Context,
)
async def site_api(page: Site) -> Response:
    return page.json()


# ----------------------------------------------------------------------------- findings


def findings_context(request: Request, web: State, session: Db, who: Current, latest: Latest) -> Context:
    chosen = filters(request, ("kind", "severity", "site", "state", "section"))
    if chosen["site"]:
        visible_site(chosen["site"], web, who)
    open_only = request.query_params.get("resolved") != "1"
    rows = store.checks.findings(session, institution_key=web.config.institution.id, open_only=open_only)
    return pages.findings(latest, rows, who, chosen)


Findings = Annotated[Context, Depends(findings_context)]


@router.get("/findings", include_in_schema=False)
def findings_page(request: Request, context: Findings) -> HTMLResponse:
    return render(request, "findings.html", context)


@router.get("/api/findings", summary="问题清单（?kind=&severity=&site=&state=&section=&resolved=1）")
def findings_api(context: Findings) -> Context:
    return context


@router.post("/findings/ack", include_in_schema=False)
def acknowledge(web: State, session: Db, who: Current, fields: Form) -> RedirectResponse:
    """Acknowledge an open finding the viewer may see, with a note; who and when are kept."""
    key, note = fields.get("key", ""), fields.get("note", "").strip()[:500]
    if not who.can_ack:
        raise HTTPException(403, "当前角色不能确认问题")
    institution = web.config.institution.id
    rows = store.checks.findings(session, institution_key=institution)
    if not any(row.key == key and who.sees(row.site) for row in rows):
        raise HTTPException(404, "没有这个待处理的问题")
    now = dt.datetime.now(dt.UTC)
    store.checks.acknowledge(session, institution_key=institution, key=key, by=who.name, note=note, now=now)
    return RedirectResponse("/findings", status_code=303)


# ----------------------------------------------------------------------------- statistics


def _day(request: Request, name: str) -> dt.date | None:
    value = request.query_params.get(name)
    try:
        return stats.parse_day(value) if value else None
    except ValueError:
        first, last = stats.FIRST_DAY, stats.LAST_DAY
        raise HTTPException(400, f"{name} 应为 {first} 至 {last} 之间、YYYY-MM-DD 格式的日期") from None


def stats_tables(request: Request, web: State, session: Db, who: Current) -> stats.StatsTables:
    start, end = _day(request, "from"), _day(request, "to")
    if start is None or end is None:
        start, end = stats.statistics_year(web.config.institution.year_start, today=web.today())
    if start > end:
        raise HTTPException(400, "起始日期晚于结束日期")
    tables = checks.period_tables(session, web.config, start=start, end=end)
    return detail.visible_tables(tables, who)


Tables = Annotated[stats.StatsTables, Depends(stats_tables)]


@router.get("/stats", include_in_schema=False)
def stats_page(request: Request, tables: Tables) -> HTMLResponse:
    return render(request, "stats.html", detail.statistics(tables))


@router.get("/api/stats", summary="年度报告统计表（?from=YYYY-MM-DD&to=YYYY-MM-DD）")
def stats_api(tables: Tables) -> Context:
    return detail.statistics(tables)


@router.get("/stats.csv", summary="统计表导出为 CSV")
def stats_csv(tables: Tables) -> Response:
    return _download(stats.to_csv(tables).encode("utf-8-sig"), tables, "csv", "text/csv; charset=utf-8")


@router.get("/stats.xlsx", summary="统计表导出为 XLSX")
def stats_xlsx(tables: Tables) -> Response:
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(stats.to_xlsx(tables), tables, "xlsx", kind)


def _download(data: bytes, tables: stats.StatsTables, ext: str, media_type: str) -> Response:
    name = f"xxgk-stats-{tables.start.isoformat()}-{tables.end.isoformat()}.{ext}"
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
