"""crawler.profiles on saved list pages: one fixture per CMS family and template variant.

The fixtures under ``fixtures/lists/`` are modelled on the real excerpts in
``reference/campus-cms.md`` (news.qlu WebPlus, the lntdxy VSB page, today.hit Drupal, due.hitsz
VSB, the hitsz custom CMS, a Sudy JSON API response), each with its source in a comment; what
each must read as is tabled in ``fixtures/lists/expected.yaml``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from scrapy.http import HtmlResponse, TextResponse

from crawler.profiles import ListPage, profile_for
from crawler.profiles.generic import looks_like_date
from monitor.config import Column

FIXTURES = Path(__file__).parent / "fixtures" / "lists"

#: fixture → url, family, rows and pager, as documented at the top of the file
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))
API = "https://jwc.hit.edu.cn/_wp3services/generalQuery?queryObj=articles&pageIndex={page}&rows=3"


def column(url: str, *, cms: str = "auto", **extra: Any) -> Column:
    return Column.model_validate(
        {"id": "notices", "name": "通知公告", "url": url, "cms": cms, "kind": "notice", **extra}
    )


def response(name: str, url: str | None = None, *, body: bytes | None = None) -> HtmlResponse:
    """A saved page as Scrapy receives it: bytes, no encoding given (it is read from the page)."""
    return HtmlResponse(
        url=url or EXPECTED[name]["url"], body=body if body is not None else (FIXTURES / name).read_bytes()
    )


def read(
    name: str, *, cms: str = "auto", url: str | None = None, body: bytes | None = None, **extra: Any
) -> ListPage:
    page = response(name, url, body=body)
    col = column(page.url, cms=cms, **extra)
    return profile_for(col, page).parse_list(page, column=col)


def read_api(data: Any, *, page: int = 1, **mapping: Any) -> ListPage:
    api = {"url": API, "items": "data", "title": "title", "link": "url", "date": "publishTime", **mapping}
    col = column(API.replace("{page}", "1"), cms="jsonapi", api=api)
    body = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}  # JSON is UTF-8 (RFC 8259)
    res = TextResponse(url=API.replace("{page}", str(page)), body=body, headers=headers)
    return profile_for(col, res).parse_list(res, column=col)


def titles(page: ListPage) -> list[str]:
    return [row.title for row in page.rows]


@pytest.mark.parametrize("name", EXPECTED)
def test_auto_detection_picks_the_family(name: str) -> None:
    page = response(name)
    assert profile_for(column(page.url), page).name == EXPECTED[name]["family"]


def test_a_configured_family_is_used_whatever_the_page() -> None:
    assert profile_for(column("http://x.cn/", cms="vsb"), response("hitsz_custom_list.html")).name == "vsb"


@pytest.mark.parametrize("name", [name for name, expected in EXPECTED.items() if "rows" in expected])
def test_rows_dates_pins_and_attachments(name: str) -> None:
    page = read(name)
    assert page.found
    rows = [[row.date_text, "P" * row.pinned + "A" * row.is_attachment] for row in page.rows]
    assert rows == EXPECTED[name]["rows"]


@pytest.mark.parametrize("name", [name for name, expected in EXPECTED.items() if "rows" in expected])
def test_next_page_and_every_page(name: str) -> None:
    page = read(name)
    urls = page.page_urls
    pager = {"next": page.next_url, "count": len(urls)} | (
        {"first": urls[0], "last": urls[-1]} if urls else {}
    )
    assert pager == EXPECTED[name].get("pager", {"next": None, "count": 0})


# --------------------------------------------------------------------------- WebPlus


def test_webplus_titles_full_and_without_the_pin_prefix() -> None:
    names = titles(read("webplus_news_list.html"))
    assert "侧栏热点新闻一" not in names  # the sidebar window #wp_news_w7 is not the paged list
    assert names[0] == "学校党委理论学习中心组专题学习安排"  # [置顶] removed
    assert (
        names[2] == "齐鲁工业大学与济南市签署战略合作协议暨共建产业技术研究院揭牌仪式举行"
    )  # text cut with …
    assert names[6] == "我校在全国大学生化工设计竞赛中获特等奖"  # no a@title: the text
    assert (
        titles(read("webplus_table.html"))[1] == "关于开展2017年度本科教学质量工程项目申报工作的通知"
    )  # cut with ...


def test_webplus_urls_relative_external_and_files() -> None:
    rows = read("webplus_news_list.html").rows
    assert rows[1].url == "https://news.qlu.edu.cn/2022/1205/c814a216251/page.htm"
    assert rows[3].url.endswith(".pdf")
    assert rows[4].url == "https://mp.weixin.qq.com/s/Qlu2022AbCdEf"  # host kept, fragment dropped
    assert rows[5].url == "https://news.qlu.edu.cn/2022/1202/c814a216100/page.htm"  # ../ resolved


def test_webplus_blank_column_is_found_with_no_rows() -> None:
    assert read("webplus_empty.html") == ListPage(found=True, rows=(), next_url=None, page_urls=())


# --------------------------------------------------------------------------- VSB


def test_vsb_card_rows_take_the_heading_not_the_date_inside_the_link() -> None:
    rows = read("vsb_lntdxy_zbgg.html").rows
    assert rows[0].title == "询价公告"
    assert rows[0].url == "https://www.lntdxy.com/info/1039/3201.htm"  # ../info/ from the site root
    assert (
        rows[1].title == "辽宁理工大学2025年学生公寓家具采购项目竞争性磋商公告"
    )  # a@title over the cut <h4>
    assert "wbfileid=9876543" in rows[2].url
    assert rows[3].url.startswith("http://www.ccgp-liaoning.gov.cn/")


def test_vsb_total_from_numbered_links_without_the_page_count() -> None:
    body = (FIXTURES / "vsb_lntdxy_zbgg.html").read_bytes().replace(b'<span class="p_t">1/11</span>', b"")
    page = read("vsb_lntdxy_zbgg.html", body=body)
    assert page.page_urls == tuple(f"https://www.lntdxy.com/zbgg/{n}.htm" for n in range(10, 0, -1))


def test_vsb_gbk_page_given_as_bytes_decodes_from_its_meta() -> None:
    assert response("gbk_vsb_old.html").encoding == "gb18030"
    assert titles(read("gbk_vsb_old.html")) == [
        "关于寒假期间学院办公安排的通知",
        "经管学院2023年度教职工考核结果公示",
        "关于2024年元旦放假安排的通知",
    ]


def test_vsb_em_holds_the_title_or_the_date() -> None:
    html = """<html><body><ul>
      <li id="line_u9_0"><a href="../info/1/2.htm">
        <em>关于2026年寒假放假的通知</em><span> 2026-06-23</span></a></li>
      <li id="line_u9_1"><a href="../info/1/1.htm" title="学院年度考核结果公示">
        学院年度考核结果公示</a><em>2026-06-20</em></li>
    </ul></body></html>"""
    page = read("", url="http://sa.hit.edu.cn/tzgg.htm", body=html.encode())
    assert [(row.title, row.date_text) for row in page.rows] == [
        ("关于2026年寒假放假的通知", "2026-06-23"),
        ("学院年度考核结果公示", "2026-06-20"),
    ]


# --------------------------------------------------------------------------- Drupal


def test_drupal_rows_are_the_title_links_not_the_departments() -> None:
    page = read("drupal_today_category.html")
    assert [row.url.rsplit("/", 1)[1] for row in page.rows] == [
        "129801",
        "129790",
        "129755",
        "129700",
        "129688",
    ]


def test_drupal_falls_back_to_rows_linking_articles() -> None:
    html = """<html><head><meta name="Generator" content="Drupal 8"></head><body>
      <ul class="menu"><li><a href="/category/11">新闻快讯</a></li></ul>
      <div class="item-list"><ul>
        <li><a href="/article/2026/05/10/129723">哈工大举行2026年春季运动会</a> <em>05-10</em></li>
        <li><a href="/article/2026/05/09/129700">学校召开安全工作会议</a> <em>05-09</em></li>
      </ul></div></body></html>"""
    page = read("", url="http://today.hit.edu.cn/category/11", body=html.encode())
    assert titles(page) == ["哈工大举行2026年春季运动会", "学校召开安全工作会议"]
    assert [row.date_text for row in page.rows] == ["05-10", "05-09"]


# --------------------------------------------------------------------------- generic and selectors


def test_generic_finds_the_repeated_block_on_an_unknown_template() -> None:
    page = read("hitsz_custom_list.html")
    assert page.rows[1].title == "哈尔滨工业大学（深圳）2024年公开招聘管理岗位工作人员公告"
    assert page.rows[4].url == "https://www.hit.edu.cn/2024/0508/c1441a330000/page.htm"


@pytest.mark.parametrize("cms", ["auto", "webplus", "vsb", "drupal"])
def test_a_page_without_a_list_is_not_found(cms: str) -> None:
    assert read("redesign_no_list.html", cms=cms) == ListPage(found=False, rows=(), next_url=None)


def test_selectors_drive_the_generic_profile() -> None:
    page = read("hitsz_custom_list.html", selectors={"item": ".mainside_news li", "date": "span.date"})
    assert [row.date_text for row in page.rows] == [
        date for date, _ in EXPECTED["hitsz_custom_list.html"]["rows"]
    ]


def test_selectors_override_a_family_profile_but_keep_its_pager() -> None:
    selectors = {"item": "#wp_news_w7 li", "link": ".news_title a", "date": ".news_meta"}
    page = read("webplus_news_list.html", cms="webplus", selectors=selectors)
    assert titles(page) == ["侧栏热点新闻一", "侧栏热点新闻二"]
    assert page.next_url == "https://news.qlu.edu.cn/814/list2.htm"


def test_selectors_without_a_date_find_the_date_looking_text() -> None:
    page = read("vsb_due_hitsz.html", selectors={"item": "ul.list-main-modular li"})
    assert page.rows[1].date_text == "2026-06-22"


def test_selectors_matching_nothing_are_not_found_even_on_a_family_page() -> None:
    assert not read("hitsz_custom_list.html", selectors={"item": "div.no-such-list li"}).found
    assert not read("webplus_news_list.html", selectors={"item": "div.no-such-list li"}).found


def test_pager_and_nav_links_inside_the_list_are_not_rows() -> None:
    html = """<html><body><ul class="list">
      <li><a href="/a/3.html">关于举办2024年校园开放日的通知</a><span>2024-05-20</span></li>
      <li><a href="/a/2.html">图书馆端午节开放时间安排</a><span>2024-05-18</span></li>
      <li class="pagination"><a href="/a/list_2.html">2</a><a href="/a/list_2.html">下一页</a></li>
      <li><a href="/a/more.html">更多</a></li>
    </ul></body></html>"""
    page = read("", url="http://lib.hit.edu.cn/a/", body=html.encode(), selectors={"item": "ul.list li"})
    assert titles(page) == ["关于举办2024年校园开放日的通知", "图书馆端午节开放时间安排"]
    assert page.next_url == "http://lib.hit.edu.cn/a/list_2.html"


@pytest.mark.parametrize(
    ("row", "pinned"),
    [('<li class="top">', True), ('<li class="news_top x">', True), ('<li><i class="icon-zhiding">', True),
     ("<li><span>置顶</span>", True), ("<li>【置顶】", True),
     ('<li class="mt-top top-0">', False), ("<li>", False)],
)  # fmt: skip
def test_pinned_markers(row: str, pinned: bool) -> None:
    html = f'<html><body><ul>{row}<a href="/n/1.htm">关于校园网维护的通知</a></li></ul></body></html>'
    page = read("", url="http://nic.hit.edu.cn/", body=html.encode(), selectors={"item": "li"})
    assert (page.rows[0].pinned, page.rows[0].title) == (pinned, "关于校园网维护的通知")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2024-05-20", True), ("[09-01]", True), ("发布时间：2022年09月01日", True), ("3天前", True),
     ("08-31 2026", True), ("关于2022年9月1日开学的通知", False), ("点击量 23", False), ("", False)],
)  # fmt: skip
def test_looks_like_date_accepts_cells_not_titles(text: str, expected: bool) -> None:
    assert looks_like_date(text) is expected


# --------------------------------------------------------------------------- JSON API


def test_jsonapi_rows_pins_links_and_dates() -> None:
    page = read_api((FIXTURES / "jsonapi_generalquery.json").read_bytes())
    assert titles(page) == [
        "本科生院各办公室职责及联系方式",
        "关于2022年秋季学期本科生选课的通知",
        "2022秋季学期校历",
    ]
    assert [row.pinned for row in page.rows] == [True, False, False]  # top: 1, 0, "0"
    assert page.rows[0].url == "https://jwc.hit.edu.cn/2022/0301/c2591a280001/page.htm"
    assert page.rows[0].date_text == "2022-03-01 09:00:00"
    assert page.rows[2].is_attachment


def test_jsonapi_next_page_until_the_total() -> None:
    data = json.loads((FIXTURES / "jsonapi_generalquery.json").read_bytes())
    assert read_api(data).next_url == API.replace("{page}", "2")
    assert read_api(data, page=15).next_url is None  # 15 pages × 3 entries = total 45


def test_jsonapi_empty_list_is_found_and_ends_the_walk() -> None:
    assert read_api({"data": [], "total": 0}) == ListPage(found=True, rows=(), next_url=None)


def test_jsonapi_missing_items_path_or_bad_json_is_not_found() -> None:
    assert not read_api({"error": "no such column"}).found
    assert not read_api(b"<html>502 Bad Gateway</html>").found


def test_jsonapi_nested_paths_and_epoch_dates() -> None:
    entry = {"info": {"name": "招生简章", "href": "/info/1/2.htm"}, "t": 1715990400000, "isTop": True}
    page = read_api(
        {"data": {"rows": [entry]}}, items="data.rows", title="info.name", link="info.href", date="t"
    )
    assert (page.rows[0].title, page.rows[0].pinned) == ("招生简章", True)
    assert page.rows[0].date_text == "2024-05-18"  # 08:00 in Asia/Shanghai
    assert page.next_url == API.replace("{page}", "2")  # no total: go on while pages have entries
