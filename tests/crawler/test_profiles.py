"""crawler.profiles on saved list pages: one fixture per CMS family and template variant.

The fixtures under ``fixtures/lists/`` are modelled on the real excerpts in
``reference/campus-cms.md`` (news.qlu WebPlus, the lntdxy VSB page, today.hit Drupal, due.hitsz
VSB, the hitsz custom CMS, a Sudy JSON API response), each with its source in a comment; what
each must read as is tabled in ``fixtures/lists/expected.yaml``.
"""

from __future__ import annotations

import json
import pkgutil
import re
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from scrapy.http import HtmlResponse, TextResponse

from crawler import profiles
from crawler.profiles import GENERIC, PROFILES, ListPage, auto_order, chain, families, profile_for, read_list
from crawler.profiles.rows import looks_like_date
from monitor.config import CmsFamily, Column

FIXTURES = Path(__file__).parent / "fixtures" / "lists"
ROOT = Path(__file__).resolve().parents[2]

#: fixture → url, family, rows and pager, as documented at the top of the file
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))
API = "https://jwc.hit.edu.cn/_wp3services/generalQuery?queryObj=articles&pageIndex={page}&rows=3"
JSON_API = {"url": API, "items": "data", "title": "title", "link": "url", "date": "publishTime"}


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
    """The page as the crawler reads it: through the chain of profiles (family, then generic)."""
    return read_by(name, cms=cms, url=url, body=body, **extra)[1]


def read_by(
    name: str, *, cms: str = "auto", url: str | None = None, body: bytes | None = None, **extra: Any
) -> tuple[str, ListPage]:
    """(the profile that read the page, the page)."""
    page = response(name, url, body=body)
    return read_list(page, column=column(page.url, cms=cms, **extra))


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
    profile, page = read_by(name)
    assert page.found
    assert profile == EXPECTED[name].get("profile", EXPECTED[name]["family"])
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


# --------------------------------------------------------------------------- generic: title-only lists


def test_title_only_list_leaves_menus_crumbs_sidebars_and_related_links_out() -> None:
    assert titles(read("title_only_jsp.html")) == [
        "关于2025年博士研究生招生复试工作安排的通知",
        "2025年硕士研究生招生考试初试成绩查询及复核说明",
        "研究生院关于寒假期间办公安排的通知",
        "2025年接收推荐免试研究生拟录取名单公示",
    ]


def test_title_only_rows_keep_their_links_and_full_titles() -> None:
    rows = read("title_only_trs.html").rows
    assert rows[0].url == "http://jyt.example.gov.cn/zwgk/tzgg/202209/t20220901_123456.html"
    assert rows[1].title == "关于公布2022年省级一流本科课程认定结果的通知"  # text cut with ..., a@title full
    assert read("title_only_numbered.html").rows[2].url == "http://www.news.cn/edu/2022-08/30/c_1128961.htm"


def test_a_list_of_menu_words_or_other_sites_is_no_list() -> None:
    html = """<html><body><div class="main">
      <ul><li><a href="/xygk/">学院概况</a></li><li><a href="/szdw/">师资队伍</a></li>
          <li><a href="/kxyj/">科学研究</a></li><li><a href="/rcpy/">人才培养</a></li></ul>
      <h4>友情链接</h4><ul><li><a href="http://www.moe.gov.cn/">中华人民共和国教育部官方网站</a></li>
          <li><a href="https://www.chsi.com.cn/">中国高等教育学生信息网（学信网）</a></li>
          <li><a href="http://www.nsfc.gov.cn/">国家自然科学基金委员会网站</a></li></ul>
    </div></body></html>"""
    assert read("", url="http://chem.example.edu.cn/", body=html.encode()) == ListPage(
        found=False, rows=(), next_url=None
    )


def test_a_list_cut_into_several_blocks_is_read_whole() -> None:
    row = '<li><a href="/info/1/{n}.htm">第{n}期研究生学术论坛举行</a><span>2024-05-{n:02}</span></li>'
    rows = "".join(f'<ul class="news">{row.format(n=n)}{row.format(n=n - 1)}</ul>' for n in (20, 10))
    html = f'<html><body><div class="list">{rows}</div></body></html>'
    page = read("", url="http://gs.example.edu.cn/xshd.htm", body=html.encode())
    assert [row.date_text for row in page.rows] == ["2024-05-20", "2024-05-19", "2024-05-10", "2024-05-09"]


