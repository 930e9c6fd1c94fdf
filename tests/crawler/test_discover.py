"""crawler.discover on saved home pages, and `xxgk discover` end to end against a loopback site.

The two sites are the home pages under ``fixtures/homes/`` (a WebPlus one with a nav menu and
更多 links, a VSB one) with some of their columns served by list fixtures of
``fixtures/lists/`` (see test_profiles.py) and ``fixtures/homes/``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from scrapy.http import HtmlResponse, TextResponse

from crawler.discover import (
    Fetched,
    Proposal,
    candidate_links,
    column_id,
    column_kind,
    guess_checklist,
    propose,
    read_candidate,
    to_yaml,
    unique_ids,
    wanted,
)
from crawler.discover_api import Endpoint, infer_mapping, script_endpoints
from crawler.urls import canonical
from monitor import crawl
from monitor.cli import main
from monitor.config import ApiMapping, Column, Config, load_checklist, load_config
from monitor.demo import DemoCampus, DemoServer, build_campus, demo_config_yaml
from monitor.demo.paging import API_ROWS
from monitor.demo.truth import ListColumn, list_columns
from monitor.errors import CrawlError
from tests.crawler.test_profiles import FIXTURES as LISTS
from tests.factories import ROOT, column, config_data, site, write_config

HOMES = Path(__file__).parent / "fixtures" / "homes"
CHECKLIST_FILE = ROOT / "config" / "checklist.yaml"
CHECKLIST = load_checklist(CHECKLIST_FILE)
TODAY = dt.date(2026, 11, 21)

#: path → the saved page served there; "/" is the home page. /xsdt/list.htm is not served.
WEBPLUS_SITE = {
    "/": HOMES / "webplus_home.html",
    "/xxyw/list.htm": LISTS / "webplus_news_list.html",
    "/tzgg/list.htm": LISTS / "webplus_split_dates.html",
    "/17860/list.htm": LISTS / "webplus_table.html",
    "/rczp/list.htm": HOMES / "webplus_rczp.html",
    "/gzzd/list.htm": LISTS / "webplus_empty.html",
    "/mtgd/list.htm": LISTS / "webplus_bracketed.html",
    "/xxgk/main.htm": HOMES / "webplus_page.html",
}
VSB_SITE = {
    "/index.htm": HOMES / "vsb_home.html",
    "/index/tzggqb.htm": LISTS / "vsb_due_hitsz.html",
    "/zbgg.htm": LISTS / "vsb_lntdxy_zbgg.html",
}
WEBPLUS = "http://news.hit.edu.cn"
VSB = "http://due.hitsz.edu.cn"

#: What the WebPlus site must be proposed as: id, name, cms, kind, checklist, items, newest.
WEBPLUS_PROPOSALS = [
    ("home", "首页", "webplus", "homepage", (), 3, "2026-11-20"),
    ("xxyw", "学校要闻", "webplus", "news", (), 6, "2022-12-08"),
    ("tzgg", "通知公告", "webplus", "notice", (), 3, "2026-06-25"),
    ("c17860", "人事任免", "webplus", "hr_plan", (), 3, "2017-06-09"),
    ("rczp", "人才工作", "webplus", "notice", ("cadre-appointment-recruitment",), 4, "2026-11-10"),
    ("gzzd", "规章制度", "webplus", "static", ("charter-and-rules",), 0, None),
    ("mtgd", "媒体工大", "webplus", "news", (), 3, "2022-09-01"),
]


def site_pages(base: str, site: dict[str, Path]) -> tuple[HtmlResponse, dict[str, HtmlResponse]]:
    """(home, candidate pages by URL) as the discovery spider collects them."""
    pages = {
        base + path: HtmlResponse(url=base + path, body=file.read_bytes()) for path, file in site.items()
    }
    home_path = next(iter(site))
    return pages.pop(base + home_path), pages


def summary(proposals: list[Proposal]) -> list[tuple[object, ...]]:
    return [
        (p.id, p.name, p.cms, p.kind, p.checklist, p.items_seen, p.newest and p.newest.isoformat())
        for p in proposals
    ]


# ----------------------------------------------------------------------------- links


def test_webplus_home_nav_and_more_links_on_its_host_in_page_order() -> None:
    home, _ = site_pages(WEBPLUS, WEBPLUS_SITE)
    assert candidate_links(home) == [
        ("学校要闻", f"{WEBPLUS}/xxyw/list.htm"),  # the English gloss dropped
        ("通知公告", f"{WEBPLUS}/tzgg/list.htm"),  # once, though its block's MORE+ links it again
        ("人事任免", f"{WEBPLUS}/17860/list.htm"),
        ("人才工作", f"{WEBPLUS}/rczp/list.htm"),
        ("规章制度", f"{WEBPLUS}/gzzd/list.htm"),
        ("学校概况", f"{WEBPLUS}/xxgk/main.htm"),
        ("媒体工大", f"{WEBPLUS}/mtgd/list.htm"),  # 更多>> named by its block's Chinese heading
        ("学术动态", f"{WEBPLUS}/xsdt/list.htm"),  # an image "more" link
    ]


def test_vsb_home_relative_links_dynamic_lists_and_more_links() -> None:
    home, _ = site_pages(VSB, VSB_SITE)
    assert candidate_links(home) == [
        ("通知公告", f"{VSB}/index/tzggqb.htm"),
        ("教务管理", f"{VSB}/jwxw/jwgl.htm"),
        ("招标公告", f"{VSB}/zbgg.htm"),
        ("规章制度", f"{VSB}/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1011"),
        ("教务新闻", f"{VSB}/index/jwxw.htm"),
    ]


def test_without_nav_or_more_links_every_page_link_on_the_host_is_a_candidate() -> None:
    body = """<html><body><p><a href="/a/list.htm">甲</a> <a href="/info/1/2.htm">文章</a>
        <a href="http://other.edu.cn/b/list.htm">乙</a> <a href="c.htm">丙</a></p></body></html>"""
    home = HtmlResponse(url="http://x.edu.cn/", body=body.encode(), encoding="utf-8")
    assert candidate_links(home) == [("甲", "http://x.edu.cn/a/list.htm"), ("丙", "http://x.edu.cn/c.htm")]


# ----------------------------------------------------------------------------- ids, kinds, checklist


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/xxyw/list.htm", "xxyw"),
        ("/17860/list.htm", "c17860"),
        ("/category/10", "category_10"),
        ("/index/tzgg.htm", "tzgg"),
        ("/xwzx/tzgg1.htm", "tzgg1"),
        ("/taxonomy/term/10/25", "term_10_25"),
        ("/News/List.HTML", "news"),
        ("/2024-xw/list.htm", "c2024-xw"),
        ("/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1011", "wbtreeid_1011"),
        ("/news.php?cat_id=1341", "news_1341"),
        ("/xwzx/list.php?page=2&cat=tz", "xwzx"),
        ("/%E9%80%9A%E7%9F%A5/list.htm", "column"),
    ],
)
def test_column_id_from_the_url_path(path: str, expected: str) -> None:
    found = column_id(f"http://x.edu.cn{path}")
    assert found == expected
    Column(id=found, name="栏目", url="http://x.edu.cn/", kind="notice")  # a valid config id


def test_ids_are_made_unique_in_order() -> None:
    assert unique_ids(["tzgg", "xxyw", "tzgg", "tzgg"]) == ["tzgg", "xxyw", "tzgg_2", "tzgg_3"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("综合新闻", "news"),
        ("媒体工大", "news"),
        ("新闻公告", "news"),  # the strictest kind named wins
        ("通知公告", "notice"),
        ("招聘公告", "notice"),
        ("人才招聘", "hr_plan"),
        ("人事任免", "hr_plan"),
        ("工作要点", "hr_plan"),
        ("规章制度", "static"),
        ("政策文件", "static"),
        ("学院概况", "notice"),
    ],
)
def test_kind_from_the_column_name(name: str, kind: str) -> None:
    assert column_kind(name) == kind


RECRUITMENT = ["2026年公开招聘辅导员公告", "博士后招聘启事", "拟聘用人员公示", "人才招聘计划"]


@pytest.mark.parametrize(
    ("name", "titles", "host", "expected"),
    [
        ("规章制度", [], "", ("charter-and-rules",)),
        ("通知公告", [], "", ()),
        (
            "研究生招生简章",
            [],
            "",
            ("graduate-admission-brochure",),
        ),  # 招生简章, but 研究生 is a negative cue
        ("人才工作", RECRUITMENT, "", ("cadre-appointment-recruitment",)),
        ("人才工作", RECRUITMENT[:2], "", ()),  # too few rows to speak for the column
        ("人才工作", [*RECRUITMENT[:2], "运动会", "讲座"], "", ()),  # half is not most
        ("公示", [], "", ("special-admission-results", "graduate-admission-list", "leader-trips-abroad")),
        (
            "公示",
            [],
            "yzb.hit.edu.cn",
            ("graduate-admission-list", "special-admission-results", "leader-trips-abroad"),
        ),
        ("信息公开年度报告", [], "", ("disclosure-annual-report",)),
    ],
)
def test_checklist_guesses(name: str, titles: list[str], host: str, expected: tuple[str, ...]) -> None:
    assert guess_checklist(name, titles, checklist=CHECKLIST, host=host) == expected


# ----------------------------------------------------------------------------- proposals


def test_webplus_site_proposal() -> None:
    home, pages = site_pages(WEBPLUS, WEBPLUS_SITE)
    proposals = propose(home, pages, checklist=CHECKLIST, today=TODAY)
    # 学校概况 is a page without a list; 学术动态 was not fetched.
    assert summary(proposals) == WEBPLUS_PROPOSALS
    assert [p.url for p in proposals][:2] == [f"{WEBPLUS}/", f"{WEBPLUS}/xxyw/list.htm"]


def test_vsb_site_proposal() -> None:
    home, pages = site_pages(VSB, VSB_SITE)
    assert summary(propose(home, pages, checklist=CHECKLIST, today=TODAY)) == [
        ("home", "首页", "vsb", "homepage", (), 2, "2026-06-23"),
        ("tzggqb", "通知公告", "vsb", "notice", (), 4, "2026-06-22"),
        ("zbgg", "招标公告", "vsb", "notice", ("procurement-tendering",), 3, "2025-05-07"),
    ]


def test_a_candidate_without_a_name_is_named_by_its_page_title() -> None:
    body = (HOMES / "webplus_home.html").read_text(encoding="utf-8").replace(">人才工作<", "><")
    home = HtmlResponse(url=f"{WEBPLUS}/", body=body.encode(), encoding="utf-8")
    _, pages = site_pages(WEBPLUS, WEBPLUS_SITE)
    names = {p.id: p.name for p in propose(home, pages, checklist=CHECKLIST, today=TODAY)}
    assert names["rczp"] == "人才工作"  # from <title>人才工作-哈尔滨工业大学新闻网</title>


# ----------------------------------------------------------------------------- YAML


def config_with_block(directory: Path, block: str) -> Config:
    """A config whose last site's columns are ``block``, pasted as text with the real checklist."""
    data = config_data(
        [{"id": "main", "name": "校本部", "sites": [{"id": "found", "name": "发现", "url": "x.edu.cn"}]}]
    )
    path = write_config(directory, data)
    shutil.copy(CHECKLIST_FILE, directory / "checklist.yaml")
    text = path.read_text(encoding="utf-8")
    assert text.endswith("    url: x.edu.cn\n")  # the site's keys are indented by 4
    path.write_text(text + textwrap.indent(block, "    "), encoding="utf-8")
    return load_config(path)


