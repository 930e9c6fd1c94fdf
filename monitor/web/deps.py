"""What every view needs: the app's state, a database session, the viewer, a CSRF-checked form.

A view depends on these; an anonymous visitor of an HTML page is sent to the login form, of an
API route answered 401. Forms are parsed by Starlette (``request.form()``, python-multipart),
after their declared length is checked: at most 64 KiB, and no file uploads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates

from monitor import store
from monitor.config import Config
from monitor.store import users
from monitor.web import tenancy
from monitor.web.context import ALL_SITES, Judged, JudgementCache, Viewer
from monitor.web.security import COOKIE, RateLimiter, SessionData, Signer, csrf_ok

if TYPE_CHECKING:
    from sqlalchemy.orm import sessionmaker

MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 100
CSRF_FAILED = "表单已失效（CSRF 校验失败），请刷新页面后重试"


@dataclass
class WebState:
    config: Config
    sessions: sessionmaker[store.Session]
    signer: Signer
    templates: Jinja2Templates
    https: bool
    limiter: RateLimiter = field(default_factory=RateLimiter)
    cache: JudgementCache = field(default_factory=JudgementCache)

    def today(self) -> dt.date:
        return dt.datetime.now(self.config.institution.tz).date()


class LoginRequired(Exception):
    """No valid session: HTML pages redirect to the login form, the API answers 401."""


async def state(request: Request) -> WebState:
    """The state of the institution the request is about (async: a lookup, not worth a worker
    thread); a dashboard of several institutions chooses one per request (`tenancy.choose`)."""
    found: WebState = request.app.state.web
    return tenancy.choose(request, found)


State = Annotated[WebState, Depends(state)]


def db(web: State) -> Iterator[store.Session]:
    with web.sessions.begin() as session:
        yield session


#: Scope "function": the transaction commits before the response leaves (a redirect after a POST
#: must find the change), and an HTTP error raised by the view rolls it back.
Db = Annotated[store.Session, Depends(db, scope="function")]


def session_data(request: Request, web: State) -> SessionData | None:
    return web.signer.load(request.cookies.get(COOKIE))


def viewer(request: Request, web: State, session: Db) -> Viewer:
    data = session_data(request, web)
    row = users.get_user(session, name=data.user) if data is not None and data.user else None
    if data is None or row is None or row.disabled:
        raise LoginRequired
    tenancy.check(request, web, row.institution)
    found = Viewer(
        name=row.name,
        role=row.role,
        sites=None if row.role in ALL_SITES else frozenset(row.sites),
        csrf=data.csrf,
        institution=row.institution,
    )
    request.state.viewer = found
    return found


Current = Annotated[Viewer, Depends(viewer)]


def judged(web: State, session: Db, _: Current) -> Judged | None:
    return web.cache.load(session, web.config, today=web.today())


Latest = Annotated[Judged | None, Depends(judged)]


async def form(request: Request, web: State) -> dict[str, str]:
    """The posted form's fields (first value of each); 403 unless it carries the session's CSRF token.

    The length is checked before the body is read: browsers declare it, and a declared length
    is all the server reads (413 above 64 KiB; 411 for a chunked body, which declares none).
    """
    declared = request.headers.get("content-length")
    if declared is None and "transfer-encoding" in request.headers:
        raise HTTPException(411, "表单须声明长度（Content-Length）")
    if int(declared or 0) > MAX_FORM_BYTES:
        raise HTTPException(413, "表单过大")
    posted = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_BYTES)
    fields: dict[str, str] = {}
    for name, value in posted.multi_items():
        if isinstance(value, str):
            fields.setdefault(name, value)
    if not csrf_ok(session_data(request, web), fields.get("csrf")):
        raise HTTPException(403, CSRF_FAILED)
    return fields


Form = Annotated[dict[str, str], Depends(form)]


def visible_site(site_id: str, web: WebState, who: Viewer) -> str:
    """The site id when it exists and the viewer may see it; 404 otherwise (the same answer for both)."""
    if not who.sees(site_id) or site_id not in {s.id for _, s in web.config.sites()}:
        raise HTTPException(404, "没有这个网站")
    return site_id


def filters(request: Request, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: request.query_params.get(name, "") for name in names}
