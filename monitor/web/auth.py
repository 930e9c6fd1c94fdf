"""Logging in and out: the login form, its rate limit, and the session cookie."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from monitor.store import users
from monitor.web import tenancy
from monitor.web.deps import Db, Form, State, WebState, session_data
from monitor.web.security import COOKIE, SESSION_SECONDS, SessionData, verify_password
from monitor.web.views import render

router = APIRouter(include_in_schema=False)


def set_session(response: Response, web: WebState, data: SessionData) -> None:
    response.set_cookie(
        COOKIE,
        web.signer.dump(data),
        max_age=SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=web.https,
    )


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another origin (`//evil`, `https://…`, `/\\evil`)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, web: State) -> HTMLResponse:
    found = session_data(request, web)
    data = found or SessionData.fresh()
    context = {"next": _safe_next(request.query_params.get("next")), "error": None}
    response = render(request, "login.html", context, csrf=data.csrf)
    if found is None:  # signing a live session again would restart its lifetime
        set_session(response, web, data)
    return response


@router.post("/login")
def login(request: Request, web: State, session: Db, fields: Form) -> Response:
    """Check the password; after 5 failures per (name, address) in 5 minutes, answer 429 for a while."""
    name, password = fields.get("username", "").strip(), fields.get("password", "")
    key = (name, request.client.host if request.client else "")
    target = _safe_next(fields.get("next"))
    if web.limiter.blocked(key):
        return _refused(request, web, target, "登录失败次数过多，请 5 分钟后再试", 429)
    row = users.get_user(session, name=name) if name else None
    stored = row.password_hash if row is not None and not row.disabled else None
    if not verify_password(stored, password):
        web.limiter.failed(key)
        return _refused(request, web, target, "用户名或密码错误", 401)
    web.limiter.succeeded(key)
    served = getattr(request.app.state, "institutions", None)
    if served is not None and served.many and row is not None and row.institution is None and target == "/":
        target = "/regulator"  # a regulator starts from the ranking
    response = RedirectResponse(target, status_code=303)
    set_session(response, web, SessionData.fresh(name))  # a new token: no session fixation
    if (
        served is not None
        and row is not None
        and row.institution is not None
        and row.institution in served.by_key
    ):
        response.set_cookie(
            tenancy.COOKIE, row.institution, max_age=SESSION_SECONDS, path="/", httponly=True,
            samesite="lax", secure=web.https,
        )  # fmt: skip
    return response


def _refused(request: Request, web: WebState, target: str, error: str, status: int) -> HTMLResponse:
    data = session_data(request, web)
    if data is None:
        raise HTTPException(403, "会话已失效")
    return render(request, "login.html", {"next": target, "error": error}, status=status, csrf=data.csrf)


@router.post("/logout")
def logout(web: State, _: Form) -> RedirectResponse:
    response = RedirectResponse("/login", status_code=303)
    set_session(response, web, SessionData.fresh())
    return response
