"""The dashboard's application factory: routes, templates, static assets, headers and error pages.

``create_app(config=..., db_url=..., secret=...)`` gives a FastAPI app; ``xxgk serve`` runs it
under uvicorn. Pages are server-rendered (Jinja2, autoescaped: every crawled string is
untrusted) and work without JavaScript; each has a JSON twin under ``/api/``, described by the
OpenAPI document at ``/api/openapi.json`` and rendered as a page at ``/api/docs``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor import __version__, store
from monitor.config import Config
from monitor.deployment import Deployment
from monitor.reports import labels
from monitor.web import auth, regulator, runs, tenancy, views
from monitor.web import requests as register_pages
from monitor.web.context import JudgementCache
from monitor.web.deps import Current, LoginRequired, WebState
from monitor.web.security import HEADERS, Signer

HERE = Path(__file__).parent
#: Requests inside the app at once (:class:`InFlightLimit`): under the database pool's 15
#: connections (5 + 10 overflow), with room for the background judgement's own session.
IN_FLIGHT = 8
ROLES = {"admin": "管理员", "office": "学校办公室", "department": "部门", "viewer": "只读"}


class SecurityHeaders:
    """The CSP (no inline scripts) and the other security headers, on every response.

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware ran each request through an extra
    task and stream, a sixth of the overview's CPU under load (bench/README.md).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = not scope["path"].startswith("/static/")  # pages hold one user's data

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(HEADERS)
                if private and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class InFlightLimit:
    """At most ``limit`` requests inside the app at once; the others wait here, in the event loop.

    A request takes a database connection in its first dependency and keeps it until its view
    has run, and each step waits for a worker thread in between. Unbounded, 200 requests at once
    held the pool's 15 connections while they waited for threads, and the threads waited for
    connections: half of them ended in QueuePool timeouts (500) after 30 s. Waiting here costs a
    coroutine, not a thread or a connection, and two cores gain nothing from more requests at
    once. Static assets touch no database and pass by.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        if self._slots is None:  # made in the server's event loop
            self._slots = asyncio.Semaphore(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)


def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=HERE / "templates")
    found.env.autoescape = True
    found.env.auto_reload = False  # the templates ship with the code: no stat() per page view
    found.env.globals.update(L=labels, version=__version__, roles=ROLES)
    found.env.filters["link"] = safe_href
    return found


def safe_href(url: object) -> str | None:
    """A crawled URL fit for href: only http(s), never ``javascript:`` or ``data:``."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else None


def create_app(
    *,
    config: Config | None = None,
    db_url: str,
    secret: str,
    https: bool = False,
    deployment: Deployment | None = None,
    institutions: Sequence[str] = (),
) -> FastAPI:
    """The dashboard on `db_url` (a database at head), signing sessions with `secret`: of one
    institution (`config`), or of a deployment's (those of `institutions`, default every one)
    with the regulator's view (``/regulator``) and each institution's pages."""
    configs = deployment.select(institutions) if deployment is not None else ()
    config = config or configs[0]
    engine = store.connect(db_url, create=False)
    store.ensure_current(engine)
    app = FastAPI(
        title="信息公开监测 API",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.web = WebState(
        config=config,
        sessions=store.sessions(engine),
        signer=Signer(secret),
        templates=templates(),
        https=https,
    )
    app.add_middleware(InFlightLimit, limit=IN_FLIGHT)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(auth.router)
    app.include_router(views.router)
    app.include_router(runs.router)
    app.include_router(register_pages.router)
    if deployment is not None:
        app.state.institutions = _institutions(app.state.web, configs, deployment)
        app.include_router(regulator.router)
        app.add_exception_handler(tenancy.ElsewhereRequired, elsewhere)
    app.add_api_route("/api/docs", api_docs, methods=["GET"], include_in_schema=False)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(HTTPException, http_error)
    return app


def _institutions(first: WebState, configs: Sequence[Config], deployment: Deployment) -> tenancy.Institutions:
    """A state per institution, sharing the first's database, signer, templates and login limiter."""
    by_key = {
        c.institution.id: first
        if c is first.config
        else dataclasses.replace(first, config=c, cache=JudgementCache())
        for c in configs
    }
    return tenancy.Institutions(by_key, deployment.regulator, regulator.RankingCache())


async def elsewhere(request: Request, exc: Exception) -> Response:
    """A user of another institution than the one chosen: the same page of its own."""
    assert isinstance(exc, tenancy.ElsewhereRequired)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(target, status_code=303)
    regulator.remember(request, response, exc.institution)
    return response


def api_docs(request: Request, _: Current) -> HTMLResponse:
    """The OpenAPI document as a plain page (Swagger UI would need a CDN and inline scripts)."""
    schema: dict[str, Any] = request.app.openapi()
    routes = [
        {"path": path, "method": method.upper(), "summary": op.get("summary", "")}
        for path, methods in schema.get("paths", {}).items()
        for method, op in methods.items()
    ]
    return views.render(request, "api_docs.html", {"routes": routes, "openapi": "/api/openapi.json"})


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def login_required(request: Request, _: Exception) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": "需要登录"}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "服务器错误"
    if _wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status)
    return views.render(request, "error.html", {"status": status, "detail": detail}, status=status)


def after_fork(app: FastAPI) -> None:
    """In a worker forked after `create_app`: drop the database connections inherited from the
    parent without closing them (SQLAlchemy's ``engine.dispose(close=False)``), so this process
    opens its own and never shares a connection with another."""
    engine = app.state.web.sessions.kw["bind"]
    engine.dispose(close=False)
