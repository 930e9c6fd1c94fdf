"""A hostile campus on 127.0.0.1: one column per way a site can cost a crawler its night.

Each case is a path prefix (``/{case}/...``) with what the server does there; :data:`CASES` says
which outcome the crawl must give each column and the error words it must name. The sizes are
arguments (:class:`Sizes`), so the test suite runs small ones above a small config's bounds and
``bench/bench_hostile.py`` full-size ones above the default bounds. The server counts the
requests per case, so a test can say that a hostile column cost a bounded number of them.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli

#: Rows of the normal column: (path, title, date).
NORMAL = [
    (f"/normal/info/{i}.htm", f"正常通知 {i}", f"2026-{1 + i % 11:02d}-{1 + i % 27:02d}") for i in range(30)
]


@dataclass(frozen=True)
class Case:
    """A hostile column: its list path, the outcome it must end with, and words of its error."""

    path: str
    outcome: str
    error: str = ""  # words the stored error must hold ("" when any, or none)


CASES: dict[str, Case] = {
    "big": Case("/big/list.htm", "parse_failed", "page over"),
    "stream": Case("/stream/list.htm", "parse_failed", "page over"),
    "gzip": Case("/gzip/list.htm", "parse_failed", "decompressed"),
    "brotli": Case("/brotli/list.htm", "parse_failed", "decompressed"),
    "drip": Case("/drip/list.htm", "unreachable", "no complete answer within"),
    "webplus": Case("/webplus/list.htm", "ok"),
    "vsb": Case("/vsb/list.htm", "ok"),
    "endless": Case("/endless/list.htm", "ok", "max_pages_per_column"),
    "slow": Case("/slow/list.htm", "ok", "time budget"),
    "malformed": Case("/malformed/list.htm", "ok"),
    "retry": Case("/retry/list.htm", "ok"),
    "loop": Case("/loop/list.htm", "not_found", "redirect loop"),
    "soft404": Case("/soft404/list.htm", "not_found", "页面不存在"),
    "titles": Case("/titles/list.htm", "ok"),
    "old": Case("/old/list.htm", "ok"),
    "deep": Case("/deep/list.htm", "ok"),
}


@dataclass(frozen=True)
class Sizes:
    """How hostile the cases are: bodies in bytes, claimed pages, nesting depth, waits in seconds."""

    big: int = 3_000_000
    bomb: int = 50_000_000  # decompressed
    claimed_pages: int = 10_000_000
    depth: int = 5000
    title: int = 100_000
    drip_every: float = 0.2
    slow_page: float = 0.6
    retry_after: int = 2
    stream_chunk: int = 64 * 1024


@dataclass
class Hostile:
    sizes: Sizes = field(default_factory=Sizes)
    port: int = 0
    seen: Counter[str] = field(default_factory=Counter)
    retried: list[float] = field(default_factory=list)  # when /retry/list.htm was asked for
    bodies: dict[str, bytes] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def prepare(self) -> None:
        """Build the compressed bombs once (the server answers them many times)."""
        spaces = b" " * self.sizes.bomb
        self.bodies["gzip"] = gzip.compress(spaces, compresslevel=9)
        self.bodies["brotli"] = brotli.compress(spaces, quality=5)


def page(rows: list[tuple[str, str, str]], *, extra: str = "", before: str = "") -> bytes:
    items = "".join(f'<li><a href="{href}">{title}</a><span>{day}</span></li>' for href, title, day in rows)
    html = (
        '<html><head><meta charset="utf-8"><title>通知公告</title></head><body>'
        f'{before}<div class="list"><ul>{items}</ul>{extra}</div></body></html>'
    )
    return html.encode("utf-8")


def _rows(case: str, n: int, *, start: int = 0) -> list[tuple[str, str, str]]:
    return [
        (f"/{case}/info/{i}.htm", f"{case} 通知 {i}", f"2026-03-{1 + i % 27:02d}")
        for i in range(start, start + n)
    ]


def webplus_page(hostile: Hostile, k: int) -> bytes:
    total = hostile.sizes.claimed_pages
    items = "".join(
        f'<li class="news"><span class="news_title">'
        f'<a href="/webplus/info/{k}_{i}.htm">WebPlus {k}-{i}</a></span>'
        f'<span class="news_meta">2026-02-{1 + i:02d}</span></li>'
        for i in range(10)
    )
    pager = (
        f'<div id="wp_paging_w6"><em class="curr_page">{k}</em>/<em class="all_pages">{total}</em>'
        f'<a class="next" href="/webplus/list{k + 1}.htm">下一页</a>'
        f'<a class="last" href="/webplus/list{total}.htm">尾页</a></div>'
    )
    html = (
        '<html><head><meta charset="utf-8"></head><body>'
        f'<div id="wp_news_w6"><ul class="news_list">{items}</ul></div>{pager}</body></html>'
    )
    return html.encode("utf-8")


def vsb_page(hostile: Hostile, k: int) -> bytes:
    total = hostile.sizes.claimed_pages
    items = "".join(
        f'<li id="line_u8_{i}"><a href="../info/1001/{k}{i:02d}.htm">VSB {k}-{i}</a>'
        f"<span> 2026-01-{1 + i:02d}</span></li>"
        for i in range(10)
    )
    file = total - k  # page k+1 lives in {alias}/{total-k}.htm
    pager = (
        f'<div class="pb_sys_common"><span class="p_t">{k}/{total}</span>'
        f'<span class="p_next"><a href="/vsb/list/{file}.htm">下页</a></span></div>'
    )
    html = f'<html><head><meta charset="utf-8"></head><body><ul>{items}</ul>{pager}</body></html>'
    return html.encode("utf-8")


def _handler(hostile: Hostile, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    sizes = hostile.sizes

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path
            case = path.strip("/").split("/", 1)[0]
            with lock:
                hostile.seen[case] += 1
            # the crawler hanging up on a hostile answer is the point
            with contextlib.suppress(BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                self._answer(path, case)

        def _answer(self, path: str, case: str) -> None:
            if path == "/robots.txt":
                return self._send(200, b"User-agent: *\nDisallow:\n", "text/plain")
            if case == "normal":
                return self._normal(path)
            handler = getattr(self, f"_{case}", None)
            if handler is None or not (path.endswith(".htm") or "/list" in path):
                return self._send(404, b"<html><body>not found</body></html>")
            handler(path)

        def _normal(self, path: str) -> None:
            if path == "/normal/list.htm":
                return self._send(200, page(NORMAL[:15], extra='<a href="/normal/list2.htm">下一页</a>'))
            if path == "/normal/list2.htm":
                return self._send(200, page(NORMAL[15:]))
            for href, title, day in NORMAL:
                if path == href:
                    return self._send(200, _article(title, day))
            self._send(404, b"<html><body>not found</body></html>")

        def _article_or(self, path: str, case: str) -> bool:
            if f"/{case}/info/" in path:
                self._send(200, _article("正文", "2026-03-01"))
                return True
            return False

        def _big(self, path: str) -> None:
            if not self._article_or(path, "big"):
                filler = "<p>" + "x" * 1000 + "</p>"
                body = page(_rows("big", 5), before=filler * (sizes.big // 1000))
                self._send(200, body)

        def _stream(self, path: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<p>" + b"y" * sizes.stream_chunk + b"</p>"
            self.wfile.write(b"<html><body>")
            while True:  # until the crawler hangs up
                self.wfile.write(chunk)

        def _bomb(self, encoding: str) -> None:
            self._send(
                200,
                hostile.bodies[encoding],
                headers={"Content-Encoding": "gzip" if encoding == "gzip" else "br"},
            )

        def _gzip(self, path: str) -> None:
            self._bomb("gzip")

        def _brotli(self, path: str) -> None:
            self._bomb("brotli")

        def _drip(self, path: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Connection", "close")  # no length: the body ends when the server hangs up
            self.end_headers()
            while True:
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(sizes.drip_every)

        def _webplus(self, path: str) -> None:
            if self._article_or(path, "webplus"):
                return
            name = path.rsplit("/", 1)[1]
            k = int(name.removeprefix("list").removesuffix(".htm") or 1)
            self._send(200, webplus_page(hostile, k))

        def _vsb(self, path: str) -> None:
            if self._article_or(path, "vsb"):
                return
            total = sizes.claimed_pages
            k = 1 if path == "/vsb/list.htm" else total - int(path.rsplit("/", 1)[1].removesuffix(".htm")) + 1
            self._send(200, vsb_page(hostile, k))

        def _endless(self, path: str) -> None:
            if self._article_or(path, "endless"):
                return
            k = int(path.rsplit("/", 1)[1].removeprefix("list").removesuffix(".htm") or 1)
            link = f'<a href="/endless/list{k + 1}.htm">下一页</a>'
            self._send(200, page(_rows("endless", 10, start=10 * k), extra=link))

        def _slow(self, path: str) -> None:
            if self._article_or(path, "slow"):
                return
            time.sleep(sizes.slow_page)
            k = int(path.rsplit("/", 1)[1].removeprefix("list").removesuffix(".htm") or 1)
            link = f'<a href="/slow/list{k + 1}.htm">下一页</a>'
            self._send(200, page(_rows("slow", 10, start=10 * k), extra=link))

        def _malformed(self, path: str) -> None:
            if self._article_or(path, "malformed"):
                return
            self._send(200, malformed_page())

        def _retry(self, path: str) -> None:
            if self._article_or(path, "retry"):
                return
            with lock:
                hostile.retried.append(time.monotonic())
                first = len(hostile.retried) == 1
            if first:
                self._send(
                    429,
                    b"<html><body>slow down</body></html>",
                    headers={"Retry-After": str(sizes.retry_after)},
                )
            else:
                self._send(200, page(_rows("retry", 5)))

        def _loop(self, path: str) -> None:
            target = "/loop/a.htm" if path == "/loop/list.htm" else "/loop/list.htm"
            self._send(302, b"", headers={"Location": target})

        def _soft404(self, path: str) -> None:
            body = (
                "<html><head><meta charset='utf-8'><title>404</title></head><body><h1>页面不存在</h1>"
                "<p>您访问的页面不存在或已被删除</p><a href='/'>返回首页</a></body></html>"
            )
            self._send(200, body.encode("utf-8"))

        def _titles(self, path: str) -> None:
            if self._article_or(path, "titles"):
                return
            self._send(200, page(hostile_titles(sizes.title)))

        def _old(self, path: str) -> None:
            if "/old/info/" in path:
                return self._send(200, _article("旧闻", "1900-01-01"))
            rows = [(f"/old/info/{i}.htm", f"旧闻 {i}", "1900-01-01") for i in range(3)]
            self._send(200, page([*rows, ("/old/info/9.htm", "新闻", "2026-03-03")]))

        def _deep(self, path: str) -> None:
            if self._article_or(path, "deep"):
                return
            nest = "<div>" * sizes.depth + "深" + "</div>" * sizes.depth
            self._send(200, page(_rows("deep", 8), before=nest))

        def _send(
            self,
            status: int,
            body: bytes,
            kind: str = "text/html; charset=utf-8",
            *,
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    return Handler


def malformed_page() -> bytes:
    """20 rows, none of their elements closed (as some hand-edited templates are)."""
    rows = "".join(
        f'<tr><td><a href="/malformed/info/{i}.htm">残缺 {i}<td>2026-03-{1 + i:02d}' for i in range(20)
    )
    html = (
        '<html><head><meta charset="utf-8"></head><body>'
        f'<table class="list">{rows}</table><div class="pager">共20条 1/1</div></body></html>'
    )
    return html.encode("utf-8")


def hostile_titles(length: int) -> list[tuple[str, str, str]]:
    """Titles with control and bidi characters, decomposed accents, runs of spaces, and one huge."""
    return [
        ("/titles/info/1.htm", "控制\x01字符\x1b[31m 通知", "2026-03-01"),
        ("/titles/info/2.htm", "双向\u202e文字\u2066 通知", "2026-03-02"),
        ("/titles/info/3.htm", "Cafe\u0301   与\t\t空白 通知", "2026-03-03"),
        ("/titles/info/4.htm", "长" * length, "2026-03-04"),
        ("/titles/info/5.htm", "普通的通知", "2026-03-05"),
    ]


def _article(title: str, day: str) -> bytes:
    html = (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>'
        f"<div class='info'>发布时间：{day}</div><div class='content'><p>正文。</p></div></body></html>"
    )
    return html.encode("utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True


@contextmanager
def serving(hostile: Hostile) -> Iterator[Hostile]:
    """Serve ``hostile`` on a free port of 127.0.0.1 for the duration of the block."""
    hostile.prepare()
    lock = threading.Lock()
    server = _Server(("127.0.0.1", 0), _handler(hostile, lock))
    hostile.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hostile
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