def test_rows_that_are_one_table_each_with_the_date_first() -> None:
    row = """<table width="100%"><tr><td width="100">/ <span class="gk3">2018-12-{d} </span>/</td>
      <td class="gk3">&nbsp;&nbsp;<a href="/Announcements.asp?id=144&amp;bh=164{d}">{title}</a></td>
      </tr></table>"""
    titles_ = [
        "关于2018年勤助实践项目结项答辩结果的通知",
        "关于做好我校学生冬季安全教育工作的通知",
        "关于对晚点名情况进行通报的通知",
    ]
    tables = "".join(row.format(d=19 - n, title=title) for n, title in enumerate(titles_))
    html = f"""<html><body><table><tr>
      <td id="side_nav"><a href="/a.asp?id=1">学生资助</a><a href="/a.asp?id=2">心理健康</a></td>
      <td>{tables}<a href="?id=144&amp;page=2">下一页</a></td></tr></table></body></html>"""
    page = read("", url="http://xsc.example.edu.cn/Announcements.asp?id=144", body=html.encode())
    assert [(row.title, row.date_text) for row in page.rows] == [
        (title, f"2018-12-{19 - n}") for n, title in enumerate(titles_)
    ]
    assert page.next_url == "http://xsc.example.edu.cn/Announcements.asp?id=144&page=2"


def test_bare_links_take_the_date_written_after_them() -> None:
    html = """<html><body><div class="con">
      <a href="/n/31.html">关于2024年端午节放假安排的通知</a> 2024-06-01<br>
      <a href="/n/30.html">学院召开全体教职工大会</a> <font>2024-05-28</font><br>
      <a href="/n/29.html">2024届毕业生离校工作安排</a> 2024-05-20<br>
    </div></body></html>"""
    page = read("", url="http://ee.example.edu.cn/tzgg/", body=html.encode())
    assert [(row.title, row.date_text) for row in page.rows] == [
        ("关于2024年端午节放假安排的通知", "2024-06-01"),
        ("学院召开全体教职工大会", "2024-05-28"),
        ("2024届毕业生离校工作安排", "2024-05-20"),
    ]


def test_the_list_the_pager_pages_wins_over_a_longer_sidebar_list() -> None:
    side = "".join(
        f'<li><a href="/info/1/{n}.htm">热点：学校召开第{n}次党委常委会议</a></li>' for n in range(30, 20, -1)
    )
    main = "".join(
        f'<li><a href="/info/2/{n}.htm">关于第{n}批实验室安全检查的通知</a></li>' for n in range(9, 1, -1)
    )
    html = f"""<html><body><div class="wrap">
      <div class="left"><h3>热点新闻</h3><ul>{side}</ul></div>
      <div class="right"><ul>{main}</ul>
        <div><a href="index_1.html">2</a><a href="index_2.html">3</a>
          <a href="index_1.html">下一页</a></div></div>
    </div></body></html>"""
    page = read("", url="http://sys.example.edu.cn/tzgg/index.html", body=html.encode())
    assert [row.url.rsplit("/", 1)[1] for row in page.rows] == [f"{n}.htm" for n in range(9, 1, -1)]


def test_bullets_written_into_the_link_text_leave_the_title() -> None:
    row = '<li><a href="/info/{n}.htm">{bullet} 教师聘期考核结果公示</a><span>2018-09-1{n}</span></li>'
    items = "".join(row.format(n=n, bullet=bullet) for n, bullet in enumerate(("•", "·", "◆")))
    page = read(
        "", url="http://wuli.example.edu.cn/", body=f"<html><body><ul>{items}</ul></body></html>".encode()
    )
    assert titles(page) == ["教师聘期考核结果公示"] * 3


def test_definition_list_rows_take_the_date_of_their_dd() -> None:
    html = """<html><body><dl class="lb">
      <dt><a href="/n/31.html">关于2024年端午节放假安排的通知</a></dt><dd>2024-06-01</dd>
      <dt><a href="/n/30.html">学院召开全体教职工大会</a></dt><dd>2024-05-28</dd>
    </dl></body></html>"""
    page = read("", url="http://ee.example.edu.cn/tzgg/", body=html.encode())
    assert [row.date_text for row in page.rows] == ["2024-06-01", "2024-05-28"]


# --------------------------------------------------------------------------- dates inside links


