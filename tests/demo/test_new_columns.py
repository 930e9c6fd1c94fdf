"""Issue 10's demo sites as a visitor sees them: title-only, URL-dated, VSB variant, year-less and
dates-in-link lists, the VSB column robots.txt disallows, the request log, the ground truth of
list columns for `xxgk discover`, and the all-auto config.

Rows are read here with selectors written for each template (what the page holds), and compared
with the model, so a template that drifts from its truth fails.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin
from urllib.robotparser import RobotFileParser

import lxml.html
import pytest
from w3lib.url import canonicalize_url

from monitor.config import load_config
from monitor.demo import DemoCampus, DemoColumn, DemoServer, build_campus, demo_config_yaml, list_columns
from monitor.demo.layout import NEW_SITES
from monitor.demo.paging import list_urls, page_items
from tests.demo.conftest import TODAY, fetch

ROOT = Path(__file__).resolve().parents[2]
NEW = [(site.id, column.id) for sites in NEW_SITES.values() for site in sites for column in site.columns]
READABLE = [key for key in NEW if key not in (("hxxy", "xsgz"), ("xgb", "jyxx"))]  # HTML lists


@pytest.fixture(scope="module")
def new_campus() -> DemoCampus:
    return build_campus(today=TODAY, new_columns=True)


@pytest.fixture(scope="module")
def new_server(new_campus: DemoCampus) -> DemoServer:
    with DemoServer(new_campus) as running:
        yield running  # type: ignore[misc]


@dataclass(frozen=True)
class Shown:
    href: str  # absolute, canonical
    title: str
    date: str  # the date text as shown, "" when none


def _text(node: lxml.html.HtmlElement) -> str:
    return node.text_content().replace("\xa0", " ").strip()


#: Per template: the row, its link, the element holding its title (None: the link) and its date.
ROWS = {
    "vsb_ul": ("ul.list_class_ul", "a", None, "li.fr"),
    "vsb_table": ("table.winstyle56623 tr[height]", "a.c56623", None, "span[class^=time]"),
    "vsb_yearless": ("li[id^=line_u9_]", "a", None, "span.fr"),
    "php_span": (".xinwen-list li", "a", "span.title", "span.date"),
    "php_paren": (".xinwen-list li", "a", None, None),
    "jsp_no_date": ("ul.list li", "a", None, None),
    "trs_no_date": (".lm_list li", "a", None, None),
    "dede_no_date": ("ul.e2 li", "a.title", None, None),
}
IN_LINK = re.compile(r"(.+)（(\d{4}-\d\d-\d\d)）")


def _shown(doc: lxml.html.HtmlElement, template: str) -> list[tuple[lxml.html.HtmlElement, str, str]]:
    """(link, title, date text) of each row, read with the template's own markup."""
    row_css, link_css, title_css, date_css = ROWS[template]
    found = []
    for row in doc.cssselect(row_css):
        link = row.cssselect(link_css)[0]
        title = _text(row.cssselect(title_css)[0] if title_css else link)
        date = _text(row.cssselect(date_css)[0]) if date_css else ""
        if template == "php_paren" and (parts := IN_LINK.fullmatch(title)):
            title, date = parts[1], parts[2]
        found.append((link, title, date))
    return found


def _rows(server: DemoServer, site_id: str, column: DemoColumn, path: str) -> tuple[list[Shown], str]:
    url = server.url(site_id, path)
    reply = fetch(url)
    assert reply.status == 200, url
    encoding = "gb18030" if site_id == "sz-rwxy" else "utf-8"
    doc = reply.doc(encoding)
    rows = [Shown(canonicalize_url(urljoin(url, a.get("href"))), title, date)
            for a, title, date in _shown(doc, column.template)]  # fmt: skip
    return rows, reply.body.decode(encoding)


def _date_text(column: DemoColumn, day: dt.date) -> str:
    if column.template.endswith("no_date"):
        return ""
    return f"{day:%m-%d}" if column.template == "vsb_yearless" else f"{day:%Y-%m-%d}"


