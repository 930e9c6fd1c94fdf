"""`xxgk extract`: one saved file or one URL read as the crawler reads it, in the documented JSON shapes.

The pages are small ones written here; the URL cases fetch them from a server on 127.0.0.1
that records every request, so the tests can say what was asked for, robots.txt included.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli.main import main

LIST_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告</title></head><body>
<div class="nav"><a href="/">首页</a><a href="/tzgg/list.htm">通知公告</a></div>
<div class="main"><ul class="news">
<li><a href="/info/1011/3301.htm" title="关于2026年寒假放假安排的通知">关于2026年寒假放假安排的通知</a>
    <span>2026-11-30</span></li>
<li><a href="/info/1011/3299.htm">[bold]图书馆[/bold]闭馆通知</a><span>2026-11-28</span></li>
<li><a href="/info/1011/3290.htm">研究生学位论文答辩公示</a><span>11-20</span></li>
</ul>
<div class="pages"><a href="/tzgg/list2.htm">下一页</a></div></div></body></html>
"""
ARTICLE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>关于寒假放假安排的通知</title>
</head>
<body><h1>关于2026年寒假放假安排的通知</h1><p class="info">发布时间：2026-11-30 来源：校办</p>
<div class="content"><p>各单位：经研究，寒假自2027年1月17日开始。</p></div></body></html>
"""
NO_LIST = "<html><body><p>系统维护中，请稍后访问。</p></body></html>"


def xxgk(*args: str, config: Path | str = "missing.yaml") -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--db", "sqlite:///unused.db", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def pages(tmp_path: Path) -> dict[str, Path]:
    files = {"list": LIST_PAGE, "article": ARTICLE_PAGE, "nolist": NO_LIST}
    for name, text in files.items():
        (tmp_path / f"{name}.html").write_text(text, encoding="utf-8")
    return {name: tmp_path / f"{name}.html" for name in files}


def test_a_saved_list_page_as_json(pages: dict[str, Path]) -> None:
    code, out, err = xxgk(
        "extract", str(pages["list"]), "--url", "http://xb.example.edu.cn/tzgg/list.htm",
        "--today", "2026-12-01", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert set(result) >= {"profile", "rows", "next"}
    assert result["profile"] == "generic"
    assert [(r["title"], r["url"], r["date"], r["date_source"]) for r in result["rows"]] == [
        ("关于2026年寒假放假安排的通知", "http://xb.example.edu.cn/info/1011/3301.htm", "2026-11-30", "list"),
        ("[bold]图书馆[/bold]闭馆通知", "http://xb.example.edu.cn/info/1011/3299.htm", "2026-11-28", "list"),
        (
            "研究生学位论文答辩公示",
            "http://xb.example.edu.cn/info/1011/3290.htm",
            "2026-11-20",
            "list_inferred",
        ),
    ]
    assert result["next"] == ["http://xb.example.edu.cn/tzgg/list2.htm"]


def test_the_year_of_a_year_less_date_follows_today(pages: dict[str, Path]) -> None:
    code, out, _ = xxgk("extract", str(pages["list"]), "--today", "2027-03-01", "--format", "json")
    assert code == 0
    assert json.loads(out)["rows"][2]["date"] == "2026-11-20"


def test_the_table_shows_crawled_text_as_text_not_markup(pages: dict[str, Path]) -> None:
    code, out, _ = xxgk("extract", str(pages["list"]), "--today", "2026-12-01")
    assert code == 0
    assert out.startswith("profile: generic  (a list, 3 rows)\n")
    assert "[bold]图书馆[/bold]" in out.replace("\n", "").replace("│", "").replace(" ", "")
    assert "next: " in out


def test_a_saved_article_page_as_json(pages: dict[str, Path]) -> None:
    code, out, err = xxgk("extract", "--article", str(pages["article"]), "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) >= {"date", "date_source", "title"}
    assert result["date"] == "2026-11-30"
    assert "寒假放假安排" in result["title"]


def test_no_list_is_exit_1_with_the_json_saying_so(pages: dict[str, Path]) -> None:
    code, out, _ = xxgk("extract", str(pages["nolist"]), "--format", "json")
    assert code == 1
    assert json.loads(out) == {"profile": "generic", "found": False, "rows": [], "next": []}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-file.html"], "no such file, and not an http(s) URL"),
        (["{list}", "--cms", "webplu"], "'webplu' is not one of"),
        (["{list}", "--cms", "jsonapi"], "'jsonapi' is not one of"),
        (["{list}", "--url", "ftp://x.edu.cn/"], "expected an http:// or https:// URL"),
        (["{list}", "--today", "2026-13-01"], "expected a date as YYYY-MM-DD"),
        (["http:///nohost"], "expected an http:// or https:// URL"),
    ],
)
def test_bad_usage_is_exit_2_naming_the_problem(
    pages: dict[str, Path], args: list[str], message: str
) -> None:
    code, _, err = xxgk("extract", *(arg.format(list=pages["list"]) for arg in args))
    assert code == 2
    assert message in err


# ----------------------------------------------------------------------------- URLs


class _Server(ThreadingHTTPServer):
    daemon_threads = True


@pytest.fixture
def site() -> Iterator[tuple[str, list[str]]]:
    """A site on 127.0.0.1: robots.txt disallows /private/; /old redirects into it. Logs every path."""
    seen: list[str] = []
    robots = b"User-agent: *\nDisallow: /private/\n"
    bodies = {
        "/tzgg/list.htm": LIST_PAGE.encode(),
        "/private/list.htm": LIST_PAGE.encode(),
        "/robots.txt": robots,
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            if self.path == "/old":
                self.send_response(302)
                self.send_header("Location", "/private/list.htm")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = bodies.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            kind = "text/plain" if self.path == "/robots.txt" else "text/html; charset=utf-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_url_is_fetched_once_after_robots_txt(site: tuple[str, list[str]]) -> None:
    base, seen = site
    code, out, err = xxgk("extract", f"{base}/tzgg/list.htm", "--today", "2026-12-01", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["rows"][0]["url"] == f"{base}/info/1011/3301.htm"
    assert seen == ["/robots.txt", "/tzgg/list.htm"]


@pytest.mark.parametrize("path", ["/private/list.htm", "/old"])
def test_a_url_robots_txt_disallows_is_not_fetched(site: tuple[str, list[str]], path: str) -> None:
    base, seen = site
    code, out, err = xxgk("extract", f"{base}{path}", "--format", "json")
    assert (code, out) == (1, "")
    assert err.startswith("xxgk: error: ")
    assert "robots" in err
    assert err.count("\n") == 1
    assert "/private/list.htm" not in seen


def test_a_site_that_is_down_is_one_error_line() -> None:
    code, out, err = xxgk("extract", "http://127.0.0.1:9/list.htm")
    assert (code, out) == (1, "")
    assert err.startswith("xxgk: error: cannot fetch http://127.0.0.1:9/list.htm: unreachable")


def test_a_browser_saved_page_resolves_its_links_on_the_url_it_was_saved_from(tmp_path: Path) -> None:
    page = tmp_path / "saved.html"
    page.write_text("<!-- saved from url=(0036)http://jwc.example.edu.cn/tzgg.htm -->\n" + LIST_PAGE)
    code, out, _ = xxgk("extract", str(page), "--today", "2026-12-01", "--format", "json")
    assert code == 0
    assert json.loads(out)["rows"][0]["url"] == "http://jwc.example.edu.cn/info/1011/3301.htm"
