"""The link check, end to end: `xxgk crawl` on a loopback site whose links fail in every way.

A real HTTP server (HEAD and GET, statuses, redirects, a slow answer), the real crawler
subprocess and a real database. Night 1 records each failure with its reason and raises no
finding; night 2 (the first checks moved back a day) checks the failed ones again: the ones
still failing become `broken_link` findings, one that works again is cleared. The counted
requests show each URL asked once a night, HEAD first, GET only where HEAD is refused or the
page is read, and nothing off the configured hosts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from monitor import store
from monitor.cli import main
from monitor.store.models import LinkCheck
from tests.crawler.loopback import ROOT, xxgk

TODAY = dt.date(2026, 11, 26)
DAY = TODAY.isoformat()


def article(title: str, body: str = "<p>正文。</p>") -> bytes:
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>'
        f"<div class='info'>发布时间：{DAY}</div><div class='content'>{body}</div>"
        "<div class='footer'><a href='/footer-only.htm'>网站地图</a></div></body></html>"
    ).encode()


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    kind: str = "text/html; charset=utf-8"
    location: str | None = None
    head: int | None = None  # the HEAD status, when it differs (405: HEAD refused)
    delay: float = 0.0


@dataclass
class Site:
    answers: dict[str, Answer] = field(default_factory=dict)
    seen: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer("GET")

        def do_HEAD(self) -> None:
            self._answer("HEAD")

        def _answer(self, method: str) -> None:
            site.seen.append((method, self.path))
            if self.path == "/robots.txt":
                answer = Answer(body=b"User-agent: *\nDisallow: /private/\n", kind="text/plain")
            else:
                answer = site.answers.get(self.path, Answer(404, b"<html><body>404 Not Found</body></html>"))
            time.sleep(answer.delay)
            status = answer.head if method == "HEAD" and answer.head else answer.status
            self.send_response(status)
            self.send_header("Content-Type", answer.kind)
            self.send_header("Content-Length", str(len(answer.body)))
            if answer.location:
                self.send_header("Location", answer.location)
            self.end_headers()
            if method == "GET":
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a GET cut at the headers
                    self.wfile.write(answer.body)

        def log_message(self, *_: object) -> None:
            pass

    return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))
    server.daemon_threads = True
    served.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


#: Path → the reason its check gives.
TRAPS = {
    "/a/gone.htm": "gone",
    "/a/deleted.htm": "soft_404",
    "/a/login.htm": "auth_required",
    "/f/missing.pdf": "not_found",
    "/f/broken.xlsx": "server_error",
    "/f/slow.pdf": "timeout",
}


def build(site: Site) -> None:
    links = (
        '<a href="/f/ok.pdf">附件1</a> <a href="/f/nohead.docx">附件2</a> <a href="/f/missing.pdf">附件3</a>'
        ' <a href="/f/broken.xlsx">附件4</a> <a href="/f/slow.pdf">附件5</a> <a href="/f/html.pdf">附件6</a>'
        ' <a href="http://elsewhere.example.org/x.pdf">外部</a> <a href="/private/p.pdf">内部</a>'
        ' <a href="#top">顶部</a> <a href="mailto:a@b.cn">邮件</a>'
    )
    titles = {
        "/a/ok.htm": ("关于开展工作的通知", article("关于开展工作的通知", links)),
        "/a/gone.htm": ("已删除的通知", b""),
        "/a/deleted.htm": ("软删除的通知", article("页面不存在", "<p>您访问的页面不存在</p>")),
        "/a/login.htm": ("内网通知", b""),
    }
    rows = "".join(
        f'<li><a href="{path}">{title}</a><span>{DAY}</span></li>' for path, (title, _) in titles.items()
    )
    site.answers.update(
        {
            "/list.htm": Answer(
                body=f'<html><body><div class="list"><ul>{rows}</ul></div></body></html>'.encode()
            ),
            "/a/ok.htm": Answer(body=titles["/a/ok.htm"][1]),
            "/a/gone.htm": Answer(410, b"<html><body>Gone</body></html>"),
            "/a/deleted.htm": Answer(body=titles["/a/deleted.htm"][1]),
            "/a/login.htm": Answer(302, location=site.url("/cas/login?service=x")),
            "/f/ok.pdf": Answer(body=b"%PDF-1.4 ok", kind="application/pdf"),
            "/f/nohead.docx": Answer(body=b"PK docx", kind="application/octet-stream", head=405),
            "/f/broken.xlsx": Answer(500, b"<html><body>error</body></html>"),
            "/f/slow.pdf": Answer(body=b"%PDF", kind="application/pdf", delay=4.0),
            "/f/html.pdf": Answer(
                body=b"<html><head><title>404</title></head><body><h1>404 Not Found</h1></body></html>"
            ),
        }
    )


def config(tmp_path: Path, site: Site) -> Path:
    text = "\n".join(
        [
            "institution: {id: t, name: 测试大学, timezone: Asia/Shanghai, contact: t@example.edu.cn}",
            f"checklist: {ROOT / 'config' / 'checklist.yaml'}",
            "crawl: {obey_robots: true, per_host_concurrency: 2, delay_seconds: 0, max_pages_per_column: 5,",
            "        retries: 0, retry_backoff_seconds: 0.01, request_timeout_seconds: 2}",
            "checks: {link_recheck_days: 30}",
            "mail: {office: [o@example.edu.cn]}",
            "campuses:",
            "  - {id: main, name: 校本部, sites: [{id: s, name: 测试站, url: s.example.edu.cn, columns: [",
            f"      {{id: c, name: 通知公告, kind: notice, url: '{site.url('/list.htm')}'}}]}}]}}",
            "",
        ]
    )
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def checks_by_path(db_url: str, site: Site) -> dict[str, LinkCheck]:
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            rows = session.scalars(sa.select(LinkCheck)).all()
            return {row.url.removeprefix(site.url("")): row for row in rows}
    finally:
        engine.dispose()


def back_a_day(db_url: str) -> None:
    """Make every check look a night old (the next night's crawl checks the failed ones again)."""
    engine = store.connect(db_url)
    try:
        with store.sessions(engine).begin() as session:
            for row in session.scalars(sa.select(LinkCheck)):
                if row.checked_at is not None:
                    row.checked_at -= dt.timedelta(days=1)
    finally:
        engine.dispose()


def findings(path: Path, db_url: str) -> dict[str, dict[str, object]]:
    result = CliRunner().invoke(main, ["--config", str(path), "--db", db_url, "check", "--format", "json"])
    assert result.exit_code == 0, result.output
    return {f["key"]: f for f in json.loads(result.stdout)["findings"]}


def test_links_are_checked_politely_and_a_finding_needs_two_nights(
    tmp_path: Path, site: Site, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    build(site)
    path = config(tmp_path, site)
    assert xxgk(path, db_url, "init")[0] == 0
    code, out = xxgk(path, db_url, "crawl")
    assert code == 0, out

    checked = checks_by_path(db_url, site)
    for trap, reason in TRAPS.items():
        assert (checked[trap].reason, checked[trap].failures) == (reason, 1), trap
    assert checked["/f/html.pdf"].reason == "soft_404"  # an attachment answered with a "404" page
    for fine in ("/a/ok.htm", "/f/ok.pdf", "/f/nohead.docx"):
        assert (checked[fine].reason, checked[fine].failures) == ("ok", 0), fine
    assert checked["/private/p.pdf"].reason == "robots_disallowed"
    assert checked["/private/p.pdf"].failures == 0  # not looked at: not broken
    assert not any("elsewhere" in url or "footer-only" in url for url in checked)  # off the hosts; a footer
    assert checked["/f/missing.pdf"].page_url == site.url("/a/ok.htm")

    asked = [(m, p) for m, p in site.seen if p != "/robots.txt"]
    assert ("HEAD", "/f/ok.pdf") in asked
    assert ("GET", "/f/ok.pdf") not in asked  # HEAD sufficed
    assert asked.count(("HEAD", "/f/nohead.docx")) == 1
    assert asked.count(("GET", "/f/nohead.docx")) == 1  # HEAD refused (405): GET, stopped at the headers
    assert asked.count(("GET", "/a/ok.htm")) == 1  # the page is read once, for its links
    assert not any(p.startswith("/private/") for _, p in asked)  # robots.txt
    assert not any(k.startswith("broken_link:") for k in findings(path, db_url))  # one night is not enough

    # a crawl again the same night checks nothing again
    site.seen.clear()
    assert xxgk(path, db_url, "crawl")[0] == 0
    assert [p for _, p in site.seen if p != "/robots.txt"] == ["/list.htm"]

    # the next night: the missing attachment is back; the others still fail
    back_a_day(db_url)
    site.answers["/f/missing.pdf"] = Answer(body=b"%PDF-1.4", kind="application/pdf")
    site.seen.clear()
    assert xxgk(path, db_url, "crawl")[0] == 0
    again = {p for _, p in site.seen if p != "/robots.txt"}
    assert again == {"/list.htm", *TRAPS, "/f/html.pdf"}  # the failed ones only
    found = findings(path, db_url)
    broken = {
        k.removeprefix(f"broken_link:s/{site.url('')}"): f
        for k, f in found.items()
        if k.startswith("broken_link:")
    }
    assert set(broken) == (set(TRAPS) - {"/f/missing.pdf"}) | {"/f/html.pdf"}
    slow = broken["/f/slow.pdf"]
    assert slow["detail"]["url"] == site.url("/f/slow.pdf")  # type: ignore[index]
    assert slow["detail"]["reason"] == "timeout"  # type: ignore[index]
    assert slow["site"] == "s"
    assert "broken_link_rate:s" in found  # 7 of 10 checked links