@pytest.mark.parametrize(("site_id", "column_id"), READABLE)
def test_each_list_page_shows_exactly_its_rows(
    new_campus: DemoCampus, new_server: DemoServer, site_id: str, column_id: str
) -> None:
    column = new_campus.site(site_id).column(column_id)
    pages = list_urls(column)
    assert len(pages) >= 5  # every new column pages
    for k, path in enumerate(pages, start=1):
        rows, _ = _rows(new_server, site_id, column, path)
        want = [
            Shown(canonicalize_url(new_server.url(site_id, item.href)), item.title, _date_text(column, day))
            for item in page_items(column, k)
            if (day := item.published_on) is not None
        ]
        assert rows == want, (path, rows[:2], want[:2])


NEXT_LABELS = ("下一页", "下页")
DATE = re.compile(r"(?<![\d-])(?:\d{4}-)?\d\d-\d\d(?![\d-])")
TRS_PAGER = re.compile(r'createPageHTML\((\d+), (\d+), "index", "html"\)')


def _next(url: str, body: str) -> str | None:
    """The next page as a reader finds it: the link labelled 下一页/下页, or TRS's script pager."""
    doc = lxml.html.document_fromstring(body)
    labelled = [a.get("href") for a in doc.cssselect("a[href]") if _text(a) in NEXT_LABELS]
    if labelled:
        return urljoin(url, labelled[0])
    trs = TRS_PAGER.search(body)
    if trs and int(trs[2]) + 1 < int(trs[1]):
        return urljoin(url, f"index_{int(trs[2]) + 1}.html")
    return None


@pytest.mark.parametrize(("site_id", "column_id"), READABLE)
def test_the_pager_walks_every_page_in_order(
    new_campus: DemoCampus, new_server: DemoServer, site_id: str, column_id: str
) -> None:
    column = new_campus.site(site_id).column(column_id)
    walked, url = [], new_server.url(site_id, column.path)
    while url is not None and len(walked) < 50:
        walked.append(canonicalize_url(url))
        _, body = _rows(new_server, site_id, column, url.split(f":{new_server.port}", 1)[1])
        url = _next(url, body)
    assert walked == [canonicalize_url(new_server.url(site_id, path)) for path in list_urls(column)]


