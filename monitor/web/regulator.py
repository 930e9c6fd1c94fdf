"""The regulator's view: every institution ranked by its disclosure score, with the trend.

``/regulator`` (and ``/api/regulator``) ranks the institutions the viewer may see (a regulator:
every one; a user of an institution: its own) by `monitor.score` of their latest stored check,
with the score of each of the last :data:`TREND_DAYS` days' checks. Nothing is judged here:
the store's check summaries are read, and the ranking is kept until a new check is stored (or
the day changes). ``/institutions/ID`` opens an institution's own pages (the choice is kept in
a cookie, `monitor.web.tenancy`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from monitor import score
from monitor.store import regulator as stored
from monitor.web import tenancy
from monitor.web.context import iso
from monitor.web.deps import Current, Db, State
from monitor.web.security import SESSION_SECONDS
from monitor.web.views import render

router = APIRouter()
Context = dict[str, Any]
TREND_DAYS = 14
PER_PAGE = 100


@dataclass
class RankingCache:
    """The ranking of every institution, made once per (newest stored check, day)."""

    _kept: dict[tuple[int | None, dt.date], Context] = field(default_factory=dict)
    _pages: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def ranking(self, key: tuple[int | None, dt.date], build: Any) -> Context:
        with self._lock:  # one build at a time; the others wait for it
            if key not in self._kept:
                self._kept = {key: build()}
                self._pages = {}
            return self._kept[key]

    def page(self, key: tuple[Any, ...], build: Any) -> Any:
        found = self._pages.get(key)
        if found is None:
            found = self._pages[key] = build()
        return found


def _served(request: Request) -> tenancy.Institutions:
    served: tenancy.Institutions | None = getattr(request.app.state, "institutions", None)
    if served is None:
        raise HTTPException(404, "没有这个页面")
    return served


def ranking(served: tenancy.Institutions, session: Any, *, today: dt.date) -> Context:
    """Every served institution, ranked: best score first, unchecked ones last."""
    since = today - dt.timedelta(days=TREND_DAYS - 1)
    found = stored.recent_checks(session, institution_keys=served.by_key, since=since)
    rows = [_row(web.config, found.get(key, [])) for key, web in served.by_key.items()]
    rows.sort(key=lambda row: (row["score"] is None, -(row["score"] or 0), row["id"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank if row["score"] is not None else None
    regulator = served.regulator.regulator if served.regulator is not None else None
    return {
        "regulator": {"id": regulator.id, "name": regulator.name} if regulator is not None else None,
        "at": today.isoformat(),
        "since": since.isoformat(),
        "institutions": rows,
    }


def _row(config: Any, checks: list[stored.StoredCheck]) -> Context:
    latest = checks[-1] if checks else None
    scored = score.score(latest.summary) if latest is not None else None
    values = [score.score(c.summary).value for c in checks]
    trend = [{"at": c.at.isoformat(), "score": value} for c, value in zip(checks, values, strict=True)]
    first = values[0] if values else None
    now = scored.value if scored is not None else None
    return {
        "id": config.institution.id,
        "name": config.institution.name,
        "score": now,
        "change": round(now - first, 1) if now is not None and first is not None else None,
        "components": scored.as_dict() if scored is not None else None,
        "check": None
        if latest is None
        else {"id": latest.check_id, "at": latest.at.isoformat(), "created_at": iso(latest.created_at)},
        "trend": trend,
        "open": f"/institutions/{config.institution.id}",
    }


def regulator_context(request: Request, web: State, session: Db, who: Current) -> Context:
    """The ranking as the viewer may see it, one page of it (?page=N, 100 institutions a page)."""
    served = _served(request)
    today = web.today()
    key = (stored.newest_check_id(session), today)
    full = served.ranking.ranking(key, lambda: ranking(served, session, today=today))
    keys = set(tenancy.visible(request, who.institution))
    rows = full["institutions"] if who.institution is None else [
        row for row in full["institutions"] if row["id"] in keys
    ]  # fmt: skip
    pages = max(1, math.ceil(len(rows) / PER_PAGE))
    page = _page(request, pages)
    shown = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    checked = sum(1 for row in rows if row["score"] is not None)
    counts = {"institutions": len(rows), "checked": checked}
    return {**full, "institutions": shown, "counts": counts, "page": page, "pages": pages,
            "cache": (key, who.institution, page)}  # fmt: skip


def _page(request: Request, pages: int) -> int:
    value = request.query_params.get("page", "1")
    if not value.isdigit() or not 1 <= int(value) <= pages:
        raise HTTPException(400, f"page 应为 1 至 {pages} 之间的整数")
    return int(value)


Ranking = Annotated[Context, Depends(regulator_context)]


@router.get("/regulator", include_in_schema=False)
def regulator_page(request: Request, context: Ranking) -> HTMLResponse:
    served = _served(request)
    body = served.ranking.page(("html", *context["cache"]), lambda: _table(request, context))
    return render(request, "regulator.html", _public(context), table=body)


def _table(request: Request, context: Context) -> Markup:
    web = request.app.state.web
    html = web.templates.get_template("regulator_table.html").render(ctx=context, spark=sparkline)
    return Markup(html)  # noqa: S704 - rendered with autoescape on: every value is escaped


@router.get("/api/regulator", summary="监管总览：各学校信息公开得分排名与近 14 天趋势（?page=N）")
def regulator_api(request: Request, context: Ranking) -> Response:
    served = _served(request)
    body = served.ranking.page(("json", *context["cache"]), lambda: _json(context))
    return Response(body, media_type="application/json")


def _json(context: Context) -> bytes:
    return json.dumps(_public(context), ensure_ascii=False, separators=(",", ":")).encode()


def _public(context: Context) -> Context:
    return {k: v for k, v in context.items() if k != "cache"}


def sparkline(trend: list[dict[str, Any]]) -> Markup:
    """The trend's scores as a small SVG line (0 to 100 from bottom to top), or nothing."""
    points = [(i, row["score"]) for i, row in enumerate(trend) if row["score"] is not None]
    if len(points) < 2:
        return Markup("")
    width, height, last = 120, 24, max(len(trend) - 1, 1)
    path = " ".join(f"{i * width / last:.1f},{height - value * height / 100:.1f}" for i, value in points)
    return Markup(  # noqa: S704 - numbers only
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-hidden="true"><polyline points="{path}"/></svg>'
    )


@router.get("/institutions/{key}", include_in_schema=False)
def open_institution(request: Request, key: str, who: Current) -> RedirectResponse:
    """Open an institution's own pages: remember the choice, then go to its overview."""
    served = _served(request)
    if key not in served.by_key or key not in tenancy.visible(request, who.institution):
        raise HTTPException(404, "没有这个学校")
    response = RedirectResponse("/", status_code=303)
    remember(request, response, key)
    return response


def remember(request: Request, response: Response, key: str) -> None:
    """Keep the chosen institution in its cookie (a preference, checked on every request)."""
    https = request.app.state.web.https
    response.set_cookie(
        tenancy.COOKIE, key, max_age=SESSION_SECONDS, path="/", httponly=True, samesite="lax", secure=https
    )
