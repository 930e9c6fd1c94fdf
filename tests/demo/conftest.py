"""Fixtures for the demo campus tests: a campus on a fixed day, served on a free port, and a
plain HTTP client (http.client, no redirects followed) to look at exactly what the server says."""

from __future__ import annotations

import datetime as dt
import http.client
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html
import pytest

from monitor.demo import DemoCampus, DemoServer, build_campus

TODAY = dt.date(2026, 11, 26)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def doc(self, encoding: str | None = None) -> lxml.html.HtmlElement:
        """The parsed page; pass ``encoding`` to override what the page declares (it may lie)."""
        if encoding is not None:
            return lxml.html.document_fromstring(self.body.decode(encoding))
        return lxml.html.document_fromstring(self.body)


_CONNECTIONS: dict[tuple[str, int], http.client.HTTPConnection] = {}
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Reply:
    """One request on a kept-alive connection; redirects are returned, not followed."""
    parts = urlsplit(url)
    key = (parts.hostname or "", parts.port or 80)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    for attempt in (1, 2):
        conn = _CONNECTIONS.get(key) or http.client.HTTPConnection(*key, timeout=10)
        _CONNECTIONS[key] = conn
        try:
            conn.request(method, target, headers=headers or {})
            response = conn.getresponse()
            body = response.read()
        except _STALE:
            conn.close()
            del _CONNECTIONS[key]
            if attempt == 2:
                raise
            continue
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    raise AssertionError("unreachable")


def fetch_ok(url: str) -> Reply:
    """GET, retrying the flaky column's 503s (two per page) like a crawler does."""
    for _ in range(3):
        reply = fetch(url)
        if reply.status != 503:
            return reply
    return reply


@pytest.fixture(scope="session")
def campus() -> DemoCampus:
    """The small campus on TODAY; never mutated (tests that publish build their own)."""
    return build_campus(today=TODAY)


@pytest.fixture(scope="session")
def server(campus: DemoCampus) -> Iterator[DemoServer]:
    with DemoServer(campus) as running:
        yield running


@pytest.fixture
def own_server() -> Iterator[DemoServer]:
    """A fresh campus and server, for tests that publish or count requests."""
    with DemoServer(build_campus(today=TODAY)) as running:
        yield running