def test_title_only_lists_keep_dates_in_the_url_or_the_article(
    new_campus: DemoCampus, new_server: DemoServer
) -> None:
    url_date = {
        "trs": re.compile(r"/(\d{6})/t(\d{8})_\d+\.html$"),
        "dede": re.compile(r"/(\d{4})/(\d{4})/\d+\.html$"),
    }
    for site_id, column_id in (("xgb", "xgdt"), ("wh-dzb", "tzgg"), ("wh-xsc", "tzgg")):
        column = new_campus.site(site_id).column(column_id)
        _, body = _rows(new_server, site_id, column, column.path)
        listing = lxml.html.document_fromstring(body).cssselect(".main")[0].text_content()
        assert not DATE.search(listing), site_id  # no date on the list
        for item in column.items:
            assert item.published_on is not None
            if column.family in url_date:
                found = url_date[column.family].search(item.href)
                assert found is not None, item.href
                assert "".join(found.groups())[-8:] == f"{item.published_on:%Y%m%d}"
        shown = {
            "jsp": "发布日期：{:%Y-%m-%d}",
            "trs": "发布时间：{:%Y-%m-%d}",
            "dede": "时间:</small>{:%Y-%m-%d}",
        }
        for item in column.items[:: max(1, len(column.items) // 12)]:
            article = fetch(new_server.url(site_id, item.href))
            assert article.status == 200
            assert shown[column.family].format(item.published_on) in article.text


def test_the_jsp_article_answers_its_query_in_any_order(
    new_campus: DemoCampus, new_server: DemoServer
) -> None:
    item = new_campus.site("xgb").column("xgdt").items[3]
    path, query = item.href.split("?")
    shuffled = "&".join(reversed(query.split("&")))
    assert (
        fetch(new_server.url("xgb", f"{path}?{shuffled}")).body
        == fetch(new_server.url("xgb", item.href)).body
    )
    assert (
        fetch(new_server.url("xgb", f"{path}?urltype=news.NewsContentUrl&wbtreeid=1121&wbnewsid=1")).status
        == 404
    )


def test_the_vsb_variant_pages_carry_the_vsb_fingerprints_but_no_line_rows(new_server: DemoServer) -> None:
    for path in ("/tzgg.htm", "/xshd.htm", "/tzgg/3.htm"):
        reply = fetch(new_server.url("hxxy", path))
        doc = reply.doc()
        assert doc.cssselect("script[src^='/system/resource/js/']")
        assert "<!--#begineditable" in reply.text
        assert doc.cssselect("img[vsbhref]")
        assert not doc.cssselect("li[id^=line_u]")
    assert fetch(new_server.url("hxxy", "/xwzx/xyxw.htm")).doc().cssselect("li[id^=line_u]")


def test_the_year_less_column_spans_three_years_with_an_old_row_on_top(new_campus: DemoCampus) -> None:
    column = new_campus.site("hxxy").column("xyxw")
    days = [item.published_on for item in column.items]
    assert all(day is not None for day in days)
    top, rest = days[0], days[1:]
    assert top is not None
    assert len({day.year for day in rest if day}) >= 3
    assert (TODAY - min(d for d in rest if d)).days >= 3 * 365 - 60
    assert rest == sorted(rest, reverse=True)  # newest first below the top row …
    assert rest[0] is not None
    assert top < rest[0]  # … which is older than the next, with no 置顶 mark
    assert column.items[0].pinned


def test_robots_txt_disallows_the_vsb_column_page_and_its_directory(
    new_campus: DemoCampus, new_server: DemoServer
) -> None:
    robots = fetch(new_server.url("hxxy", "/robots.txt")).text
    assert robots == "User-agent: *\nDisallow: /xsgz.htm\nDisallow: /xsgz/\n"
    parser = RobotFileParser()
    parser.parse(robots.splitlines())
    site = new_campus.site("hxxy")
    for column in site.columns:
        allowed = column.behaviour != "disallowed"
        for path in list_urls(column):
            assert parser.can_fetch("xxgk-monitor", new_server.url("hxxy", path)) is allowed, path
    assert fetch(new_server.url("wh-zsb", "/robots.txt")).text == "User-agent: *\nDisallow: /lqcx/\n"


def test_the_server_logs_every_request() -> None:
    with DemoServer(build_campus(today=TODAY, new_columns=True)) as server:
        fetch(server.url("hxxy", "/robots.txt"))
        fetch(server.url("hxxy", "/tzgg.htm"))
        fetch(server.url("sz-rwxy", "/news.php?cat_id=1342&page=2"))
        fetch(server.url("hxxy", "/nowhere.htm"))
        assert [(r.site, r.target, r.status) for r in server.requests()] == [
            ("hxxy", "/robots.txt", 200),
            ("hxxy", "/tzgg.htm", 200),
            ("sz-rwxy", "/news.php?cat_id=1342&page=2", 200),
            ("hxxy", "/nowhere.htm", 404),
        ]
        assert [r.target for r in server.requests("sz-rwxy")] == ["/news.php?cat_id=1342&page=2"]


def test_new_columns_leave_the_other_sites_alone(new_campus: DemoCampus) -> None:
    campus = build_campus(today=TODAY, new_columns=False)

    def items(c: DemoCampus) -> dict[str, list[tuple[str, str, object]]]:
        return {
            s.id: [(i.href, i.title, i.published_on) for col in s.columns for i in col.items]
            for s in c.sites()
        }

    old, new = items(campus), items(new_campus)
    assert set(new) - set(old) == {site.id for sites in NEW_SITES.values() for site in sites}
    assert {site: new[site] for site in old} == old
    assert [c.id for c in new_campus.campuses] == [c.id for c in campus.campuses]


def test_list_columns_are_what_discover_should_propose(
    new_campus: DemoCampus, new_server: DemoServer
) -> None:
    truth = list_columns(new_campus, port=new_server.port)
    assert set(truth) == {s.id for s in new_campus.sites() if s.behaviour == "ok"}
    by_key = {(c.site, c.column): c for columns in truth.values() for c in columns}
    assert ("rsc", "gzzd") not in by_key  # redesigned: no list any more
    assert ("sz-hq", "lszl") not in by_key  # 404
    assert by_key[("sz-hq", "fwzn")].rows == 0  # blank, but a list
    assert {k for k, c in by_key.items() if c.robots_disallowed} == {("wh-zsb", "lqcx"), ("hxxy", "xsgz")}
    assert {k: c.dates for k, c in by_key.items() if k in NEW} == {
        ("xgb", "xgdt"): "article", ("hxxy", "tzgg"): "list", ("hxxy", "xshd"): "list",
        ("hxxy", "xyxw"): "list", ("hxxy", "xsgz"): "list", ("wh-dzb", "tzgg"): "url",
        ("wh-xsc", "tzgg"): "url", ("sz-rwxy", "xyxw"): "link", ("sz-rwxy", "tzgg"): "link",
        ("xgb", "jyxx"): "json",
    }  # fmt: skip
    kx = by_key[("wh-today", "kx")]
    assert (kx.cms, kx.dates) == ("jsonapi", "json")
    assert kx.api is not None
    shell = fetch(kx.url).text
    assert kx.api.replace("{page}", "1").split(f":{new_server.port}", 1)[1] in shell  # raw, as in a script
    assert fetch(kx.api.replace("{page}", "2")).status == 200
    assert [k for k, c in by_key.items() if c.api] == [("xgb", "jyxx"), ("wh-today", "kx")]
    for site_id, columns in truth.items():
        encoding = "gb18030" if new_campus.site(site_id).encoding == "gbk" else "utf-8"
        home = fetch(new_server.url(site_id, "/")).doc(encoding)
        links = (urljoin(new_server.url(site_id, "/"), a.get("href")) for a in home.cssselect("a"))
        linked = {canonicalize_url(link) for link in links}
        assert {c.url for c in columns} <= linked, site_id  # each is one link away from the home page


def test_the_all_auto_config_names_no_family(new_campus: DemoCampus, tmp_path: Path) -> None:
    checklist = str(ROOT / "config" / "checklist.yaml")
    paths = {}
    for cms in ("family", "auto"):
        paths[cms] = tmp_path / f"{cms}.yaml"
        paths[cms].write_text(demo_config_yaml(new_campus, port=8800, checklist_path=checklist, cms=cms))
    family, auto = (load_config(paths[cms]) for cms in ("family", "auto"))
    columns = {(s.id, c.id): c for _, s in auto.sites() for c in s.columns}
    assert set(columns) == {(s.id, c.id) for _, s in family.sites() for c in s.columns}
    assert {key for key, c in columns.items() if c.cms != "auto"} == {("wh-today", "kx"), ("xgb", "jyxx")}
    assert all(c.selectors is None for c in columns.values())
    assert columns[("wh-today", "kx")].api is not None
    named = {(s.id, c.id): c.cms for _, s in family.sites() for c in s.columns}
    assert {named[key] for key in NEW} == {"vsb", "auto", "jsonapi"}  # JSP, TRS, Dede, PHP: no profile
    api = columns[("xgb", "jyxx")].api
    assert api is not None
    assert (api.items, api.link, api.date, api.first_page) == ("data.rows", "linkUrl", "publishDate", 1)


def test_the_json_shell_is_filled_from_its_endpoint_page_by_page(
    new_campus: DemoCampus, new_server: DemoServer
) -> None:
    column = new_campus.site("xgb").column("jyxx")
    shell = fetch(new_server.url("xgb", column.path))
    assert not shell.doc().cssselect("#newsList li")  # nothing to read without running the script
    assert '$.getJSON("/api/article/list?catalogId=1125&pageNo=" + page + "&pageSize=15"' in shell.text
    pages = list_urls(column)
    assert len(pages) == 7
    for k, path in enumerate(pages, start=1):
        data = json.loads(fetch(new_server.url("xgb", path)).body)["data"]
        assert (data["total"], data["pageNo"]) == (95, k)
        want = [(item.href, item.title, f"{item.published_on:%Y-%m-%d}") for item in page_items(column, k)]
        assert [(r["linkUrl"], r["title"], r["publishDate"]) for r in data["rows"]] == want
    first = column.items[0]
    article = fetch(new_server.url("xgb", first.href))
    assert f"发布日期：{first.published_on:%Y-%m-%d}" in article.text  # the JSP site's article page