def test_rendered_block_is_commented_and_pastes_into_a_site(tmp_path: Path) -> None:
    home, pages = site_pages(WEBPLUS, WEBPLUS_SITE)
    block = to_yaml(propose(home, pages, checklist=CHECKLIST, today=TODAY))
    assert block.startswith("columns:\n  # 3 items, newest 2026-11-20\n  - id: home\n    name: 首页\n")
    assert "  # 0 items: a blank column, or a list not read right\n  - id: gzzd\n" in block
    assert "    checklist: [cadre-appointment-recruitment]\n" in block
    columns = config_with_block(tmp_path, block).site("found").columns
    assert [(c.id, c.name, c.cms, c.kind, c.checklist) for c in columns] == [
        row[:5] for row in WEBPLUS_PROPOSALS
    ]


def test_names_and_urls_that_need_quoting_survive(tmp_path: Path) -> None:
    odd = Proposal(
        "odd", "通知: 公告 #1", "http://x.edu.cn/a/list.htm?x=1&y=#", "auto", "notice", (), 1, None
    )
    block = to_yaml([odd])
    assert "  # 1 item, no dates on the list\n" in block
    column = config_with_block(tmp_path, block).site("found").columns[0]
    assert (column.name, column.url) == (odd.name, odd.url)


# ----------------------------------------------------------------------------- command line