@pytest.mark.parametrize(
    ("link", "title", "date"),
    [("关于寒假放假安排的通知（2018-12-21）", "关于寒假放假安排的通知", "2018-12-21"),
     ("关于寒假放假安排的通知[2018-12-21]", "关于寒假放假安排的通知", "2018-12-21"),
     ("[12-21] 关于寒假放假安排的通知", "关于寒假放假安排的通知", "12-21"),
     ("2018-12-21 关于寒假放假安排的通知", "关于寒假放假安排的通知", "2018-12-21"),
     ('<span class="title">关于寒假放假安排的通知</span><span class="date">2018-12-21</span>',
      "关于寒假放假安排的通知", "2018-12-21"),
     ("关于2018年12月21日放假的通知", "关于2018年12月21日放假的通知", None),
     ("2019年招聘公告(1/2)", "2019年招聘公告(1/2)", None)],
)  # fmt: skip
def test_a_date_inside_the_link_is_the_row_date_and_leaves_the_title(
    link: str, title: str, date: str
) -> None:
    items = "".join(f'<li><a href="/info/{n}.htm">{link}</a></li>' for n in (3, 2, 1))
    html = f"<html><body><ul>{items}</ul></body></html>"
    page = read("", url="http://se.example.edu.cn/news.php", body=html.encode())
    assert [(row.title, row.date_text) for row in page.rows] == [(title, date)] * 3


def test_a_date_in_the_title_stays_when_the_row_has_its_own() -> None:
    html = """<html><body><ul>
      <li><a href="/n/9.htm">停课通知（12月15日）</a><span>2018/12/11</span></li>
      <li><a href="/n/8.htm">考试安排调整的通知</a><span>2018/12/10</span></li>
    </ul></body></html>"""
    page = read("", url="http://jwc.example.edu.cn/", body=html.encode())
    assert (page.rows[0].title, page.rows[0].date_text) == ("停课通知（12月15日）", "2018/12/11")


def test_zero_width_characters_leave_the_title() -> None:
    html = """<html><body><ul>
      <li><a href="/n/9.htm">\u200b传承尚学之风，弘扬尊师之道</a><span>2018-09-10</span></li>
      <li><a href="/n/8.htm">教师节表彰大会举行\ufeff</a><span>2018-09-09</span></li>
    </ul></body></html>"""
    assert titles(read("", url="http://x.example.edu.cn/", body=html.encode())) == [
        "传承尚学之风，弘扬尊师之道",
        "教师节表彰大会举行",
    ]


# --------------------------------------------------------------------------- generic: the pager


LIST_ROWS = "".join(f'<li><a href="/info/1/{n}.htm">第{n}期学术报告会预告</a></li>' for n in (9, 8, 7))


@pytest.mark.parametrize(
    ("url", "pager", "next_url"),
    [("http://x.edu.cn/tzgg/index.html", '<a href="index_1.html">2</a><a href="index_2.html">3</a>',
      "http://x.edu.cn/tzgg/index_1.html"),
     ("http://x.edu.cn/tzgg/index_1.html",
      '<a href="index.html">1</a><a href="index_1.html">2</a><a href="index_2.html">3</a>',
      "http://x.edu.cn/tzgg/index_2.html"),
     ("http://x.edu.cn/tzgg/list_2.html", '<a href="list_1.html">1</a><a href="list_3.html">3</a>',
      "http://x.edu.cn/tzgg/list_3.html"),
     ("http://x.edu.cn/news.php?page=2",
      '<a href="?page=1">1</a><b>2</b><a href="?page=3">3</a><a href="?page=4">4</a>',
      "http://x.edu.cn/news.php?page=3"),
     ("http://x.edu.cn/news.php?page=4", '<a href="?page=3">3</a><span class="cur">4</span>', None),
     ("http://x.gov.cn/col/column-index-2.shtml",
      '<a href="column-index-1.shtml">1</a><a href="column-index-3.shtml">3</a>',
      "http://x.gov.cn/col/column-index-3.shtml"),
     ("http://x.edu.cn/list.do?pageNo=1", '<a href="list.do?pageNo=2">2</a>', "http://x.edu.cn/list.do?pageNo=2"),
     ("http://x.edu.cn/tzgg.htm", '<span>23</span><a href="/rili.jsp?d=24">24</a>', None),  # a calendar
     ("http://x.edu.cn/tzgg/list_1.html",
      '<input type="button" value="下一页" onclick="window.location.href=\'list_2.html\'">',
      "http://x.edu.cn/tzgg/list_2.html"),
     ("http://x.edu.cn/tzgg/", '<span>1</span><a href="list_12_2.html">2</a>', "http://x.edu.cn/tzgg/list_12_2.html"),
     ("http://x.edu.cn/tzgg/index.html", "<script>createPageHTML(1, 0, 'index', 'html');</script>", None)],
)  # fmt: skip
def test_generic_pager_by_numbers_and_scripts(url: str, pager: str, next_url: str | None) -> None:
    html = f'<html><body><ul class="list">{LIST_ROWS}</ul><div class="pages">{pager}</div></body></html>'
    page = read("", url=url, body=html.encode())
    assert (len(page.rows), page.next_url) == (3, next_url)


