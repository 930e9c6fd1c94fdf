"""The demo campus as a raw ASGI application: every site, with its behaviour, on one app.

The site is the one whose loopback address received the connection (``scope["server"]``).
Rendered pages are cached per route and dropped when the campus version changes. Behaviours:
robots.txt is always served; a ``blocked`` site answers 403 with an anti-bot page; a ``login``
site redirects every path to ``/cas/login`` unless the request carries :data:`SESSION_COOKIE`;
the list pages of a ``flaky`` column answer 503 to their first two requests; lists and articles
answer conditional GETs (``If-None-Match``, ``If-Modified-Since``) with 304. Every request is
logged (site, method, path with query, status) so that tests can count what a crawler asked for.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from monitor.demo import render
from monitor.demo.model import DemoCampus, DemoSite
from monitor.demo.render import Rendered
from monitor.demo.routes import LOGIN_PATH, Route, SiteIndex, build_index, resolve

#: The cookie that opens the login-walled (OA) site, as a ``Cookie`` header value.
SESSION_COOKIE = "XXGK_DEMO_SESSION=letmein"
FLAKY_FAILURES = 2

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Logged:
    """One request a site received: ``target`` is the path with its query, as sent."""

    site: str  # the site id, or the address when no site listens there
    method: str
    target: str
    status: int


@dataclass(frozen=True)
class Request:
    ip: str
    port: int
    method: str
    path: str
    query: str
    headers: dict[str, str]

    @classmethod
    def from_scope(cls, scope: Scope) -> Request:
        host, port = scope["server"]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope["query_string"].decode("latin-1")
        return cls(host, port, scope["method"], scope["path"], query, headers)

    @property
    def has_session(self) -> bool:
        cookies = (part.strip() for part in self.headers.get("cookie", "").split(";"))
        return SESSION_COOKIE in cookies


class DemoApp:
    """Serves a :class:`DemoCampus`; one instance per server run (it counts flaky attempts)."""

    def __init__(self, campus: DemoCampus, *, record: bool = True) -> None:
        self.campus = campus
        self.record = record  # off for long runs by hand (the benchmarks send millions)
        self._sites = {site.ip: site for site in campus.sites()}
        self._version = -1
        self._indexes: dict[str, SiteIndex] = {}
        self._cache: dict[tuple[str, Route], Rendered] = {}
        self._attempts: Counter[tuple[str, str, str]] = Counter()
        self.log: list[Logged] = []  # appended from the server's one event loop thread

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request.from_scope(scope)
        page = self.respond(request)
        headers, body = page.headers, page.body
        modified = page.status == 200 and _not_modified(page, request.headers)
        self._log(request, 304 if modified else page.status)
        if modified:
            headers, body = tuple(h for h in headers if h[0] in (b"etag", b"last-modified")), b""
            await send({"type": "http.response.start", "status": 304, "headers": headers})
        else:
            await send({"type": "http.response.start", "status": page.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def respond(self, request: Request) -> Rendered:
        """The response to a request, before conditional GET is applied."""
        self._sync()
        site = self._sites.get(request.ip)
        if site is None:
            return render.error(404)
        if request.method not in ("GET", "HEAD"):
            return render.error(405)
        if request.path == "/robots.txt":
            return self._page(site, Route("robots"))
        if site.behaviour == "blocked":
            return _blocked()
        if site.behaviour == "login" and not request.has_session:
            return _login(site, request)
        route = resolve(self._indexes[site.id], request.path, request.query)
        if route is None:
            return render.error(404)
        if route.kind == "list" and site.column(route.column).behaviour == "flaky":
            key = (site.id, request.path, request.query)
            self._attempts[key] += 1
            if self._attempts[key] <= FLAKY_FAILURES:
                return render.error(503)
        return self._page(site, route)

    def _log(self, request: Request, status: int) -> None:
        if not self.record:
            return
        site = self._sites.get(request.ip)
        target = request.path + (f"?{request.query}" if request.query else "")
        self.log.append(Logged(site.id if site else request.ip, request.method, target, status))

    def _sync(self) -> None:
        version = self.campus.version
        if version != self._version:
            self._indexes = {site.id: build_index(site) for site in self.campus.sites()}
            self._cache.clear()
            self._version = version

    def _page(self, site: DemoSite, route: Route) -> Rendered:
        key = (site.id, route)
        page = self._cache.get(key)
        if page is None:
            page = self._cache[key] = render.render(self.campus, site, route)
        return page


def _not_modified(page: Rendered, headers: dict[str, str]) -> bool:
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or page.etag in tags
    since = headers.get("if-modified-since")
    if since is None or page.last_modified is None:
        return False
    try:
        return page.last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def _blocked() -> Rendered:
    return render.respond(403, render.plain_page("blocked.html"), "text/html; charset=utf-8")


def _login(site: DemoSite, request: Request) -> Rendered:
    """The 统一身份认证 form at /cas/login; a 302 to it from everywhere else."""
    origin = f"http://{site.ip}:{request.port}"
    if request.path == LOGIN_PATH:
        service = request.query.partition("service=")[2]
        body = render.plain_page("cas_login.html", service=service, ticket=zlib.crc32(service.encode()))
        return render.respond(200, body, "text/html; charset=utf-8")
    target = origin + request.path + (f"?{request.query}" if request.query else "")
    location = f"{origin}{LOGIN_PATH}?service={quote(target, safe='')}"
    return render.respond(302, b"", "text/html", extra=(("location", location),))
