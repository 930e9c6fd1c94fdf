"""A tiny site on 127.0.0.1 for crawl tests: fixed pages, redirects, and a log of every request.

The demo campus (monitor.demo) is the end-to-end fixture; this one is for the cases a test
wants to state in a few lines: a robots.txt, a redirect, a page that fails now and then. The
server records each request's path, so a test can say exactly what the crawler asked for.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Site:
    """What the server answers: ``pages`` by path (bytes, HTML), ``redirects`` path → Location."""

    pages: dict[str, bytes] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    robots: str = "User-agent: *\nDisallow:\n"
    robots_status: int = 200
    #: Seconds to wait before answering, by path.
    delays: dict[str, float] = field(default_factory=dict)
    #: Fraction of requests (robots.txt excluded) answered 503, from a seeded generator.
    flaky: float = 0.0
    seed: int = 0
    seen: list[str] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self, *, robots: bool = False) -> list[str]:
        """The paths asked for, in order; robots.txt only when ``robots``."""
        return [p for p in self.seen if robots or p != "/robots.txt"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def _handler(site: Site, lock: threading.Lock, draw: Callable[[], float]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(site.delays.get(self.path, 0.0))
            with lock:
                site.seen.append(self.path)
                fail = self.path != "/robots.txt" and draw() < site.flaky
            if fail:
                self._send(503, b"<html><body><h1>503 Service Unavailable</h1></body></html>", "text/html")
            elif self.path == "/robots.txt":
                self._robots()
            elif self.path in site.redirects:
                self._send(302, b"", "text/html", location=site.redirects[self.path])
            elif self.path in site.pages:
                self._send(200, site.pages[self.path], "text/html; charset=utf-8")
            else:
                self._send(404, b"<html><body>not found</body></html>", "text/html")

        def _robots(self) -> None:
            if site.robots_status == 200:
                self._send(200, site.robots.encode("ascii"), "text/plain")
            else:
                self._send(site.robots_status, b"<html><body>error</body></html>", "text/html")

        def _send(self, status: int, body: bytes, kind: str, *, location: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    return Handler


@contextmanager
def serving(site: Site) -> Iterator[Site]:
    """Serve ``site`` on a free port of 127.0.0.1 for the duration of the block."""
    lock = threading.Lock()
    server = _Server(("127.0.0.1", 0), _handler(site, lock, random.Random(site.seed).random))
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def config_yaml(site: Site, columns: Mapping[str, Mapping[str, object]], *, retries: int = 3) -> str:
    """An institution ``t`` with one site ``s`` holding ``columns`` (id → extra keys, ``url`` a path)."""
    lines = [
        "institution: {id: t, name: 测试大学, timezone: Asia/Shanghai, contact: t@example.edu.cn}",
        f"checklist: {ROOT / 'config' / 'checklist.yaml'}",
        "crawl: {obey_robots: true, per_host_concurrency: 2, delay_seconds: 0, max_pages_per_column: 50,",
        f"        retries: {retries}, retry_backoff_seconds: 0.01}}",
        "mail: {office: [o@example.edu.cn]}",
        "checks: {link_checks: false}",  # these tests count the column crawl's own requests
        "campuses:",
        "  - {id: main, name: 校本部, sites: [{id: s, name: 测试站, url: s.example.edu.cn, columns: [",
    ]
    for column_id, keys in columns.items():
        extra = {"name": column_id, "kind": "notice", **keys, "url": site.url(str(keys["url"]))}
        body = ", ".join(f"{key}: {value}" for key, value in extra.items())
        lines.append(f"      {{id: {column_id}, {body}}},")
    lines.append("    ]}]}")
    return "\n".join(lines) + "\n"


def xxgk(config: Path, db_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--db", db_url, *args])
    return result.exit_code, result.stdout + result.stderr


def list_page(rows: list[tuple[str, str, str]], *, next_path: str | None = None) -> bytes:
    """A plain list page: (href, title, date text) rows in a ``ul``, and a 下一页 link."""
    items = "".join(f'<li><a href="{href}">{title}</a><span>{day}</span></li>' for href, title, day in rows)
    pager = f'<div class="pager"><a href="{next_path}">下一页</a></div>' if next_path else ""
    html = (
        '<html><head><meta charset="utf-8"><title>通知公告</title></head><body>'
        f'<div class="nav"><a href="/">首页</a></div><div class="list"><ul>{items}</ul>{pager}</div>'
        "</body></html>"
    )
    return html.encode("utf-8")


def article_page(title: str, day: str) -> bytes:
    html = (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>'
        f"<div class='info'>发布时间：{day}</div><div class='content'><p>正文。</p></div></body></html>"
    )
    return html.encode("utf-8")