# --------------------------------------------------------------------------- profiles as units


def test_the_registry_config_and_docs_name_the_same_families() -> None:
    configurable = set(get_args(CmsFamily)) - {"auto"}
    assert set(families()) == configurable
    assert set(auto_order()) <= configurable  # every family cms: auto recognises can be configured
    assert GENERIC in PROFILES
    assert GENERIC not in configurable
    design = ROOT.parent / "shared" / "DESIGN.md"  # beside every checkout in CI; maybe not elsewhere
    for doc in (ROOT / "README.md", *([design] if design.exists() else [])):
        text = doc.read_text(encoding="utf-8")
        line = next(line for line in text.splitlines() if re.match(r"\s*cms: \w+\s+#", line))
        assert set(re.findall(r"\w+", line.split("#", 1)[1].replace("(default)", ""))) == configurable | {
            "auto"
        }


def test_each_profile_is_registered_once_by_its_module() -> None:
    modules = {info.name for info in pkgutil.iter_modules(profiles.__path__)} - profiles.HELPERS
    assert {type(profile).__module__.rsplit(".", 1)[1] for profile in PROFILES.values()} == modules
    with pytest.raises(ValueError, match="two profiles named 'vsb'"):
        profiles.register(type(PROFILES["vsb"]))


def test_the_chain_tries_the_remembered_profile_then_the_family_then_generic() -> None:
    page = response("vsb_variant_pairs.html")
    col = column(page.url)
    assert [p.name for p in chain(col, page)] == ["vsb", "generic"]
    assert [p.name for p in chain(col, page, remembered="generic")] == ["generic", "vsb"]
    assert [p.name for p in chain(col, page, remembered="webplus")] == ["webplus", "vsb", "generic"]
    assert [p.name for p in chain(col, page, remembered="nonesuch")] == ["vsb", "generic"]
    # A remembered profile from before the column's cms was set is not tried.
    assert [p.name for p in chain(column(page.url, cms="drupal"), page, remembered="vsb")] == [
        "drupal",
        "generic",
    ]
    assert [p.name for p in chain(column(API, cms="jsonapi", api=JSON_API), page)] == ["jsonapi"]


def test_a_remembered_profile_that_reads_the_page_spares_the_detection() -> None:
    page = response("webplus_news_list.html")
    assert read_list(page, column=column(page.url), remembered="webplus")[0] == "webplus"
    name, listing = read_list(page, column=column(page.url), remembered="generic")
    assert (name, len(listing.rows)) == ("generic", 7)  # what worked last time, while it reads rows


def test_a_family_that_recognises_the_page_but_reads_no_row_falls_through() -> None:
    name, page = read_by("vsb_variant_pairs.html", cms="vsb")
    assert (name, len(page.rows)) == ("generic", 3)
    assert read_by("webplus_empty.html") == ("webplus", ListPage(found=True, rows=(), next_url=None))


def test_an_article_page_with_a_related_reading_box_is_no_list() -> None:
    related = "".join(
        f'<li><a href="/info/1116/{n}.htm">学院召开第{n}次学术委员会会议纪要</a></li>'
        for n in (7001, 7002, 7003)
    )
    html = f"""<html><body><div class="article"><h1>关于寒假放假安排的通知</h1>
      <p>各单位：根据学校校历安排，现将2024年寒假放假有关事项通知如下。</p>
      <p><a href="/info/1116/6999.htm">上一篇：关于开展实验室安全检查的通知</a></p></div>
      <div class="box"><h3>相关文章</h3><ul>{related}</ul></div></body></html>"""
    assert not read("", url="http://x.example.edu.cn/info/1116/7000.htm", body=html.encode()).found
