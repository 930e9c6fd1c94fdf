"""crawler.discover on saved home pages, and `xxgk discover` end to end against a loopback site.

The two sites are the home pages under ``fixtures/homes/`` (a WebPlus one with a nav menu and
更多 links, a VSB one) with some of their columns served by list fixtures of
``fixtures/lists/`` (see test_profiles.py) and ``fixtures/homes/``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.http import HtmlResponse

from crawler.discover import (
    Proposal,
    candidate_links,
    column_id,
    column_kind,
    guess_checklist,
    propose,
    to_yaml,
    unique_ids,
)
from monitor import crawl
from monitor.cli import main
from monitor.config import Column, Config, load_checklist, load_config
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


@pytest.fixture
def loopback_site() -> Iterator[str]:
    """The WebPlus site on 127.0.0.1 (any free port); anything else is a 404 (robots.txt too)."""
    files = {path: file.read_bytes() for path, file in WEBPLUS_SITE.items()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_xxgk_discover_end_to_end(tmp_path: Path, loopback_site: str) -> None:
    news = site("news", columns=[column("xxyw", url="http://news.example.edu.cn/xxyw/list.htm")])
    data = {**config_data([{"id": "main", "name": "校本部", "sites": [news]}]), "crawl": {"delay_seconds": 0}}
    config_path = write_config(tmp_path / "config", data)
    shutil.copy(CHECKLIST_FILE, config_path.parent / "checklist.yaml")  # real keywords, real guesses
    code, out, err = xxgk("discover", f"{loopback_site}/", config=config_path)
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