def xxgk(*args: str, config: Path | str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--db", "sqlite:///unused.db", *args])
    return result.exit_code, result.stdout, result.stderr


def test_discover_rejects_a_url_that_is_not_http(tmp_path: Path) -> None:
    code, _, err = xxgk("discover", "ftp://x.edu.cn/", config=write_config(tmp_path))
    assert code == 2
    assert "expected an http:// or https:// URL" in err


def test_discover_fails_with_the_config_error_in_one_line(tmp_path: Path) -> None:
    code, out, err = xxgk("discover", "http://x.edu.cn/", config=tmp_path / "missing.yaml")
    assert (code, out) == (1, "")
    assert err.startswith("xxgk: error: ")
    assert err.count("\n") == 1


def test_a_failing_discovery_child_is_one_error_line() -> None:
    argv = crawl.discover_command(url="http://x.edu.cn/", checklist_path=Path("/nonexistent/checklist.yaml"))
    with pytest.raises(CrawlError, match=r"^/nonexistent/checklist.yaml: ") as raised:
        crawl.run_discover(argv, timeout=120)
    assert "\n" not in str(raised.value)


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # Scrapy's parallel connections overflow the default backlog of 5
    daemon_threads = True


@contextmanager
def serving(
    files: dict[str, tuple[str, bytes]], *, robots: str | None = None
) -> Iterator[tuple[str, list[str]]]:
    """(base URL, paths asked for) of ``files`` (path with query → content type, body) on
    127.0.0.1; a path not there answers 404, robots.txt too unless ``robots`` is given."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            found = (HTML, robots.encode()) if robots and self.path == "/robots.txt" else files.get(self.path)
            if found is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", found[0])
            self.send_header("Content-Length", str(len(found[1])))
            self.end_headers()
            self.wfile.write(found[1])

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


@pytest.fixture
def loopback_site() -> Iterator[str]:
    """The WebPlus site on 127.0.0.1 (any free port); anything else is a 404 (robots.txt too)."""
    with serving({path: (HTML, file.read_bytes()) for path, file in WEBPLUS_SITE.items()}) as (base, _):
        yield base


def discover_config(directory: Path) -> Path:
    """A config with the real checklist and no delay between requests."""
    news = site("news", columns=[column("xxyw", url="http://news.example.edu.cn/xxyw/list.htm")])
    data = {**config_data([{"id": "main", "name": "校本部", "sites": [news]}]), "crawl": {"delay_seconds": 0}}
    config_path = write_config(directory, data)
    shutil.copy(CHECKLIST_FILE, config_path.parent / "checklist.yaml")  # real keywords, real guesses
    return config_path


def test_xxgk_discover_end_to_end(
    tmp_path: Path, loopback_site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # its robots.txt cache (var/cache) is this test's own
    code, out, err = xxgk("discover", f"{loopback_site}/", config=discover_config(tmp_path / "config"))
    assert code == 0, err
    assert out.startswith("columns:\n  # 3 items, newest 2026-11-20\n  - id: home\n")
    assert f"    url: {loopback_site}/xxyw/list.htm\n" in out
    columns = config_with_block(tmp_path / "pasted", out).site("found").columns
    assert [(c.id, c.name, c.cms, c.kind, c.checklist) for c in columns] == [
        row[:5] for row in WEBPLUS_PROPOSALS
    ]


def test_discover_child_runs_as_python_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crawler.discover_run", "http://x.edu.cn/"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "give --checklist PATH or --config PATH" in done.stderr


# ----------------------------------------------------------------------------- shells, robots, pagers

#: A site of the shapes discover used to miss, by path: (content type, body). Dates of 2026.
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"
ODD_NAME = '媒体: "关注" #1 & *ref !!python/object {a}'


def _page(title: str, body: str) -> bytes:
    nav = '<div class="nav"><a href="/">首页</a></div>'
    head = f'<head><meta charset="utf-8"><title>{title}-测试大学</title></head>'
    return f"<html>{head}<body>{nav}{body}</body></html>".encode()


def _rows(hrefs: list[str], *, dated: bool) -> str:
    cells = [
        f'<li><a href="{href}">关于做好2026年第{n}期学生工作培训的通知</a>'
        + (f"<span>2026-10-{28 - n:02d}</span>" if dated else "")
        + "</li>"
        for n, href in enumerate(hrefs, start=1)
    ]
    return f'<div class="list"><ul>{"".join(cells)}</ul>'


def _pager(next_path: str | None) -> str:
    return (f'<div class="pager"><a href="{next_path}">下一页</a></div>' if next_path else "") + "</div>"


def _api_page(page: int, *, per_page: int = 20, total: int = 30) -> bytes:
    first = (page - 1) * per_page
    entries = [
        {
            "id": 500 + n,
            "title": f"学校召开第{n}次工作推进会",
            "picUrl": f"/_upload/{n}.jpg",
            "linkUrl": f"/2026/10{n % 28 + 1:02d}/c101a{500 + n}/page.htm",
            "createTime": 1761955200000 - n * 86_400_000,
            "publishTime": f"2026-10-{28 - n % 28:02d} 09:30",
        }
        for n in range(first, min(first + per_page, total))
    ]
    return json.dumps({"code": 0, "data": {"total": total, "list": entries}}, ensure_ascii=False).encode()


DEDE_OCTOBER = [f"/tzgg/2026/10{d:02d}/{900 + d}.html" for d in range(20, 5, -1)]
DEDE_SEPTEMBER = [f"/tzgg/2026/09{d:02d}/{800 + d}.html" for d in range(25, 10, -1)]
JSP_ROWS = [f"/content.jsp?urltype=news.NewsContentUrl&wbtreeid=11&wbnewsid={n}" for n in range(40, 28, -1)]
VSB_ROWS = [f"/info/7/{n}.htm" for n in range(60, 50, -1)]
DEPARTMENTS = [f"http://dept{n}.edu.cn/{n}.htm" for n in range(9)]
SHELL_SCRIPT = 'fetch("/api/list?cat=kx&page=" + page).then(r => r.json()).then(render)'
TRICKY_SITE: dict[str, tuple[str, bytes]] = {
    "/": (
        HTML,
        _page(
            "首页",
            '<ul class="menu"><li><a href="/kx/list.htm">快讯</a></li>'
            '<li><a href="/tzgg/index.html">通知公告</a></li><li><a href="/xsbg/list.htm">学术报告</a></li>'
            f'<li><a href="/mt/list.htm">{ODD_NAME}</a></li><li><a href="/xsgz/list.htm">学生工作</a></li>'
            '<li><a href="/gk/index.htm">学校概况</a></li><li><a href="/sj/list.htm">数据统计</a></li>'
            '<li><a href="/yxsz/index.htm">院系设置</a></li></ul>',
        ),
    ),
    # An empty shell filled from a JSON endpoint whose URL is built from a page variable.
    "/kx/list.htm": (
        HTML,
        _page("快讯", f'<div id="list"></div><script>var page = 1; {SHELL_SCRIPT};</script>'),
    ),
    "/api/list?cat=kx&page=1": (JSON, _api_page(1)),
    "/api/list?cat=kx&page=2": (JSON, _api_page(2)),
    # A title-only list dated by its article URLs (DedeCMS /YYYY/MMDD/id.html), index_1 pager.
    "/tzgg/index.html": (HTML, _page("通知公告", _rows(DEDE_OCTOBER, dated=False) + _pager("index_1.html"))),
    "/tzgg/index_1.html": (HTML, _page("通知公告", _rows(DEDE_SEPTEMBER, dated=False) + _pager(None))),
    # Title-only, dated only on its articles; its next page answers 404.
    "/xsbg/list.htm": (
        HTML,
        _page("学术报告", _rows(JSP_ROWS, dated=False) + _pager("list2.htm")),
    ),
    # A dated list whose 下一页 gives the first page again.
    "/mt/list.htm": (HTML, _page("媒体关注", _rows(VSB_ROWS, dated=True) + _pager("list1.htm"))),
    "/mt/list1.htm": (HTML, _page("媒体关注", _rows(VSB_ROWS, dated=True) + _pager(None))),
    "/xsgz/list.htm": (HTML, _page("学生工作", _rows([f"/info/9/{n}.htm" for n in range(10)], dated=True))),
    "/gk/index.htm": (HTML, _page("学校概况", "<p>始建于1920年。</p><a href='/gk/ls.htm'>历史沿革</a>")),
    # Links to other sites only: a directory, no column of this site's items.
    "/yxsz/index.htm": (HTML, _page("院系设置", _rows(DEPARTMENTS, dated=False))),
    # A shell whose script reads JSON that is no list: nothing to propose.
    "/sj/list.htm": (HTML, _page("数据统计", '<script>$.getJSON("/api/stats?page=1", f)</script>')),
    "/api/stats?page=1": (JSON, b'{"status": "ok", "count": 3, "items": [1, 2, 3]}'),
}  # fmt: skip
TRICKY = "http://tricky.edu.cn"
TRICKY_ROBOTS = "User-agent: *\nDisallow: /xsgz/\n"


def tricky_fetched(base: str = TRICKY) -> tuple[HtmlResponse, Fetched]:
    """The site as the spider would have it: every page fetched but the disallowed one."""
    pages: dict[str, TextResponse] = {}
    for path, (kind, body) in TRICKY_SITE.items():
        url = canonical(base + path, base=base)
        assert url is not None
        cls = HtmlResponse if kind == HTML else TextResponse
        pages[url] = cls(url=url, body=body, encoding="utf-8", headers={"Content-Type": kind})
    home = pages.pop(f"{base}/")
    assert isinstance(home, HtmlResponse)
    return home, Fetched(pages, {f"{base}/xsgz/list.htm": "robots_disallowed"})


def tricky_proposals() -> dict[str, Proposal]:
    home, fetched = tricky_fetched()
    found = propose(home, fetched.pages, checklist=CHECKLIST, today=TODAY, failed=fetched.failed)
    return {p.url.removeprefix(TRICKY): p for p in found}


def test_a_json_shell_is_proposed_with_the_api_mapping_its_script_and_json_say() -> None:
    kx = tricky_proposals()["/kx/list.htm"]
    assert (kx.cms, kx.kind, kx.items_seen, kx.newest) == ("jsonapi", "news", 20, dt.date(2026, 10, 28))
    assert kx.api == ApiMapping(
        url=f"{TRICKY}/api/list?cat=kx&page={{page}}",
        items="data.list",
        title="title",
        link="linkUrl",  # not the picture's URL
        date="publishTime",  # the publication date, not the creation time beside it
    )
    assert kx.notes == ("pager checked: the next page lists 10 more items",)


def test_title_only_lists_are_proposed_with_where_their_dates_come_from() -> None:
    proposals = tricky_proposals()
    tzgg, xsbg = proposals["/tzgg/index.html"], proposals["/xsbg/list.htm"]
    assert (tzgg.cms, tzgg.items_seen, tzgg.newest) == ("auto", 15, dt.date(2026, 10, 20))
    assert tzgg.notes == ("15 of 15 dated by their URLs", "pager checked: the next page lists 15 more items")
    assert (xsbg.items_seen, xsbg.newest) == (12, None)
    assert xsbg.notes == (
        "the crawler opens each new item's page once for its date",
        f"pager: its next page was not fetched: {TRICKY}/xsbg/list2.htm",
    )


def test_a_pager_that_repeats_the_first_page_is_said_in_a_comment() -> None:
    mt = tricky_proposals()["/mt/list.htm"]
    assert mt.name == ODD_NAME
    assert mt.notes == (
        f"pager: its next page repeats the first page: check it by hand: {TRICKY}/mt/list1.htm",
    )


def test_a_shell_whose_endpoint_robots_txt_disallows_is_proposed_marked() -> None:
    home, fetched = tricky_fetched()
    api = f"{TRICKY}/api/list?cat=kx&page=1"
    failed = {**fetched.failed, api: "robots_disallowed"}
    pages = {url: page for url, page in fetched.pages.items() if url != api}
    kx = next(
        p for p in propose(home, pages, checklist=CHECKLIST, today=TODAY, failed=failed) if p.id == "kx"
    )
    assert (kx.robots_disallowed, kx.cms, kx.api, kx.items_seen) == (True, "auto", None, 0)
    assert to_yaml([kx]).startswith(
        "columns:\n  # robots.txt disallows this column: it cannot be checked\n"
        f"  # its page is filled from {api}, which robots.txt disallows\n  - id: kx\n"
    )


def test_a_blank_shell_whose_endpoint_fails_says_why() -> None:
    script = '<script>$.get("/api/l?page=1", f)</script>'
    home = HtmlResponse(
        url=f"{TRICKY}/", body=_page("首页", '<ul class="menu"><li><a href="/kx/">快讯</a></ul>')
    )
    bare = HtmlResponse(url=f"{TRICKY}/kx/", body=_page("快讯", f'<div id="list"></div>{script}'))
    blank = bare.replace(
        body=_page("快讯", f'<div id="wp_news_w9"><ul class="wp_article_list"></ul></div>{script}')
    )
    failed = {f"{TRICKY}/api/l?page=1": "not_found"}
    assert propose(home, {bare.url: bare}, checklist=CHECKLIST, today=TODAY, failed=failed) == []  # no list
    (kx,) = propose(home, {blank.url: blank}, checklist=CHECKLIST, today=TODAY, failed=failed)
    assert (kx.cms, kx.items_seen) == ("webplus", 0)  # an empty WebPlus list: proposed, and why it is empty
    assert kx.notes == (f"its page's script reads {TRICKY}/api/l?page=1: not_found",)


def test_a_one_page_title_only_list_is_proposed_with_a_word_of_doubt() -> None:
    home = HtmlResponse(
        url=f"{TRICKY}/",
        body=_page("首页", '<ul class="menu"><li><a href="/jg/">机构</a></ul>'),
        encoding="utf-8",
    )
    only = HtmlResponse(
        url=f"{TRICKY}/jg/", body=_page("机构", _rows(VSB_ROWS, dated=False)), encoding="utf-8"
    )
    (proposal,) = propose(home, {only.url: only}, checklist=CHECKLIST, today=TODAY)
    assert proposal.notes == (
        "the crawler opens each new item's page once for its date",
        "pager: no next page (one page of items)",
        "no dates and one page only: check that it is a column of items",
    )


def test_robots_disallowed_columns_are_proposed_unread_and_pages_without_a_list_are_not() -> None:
    proposals = tricky_proposals()
    assert list(proposals) == [
        "/kx/list.htm",
        "/tzgg/index.html",
        "/xsbg/list.htm",
        "/mt/list.htm",
        "/xsgz/list.htm",
    ]  # not 学校概况 (no list), 数据统计 (its JSON is no list of entries), 院系设置 (links elsewhere)
    xsgz = proposals["/xsgz/list.htm"]
    assert (xsgz.robots_disallowed, xsgz.items_seen, xsgz.cms) == (True, 0, "auto")
    assert [p.id for p in proposals.values()] == ["kx", "tzgg", "xsbg", "mt", "xsgz"]


def test_wanted_names_what_a_candidate_still_needs() -> None:
    _, fetched = tricky_fetched()
    shell = f"{TRICKY}/kx/list.htm"
    lacking = Fetched({shell: fetched.pages[shell]})
    assert wanted("快讯", shell, lacking, checklist=CHECKLIST, today=TODAY) == [
        f"{TRICKY}/api/list?cat=kx&page=1"
    ]
    api_1 = f"{TRICKY}/api/list?cat=kx&page=1"
    lacking = Fetched({shell: fetched.pages[shell], api_1: fetched.pages[api_1]})
    assert wanted("快讯", shell, lacking, checklist=CHECKLIST, today=TODAY) == [
        f"{TRICKY}/api/list?cat=kx&page=2"
    ]
    assert wanted("快讯", shell, fetched, checklist=CHECKLIST, today=TODAY) == []
    assert wanted("学生工作", f"{TRICKY}/xsgz/list.htm", fetched, checklist=CHECKLIST, today=TODAY) == []


def test_the_tricky_block_is_commented_and_pastes_with_every_value_intact(tmp_path: Path) -> None:
    home, fetched = tricky_fetched()
    proposals = propose(home, fetched.pages, checklist=CHECKLIST, today=TODAY, failed=fetched.failed)
    block = to_yaml(proposals)
    assert "  # robots.txt disallows this column: it cannot be checked\n  - id: xsgz\n" in block
    assert "  # 20 items from the JSON endpoint its page's script reads, newest 2026-10-28\n" in block
    columns = config_with_block(tmp_path, block).site("found").columns
    assert [(c.id, c.name, c.url, c.cms, c.api) for c in columns] == [
        (p.id, p.name, p.url, p.cms, p.api) for p in proposals
    ]


@pytest.mark.parametrize(
    "name",
    [
        "a\n- id: evil",
        "通知\u2028- id: evil",
        "{{x}}: [y]",
        "'\"\\",
        "!!python/object/apply:os.system ['ls']",
        "#",
    ],
)
def test_hostile_names_and_notes_stay_values_and_comments(tmp_path: Path, name: str) -> None:
    odd = Proposal("odd", name, "http://x.edu.cn/a/list.htm", "auto", "notice", (), 1, None, notes=(name,))
    block = to_yaml([odd])
    column = config_with_block(tmp_path, block).site("found").columns
    assert [(c.id, c.name) for c in column] == [("odd", " ".join(name.split()))]  # on one line
    assert all(line.startswith(("columns:", "  # ", "  - ", "    ")) for line in block.splitlines())


# ----------------------------------------------------------------------------- script endpoints and mappings

PAGE_URL = "http://x.edu.cn/a/b.htm"


X = "http://x.edu.cn"
#: A Sudy shell as real ones are written: the URL in a variable, the page and column in a POST
#: data object (generalQuery answers the same by GET), other keys from variables (left out).
SUDY_QUERY = "_wp3services/generalQuery?queryObj=articles"
SUDY_SHELL = """<script>
    var articleUrl = "/_wp3services/generalQuery?queryObj=articles";
    var pageIndex = 1, rows = 14;
    function loadContents() {
        var orders = JSON.stringify(orderData);
        $.ajax({
            url: articleUrl,
            type: 'POST',
            dataType: 'json',
            data: {siteId: 3, columnId: 23317, pageIndex: pageIndex, rows: rows, orders: orders},
            success: function (result) { render(result.data); }
        });
    }
</script>"""


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<script>fetch("/api/list?page=1")</script>', [(f"{X}/api/list?page={{page}}", 1)]),
        ("<script>fetch('/api/list?page=' + page)</script>", [(f"{X}/api/list?page={{page}}", 1)]),
        ("<script>fetch(`/api/l?c=3&page=${opts.page}`)</script>", [(f"{X}/api/l?c=3&page={{page}}", 1)]),
        ('<script>$.ajax({type: "GET", url: "/api/news?pageNo=1", data: {}})</script>',
         [(f"{X}/api/news?pageNo={{page}}", 1)]),
        ('<script>$.getJSON("/api/l?pn=0&size=10", f)</script>', [(f"{X}/api/l?pn={{page}}&size=10", 0)]),
        ('<script>$.get("/q?queryObj=articles&amp;columnId=5&amp;pageIndex=1", f)</script>',
         [(f"{X}/q?queryObj=articles&columnId=5&pageIndex={{page}}", 1)]),  # the author's order
        ('<script>x.open("GET", "../api/l?curPage=1")</script>', [(f"{X}/api/l?curPage={{page}}", 1)]),
        ('<div data-api="/api/l.json?pageIndex=1"></div>', [(f"{X}/api/l.json?pageIndex={{page}}", 1)]),
        ("<script>$.get('/l', {cat: 'kx', page: 0}, f)</script>", [(f"{X}/l?cat=kx&page={{page}}", 0)]),
        (SUDY_SHELL, [(f"{X}/{SUDY_QUERY}&siteId=3&columnId=23317&pageIndex={{page}}", 1)]),
        ('<script>fetch("/x?a=" + cat + "&page=1")</script>', []),  # another variable: unknowable
        ('<script>fetch("/api/all")</script>', []),  # names no page
        ('<script>fetch("http://other.edu.cn/api/list?page=1")</script>', []),  # another host
        ('<script>$.get("/js/list.js?page=1")</script><script src="/api/list?page=1"></script>', []),
    ],
)  # fmt: skip
def test_script_endpoints(html: str, expected: list[tuple[str, int]]) -> None:
    page = HtmlResponse(url=PAGE_URL, body=html.encode(), encoding="utf-8")
    assert [(e.template, e.first_page) for e in script_endpoints(page)] == expected


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"total": 2, "data": [{"title": "学校召开工作会", "url": "/a/1.htm", "publishTime": "2026-10-01"}]},
         ("data", "title", "url", "publishTime")),
        ({"result": {"rows": [{"id": 1, "name": "关于开展检查的通知", "href": "/n/1.htm", "t": 1761955}]}},
         ("result.rows", "name", "href", None)),  # 1761955 s after 1970 is no date of a list
        ({"result": {"rows": [{"id": 1, "name": "关于开展检查的通知", "href": "/n/1.htm", "t": 1761955200}]}},
         ("result.rows", "name", "href", "t")),
        ({"list": [{"attributes": {"subject": "招聘公告发布"}, "links": {"self": "/node/1"}}]},
         ("list", "attributes.subject", "links.self", None)),
        ({"rows": [{"title": "通知", "url": "/1.htm", "createTime": "2026-10-01", "showDate": "2026-10-02"}]},
         ("rows", "title", "url", "showDate")),  # a plain date before a creation date
        ({"rows": [{"title": "通知", "url": "/1.htm", "updateTime": "2026-10-03", "addTime": "2026-10-01"}]},
         ("rows", "title", "url", "addTime")),  # a creation date before an update
        ({"data": [{"title": "学校新闻", "image": "/a.jpg"}]}, None),  # no link to an item
        ({"data": [1, 2, 3]}, None),
        ([{"title": "顶层列表", "url": "/a/1.htm"}], None),  # a top-level list: no items path
    ],
)  # fmt: skip
def test_infer_mapping(payload: object, expected: tuple[str, str, str, str | None] | None) -> None:
    endpoint = Endpoint("http://x.edu.cn/api?page={page}", first_page=1)
    body = json.dumps(payload, ensure_ascii=False).encode()
    response = TextResponse(url=endpoint.url, body=body, encoding="utf-8")
    mapping = infer_mapping(response, endpoint, today=TODAY)
    assert (mapping and (mapping.items, mapping.title, mapping.link, mapping.date)) == expected


def test_xxgk_discover_on_the_tricky_site_never_asks_for_a_disallowed_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a cold robots.txt cache, as on a first run
    with serving(TRICKY_SITE, robots=TRICKY_ROBOTS) as (base, seen):
        code, out, err = xxgk("discover", f"{base}/", config=discover_config(tmp_path / "config"))
    assert code == 0, err
    assert not [path for path in seen if path.startswith("/xsgz/")]
    assert sorted(seen) == sorted(set(seen))  # each page once
    assert set(seen) == {"/robots.txt", "/xsbg/list2.htm"} | set(TRICKY_SITE) - {"/xsgz/list.htm"}
    columns = config_with_block(tmp_path / "pasted", out).site("found").columns
    assert [(c.id, c.cms) for c in columns] == [
        ("kx", "jsonapi"), ("tzgg", "auto"), ("xsbg", "auto"), ("mt", "auto"), ("xsgz", "auto")
    ]  # fmt: skip
    kx = columns[0]
    assert kx.api is not None
    assert kx.api.url == f"{base}/api/list?cat=kx&page={{page}}"
    assert "  # robots.txt disallows this column: it cannot be checked\n  - id: xsgz\n" in out
    assert f"  # pager: its next page could not be read (not_found): {base}/xsbg/list2.htm\n" in out


# ----------------------------------------------------------------------------- the demo campus

DEMO_TODAY = dt.date(2026, 11, 26)


@dataclass
class DemoDiscovery:
    """One discovery run over every site of the demo campus (issue 10's sites included)."""

    campus: DemoCampus
    truth: dict[str, list[ListColumn]]  # the demo's own list of list columns, per site
    blocks: dict[str, str]  # site id → its YAML document, as printed
    errors: str  # stderr
    requests: list[str]  # every path the demo server was asked for
    home: dict[str, str]  # site id → home page URL
    apis: dict[str, dict[str, Any]]  # column URL → the api mapping of the demo's own config


@pytest.fixture(scope="module")
def demo_discovery() -> DemoDiscovery:
    campus = build_campus(today=DEMO_TODAY, new_columns=True)
    with DemoServer(campus) as server:
        home = {s.id: server.url(s.id, "/") for s in campus.sites()}
        argv = [
            sys.executable,
            "-m",
            "crawler.discover_run",
            *home.values(),
            "--checklist",
            str(CHECKLIST_FILE),
        ]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
        requests = [entry.target for entry in server.requests()]
        truth = list_columns(campus, port=server.port)
        shipped = yaml.safe_load(demo_config_yaml(campus, port=server.port, checklist_path="checklist.yaml"))
    apis = {
        c["url"]: c["api"]
        for area in shipped["campuses"]
        for s in area["sites"]
        for c in s["columns"]
        if "api" in c
    }
    documents = done.stdout.split("\n---\n")
    assert len(documents) == len(home), done.stderr
    blocks = dict(zip(home, documents, strict=True))
    return DemoDiscovery(campus, truth, blocks, done.stderr, requests, home, apis)


def test_discover_proposes_every_list_column_of_every_demo_site_and_nothing_else(
    demo_discovery: DemoDiscovery,
) -> None:
    run = demo_discovery
    for site_id, block in run.blocks.items():
        proposed = {c["url"]: c for c in yaml.safe_load(block)["columns"]}
        if site_id not in run.truth:  # login-walled, down or blocked: one error line, no block
            assert proposed == {}
            assert f"cannot read the home page {run.home[site_id]}" in run.errors
            continue
        expected = {c.url: c for c in run.truth[site_id]}
        assert list(proposed) == list(expected), site_id  # every list column, in order, and no other
        for url, listed in expected.items():
            got = proposed[url]
            assert got["name"] == listed.name
            assert got.get("api", {}).get("url") == listed.api, url
            if listed.api:  # the whole mapping, as the demo's own config has it (first_page 1 by default)
                assert {"first_page": 1, **got["api"]} == run.apis[url]
            assert (got["cms"] == "jsonapi") == (listed.cms == "jsonapi"), url
    disallowed = {path for demo_site in run.campus.sites() for path in demo_site.robots_disallow}
    assert len(disallowed) == 3  # wh-zsb /lqcx/, hxxy /xsgz.htm and /xsgz/
    assert not [path for path in run.requests if path.startswith(tuple(disallowed))]


def comments_by_id(block: str) -> dict[str, list[str]]:
    """Column id → the comment lines above it in a rendered block."""
    found: dict[str, list[str]] = {}
    pending: list[str] = []
    for line in block.splitlines():
        if line.startswith("  # "):
            pending.append(line[4:])
        elif line.startswith("  - id: "):
            found[line[8:]], pending = pending, []
    return found


def expected_notes(campus: DemoCampus, listed: ListColumn) -> tuple[str, ...]:
    """The start of each comment line that the proposal of a demo list column must carry."""
    if listed.robots_disallowed:
        return ("robots.txt disallows this column: it cannot be checked",)
    if listed.rows == 0:
        return ("0 items: a blank column",)
    first = " items from the JSON endpoint its page's script reads" if listed.api else " items"
    dates = {
        "article": ("the crawler opens each new item's page once for its date",),
        "url": (" dated by their URLs",),
    }
    size = API_ROWS if listed.api else campus.site(listed.site).column(listed.column).page_size
    pager = "pager checked: the next page lists" if listed.rows > size else "pager: no next page"
    return (first, *dates.get(listed.dates, ()), pager)


def test_demo_proposals_say_what_was_seen_and_paste_as_a_config(
    demo_discovery: DemoDiscovery, tmp_path: Path
) -> None:
    run = demo_discovery
    for site_id, site_columns in run.truth.items():
        block = run.blocks[site_id].split("\n", 1)[1]  # after its "# URL" line
        pasted = config_with_block(tmp_path / site_id, block).site("found").columns
        assert [c.url for c in pasted] == [c.url for c in site_columns]
        notes = comments_by_id(block)
        for listed, proposed_id in zip(site_columns, notes, strict=True):
            wanted_notes = expected_notes(run.campus, listed)
            assert len(notes[proposed_id]) == len(wanted_notes), (site_id, proposed_id, notes[proposed_id])
            for note, start in zip(notes[proposed_id], wanted_notes, strict=True):
                assert start in note, (site_id, proposed_id, note)


# ----------------------------------------------------------------------------- real pages

REAL_LISTS = Path(__file__).resolve().parents[3] / "shared" / "realpages" / "lists"


@pytest.mark.skipif(not REAL_LISTS.is_dir(), reason="../shared/realpages is not checked out")
@pytest.mark.parametrize("name", sorted(p.stem for p in REAL_LISTS.glob("*.json")))
def test_every_real_list_page_is_proposed_with_its_rows_and_a_pager(name: str) -> None:
    """Nobody here wrote these pages: each, met as a candidate, is proposed as a column."""
    label = json.loads((REAL_LISTS / f"{name}.json").read_text(encoding="utf-8"))
    url = label["url"]
    page = HtmlResponse(url=url, body=(REAL_LISTS / f"{name}.html").read_bytes())
    today = dt.date.fromisoformat(label["saved_on"][:10])
    proposal = read_candidate("栏目", url, Fetched({url: page}), checklist=CHECKLIST, today=today)
    assert proposal is not None
    assert proposal.items_seen >= len(label["rows"]) // 2 > 0
    assert proposal.notes[-1].startswith(
        ("pager: its next page was not fetched: http", "pager: no next page")
    )


def test_a_candidate_waiting_for_a_page_another_asked_for_goes_on_once_it_arrives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    api = "/api/list?cat=kx&page=1"  # the menu links the endpoint itself too: asked for as a candidate
    menu = f'<ul class="menu"><li><a href="{api}">接口</a></li><li><a href="/kx/list.htm">快讯</a></li></ul>'
    files = {path: TRICKY_SITE[path] for path in ("/kx/list.htm", api, "/api/list?cat=kx&page=2")}
    with serving({**files, "/": (HTML, _page("首页", menu))}) as (base, seen):
        code, out, err = xxgk("discover", f"{base}/", config=discover_config(tmp_path / "config"))
    assert code == 0, err
    assert comments_by_id(out) == {
        "kx": [
            "20 items from the JSON endpoint its page's script reads, newest 2026-10-28",
            "pager checked: the next page lists 10 more items",
        ]
    }  # the JSON itself is no list page
    assert sorted(seen) == sorted(set(seen))


def test_an_attribute_named_with_a_control_character_does_not_break_the_candidates() -> None:
    from scrapy.http import HtmlResponse

    from crawler.discover import candidate_links

    body = '<html><body><nav><a \x01x="1" href="/tzgg/list.htm">通知公告</a></nav></body></html>'
    page = HtmlResponse(url="http://x.example.edu.cn/", body=body.encode("utf-8"))
    assert [url for _, url in candidate_links(page)] == ["http://x.example.edu.cn/tzgg/list.htm"]
