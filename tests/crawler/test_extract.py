"""crawler.extract: the date policy over whole list pages, fallbacks, and decoding fixes."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, JsonResponse, TextResponse

from crawler import dates
from crawler.extract import Listed, date_rows, decode_fix, extract_list, fallback_date
from crawler.profiles import Row
from crawler.urls import canonical
from monitor.config import Column
from tests.crawler.test_profiles import API, EXPECTED, FIXTURES, column, response

D = dt.date


def extract(name: str, *, today: D, url: str | None = None, body: bytes | None = None):  # type: ignore[no-untyped-def]
    page = response(name, url, body=body)
    return extract_list(page, column=column(page.url), today=today)


def dated(listing_rows: tuple[Listed, ...]) -> list[tuple[D | None, str | None]]:
    return [(row.published_on, row.date_source) for row in listing_rows]


def test_extract_list_passes_the_page_through() -> None:
    listing = extract("webplus_news_list.html", today=D(2022, 12, 10))
    assert (listing.found, listing.profile) == (True, "webplus")
    assert listing.next_url == "https://news.qlu.edu.cn/814/list2.htm"
    assert len(listing.page_urls) == 872
    assert len(listing.rows) == 7


def test_full_list_dates_win_over_the_webplus_creation_date() -> None:
    rows = extract("webplus_news_list.html", today=D(2022, 12, 10)).rows
    assert rows[1].published_on == D(2022, 12, 8)  # URL /2022/1205/ is the creation date
    assert {row.date_source for row in rows} == {"list"}
    assert not any(row.needs_article for row in rows)


def test_pinned_row_keeps_its_own_old_date() -> None:
    first = extract("webplus_news_list.html", today=D(2022, 12, 10)).rows[0]
    assert (first.pinned, first.published_on, first.date_source) == (True, D(2021, 3, 1), "list")


def test_drupal_url_date_wins_over_disagreeing_relative_and_yearless_cells() -> None:
    # Crawled just after midnight: 今天 says 10-06, the article was posted 10-05.
    rows = extract("drupal_today_category.html", today=D(2026, 10, 6)).rows
    assert dated(rows) == [
        (D(2026, 10, 5), "url"),  # 今天 ≠ URL date
        (D(2026, 10, 5), "relative"),  # 昨天 = URL date
        (D(2026, 10, 3), "list_inferred"),  # 10-03 = URL date
        (D(2026, 9, 29), "url"),  # 09-30 ≠ URL date
        (D(2026, 9, 28), "list"),
    ]


def test_yearless_dates_step_back_a_year_across_new_year() -> None:
    rows = extract("gbk_vsb_old.html", today=D(2024, 1, 10)).rows
    assert [row.published_on for row in rows] == [D(2024, 1, 5), D(2024, 1, 3), D(2023, 12, 28)]
    assert {row.date_source for row in rows} == {"list_inferred"}


def test_split_cells_are_full_dates() -> None:
    rows = extract("webplus_split_swapped.html", today=D(2025, 9, 2)).rows
    assert dated(rows) == [(D(2025, 9, 1), "list"), (D(2025, 8, 25), "list")]


def test_a_pinned_yearless_row_does_not_shift_the_years_below_it() -> None:
    rows = [
        Row("http://x.edu.cn/info/1/9.htm", "办事指南", "[12-30]", pinned=True),
        Row("http://x.edu.cn/info/1/8.htm", "寒假通知", "[01-05]"),
        Row("http://x.edu.cn/info/1/7.htm", "考试安排", "[01-03]"),
    ]
    assert [row.published_on for row in date_rows(rows, today=D(2024, 1, 10))] == [
        D(2023, 12, 30),
        D(2024, 1, 5),
        D(2024, 1, 3),
    ]


def test_webplus_creation_date_places_a_yearless_row_in_its_year() -> None:
    # An old history page: without the hint the year would be guessed from today.
    rows = [Row("http://jwc.hit.edu.cn/2021/0531/c2591a200000/page.htm", "旧通知", "[06-01]")]
    assert dated(date_rows(rows, today=D(2024, 1, 10))) == [(D(2021, 6, 1), "list_inferred")]


def test_rows_without_dates_need_their_article_unless_attachments() -> None:
    rows = [
        Row("http://x.edu.cn/info/1/2.htm", "无日期的通知", None),
        Row("http://x.edu.cn/files/名单.pdf", "名单", None, is_attachment=True),
        Row("http://today.hit.edu.cn/article/2026/05/10/129723", "运动会", None),
        Row("http://x.edu.cn/info/1/3.htm", "乱码日期", "点击量 23"),
    ]
    listed = date_rows(rows, today=D(2026, 5, 11))
    assert [(row.published_on, row.date_source, row.needs_article) for row in listed] == [
        (None, None, True),
        (None, None, False),
        (D(2026, 5, 10), "url", False),
        (None, None, True),
    ]


def test_relative_words_count_from_today() -> None:
    listed = date_rows([Row("http://x.edu.cn/a/1.htm", "通知", "3天前")], today=D(2026, 5, 11))
    assert dated(listed) == [(D(2026, 5, 8), "relative")]


def test_fallback_date_is_the_webplus_creation_date() -> None:
    assert (
        fallback_date("https://news.qlu.edu.cn/2099/1231/c814a216251/page.htm", today=D(2026, 12, 1)) is None
    )
    assert fallback_date("https://news.qlu.edu.cn/2022/1205/c814a216251/page.htm", today=D(2026, 12, 1)) == (
        D(2022, 12, 5),
        "url_created",
    )
    assert fallback_date("https://www.lntdxy.com/info/1039/3201.htm", today=D(2026, 12, 1)) is None


def test_jsonapi_through_extract_list() -> None:
    api = {"url": API, "items": "data", "title": "title", "link": "url", "date": "publishTime"}
    col = column(API.replace("{page}", "1"), cms="jsonapi", api=api)
    body = (FIXTURES / "jsonapi_generalquery.json").read_bytes()
    res = TextResponse(url=col.url, body=body, headers={"Content-Type": "application/json; charset=utf-8"})
    listing = extract_list(res, column=col, today=D(2022, 9, 2))
    assert listing.profile == "jsonapi"
    assert dated(listing.rows) == [(D(2022, 3, 1), "list"), (D(2022, 9, 1), "list"), (D(2022, 8, 30), "list")]


# --------------------------------------------------------------------------- decoding


def test_scrapy_believes_a_lying_gb2312_declaration() -> None:
    # Documented here: Scrapy decodes this UTF-8 body as GB18030 (mojibake); decode_fix repairs it.
    raw = response("gb2312_declared_utf8.html")
    assert raw.encoding == "gb18030"
    assert "学院通知" not in raw.text
    fixed = decode_fix(raw)
    assert fixed.encoding == "utf-8"
    assert "<title>学院通知</title>" in fixed.text


def test_extract_list_reads_a_utf8_page_declared_gb2312() -> None:
    listing = extract("gb2312_declared_utf8.html", today=D(2024, 5, 21))
    assert listing.found
    assert listing.rows[0].title == "关于2024年硕士研究生复试安排的通知"
    assert listing.next_url == "http://sem.hit.edu.cn/tzgg/index_2.html"


def test_a_gbk_body_served_as_utf8_is_read_as_gb18030() -> None:
    body = (FIXTURES / "gbk_vsb_old.html").read_bytes()
    raw = HtmlResponse(
        url=EXPECTED["gbk_vsb_old.html"]["url"],
        body=body,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    assert raw.encoding == "utf-8"
    assert decode_fix(raw).encoding == "gb18030"
    listing = extract_list(raw, column=column(raw.url), today=D(2024, 1, 10))
    assert listing.rows[0].title == "关于寒假期间学院办公安排的通知"


@pytest.mark.parametrize("name", ["gbk_vsb_old.html", "webplus_news_list.html"])
def test_pages_whose_declaration_is_right_are_left_alone(name: str) -> None:
    page = response(name)
    assert decode_fix(page) is page


def test_json_body_is_left_alone() -> None:
    res = TextResponse(
        url=API.replace("{page}", "1"), body=json.dumps({"data": []}).encode(), encoding="utf-8"
    )
    assert decode_fix(res) is res


# --------------------------------------------------------------------------- title-only lists, dates in URLs


def test_title_only_rows_need_their_article_once() -> None:
    listing = extract("title_only_jsp.html", today=D(2025, 3, 1))
    assert (listing.found, listing.profile) == (True, "generic")
    assert [(row.published_on, row.date_source, row.needs_article) for row in listing.rows] == [
        (None, None, True)
    ] * 4


@pytest.mark.parametrize(
    ("name", "days"),
    [("title_only_trs.html", [D(2022, 9, 1), D(2022, 8, 26), D(2022, 8, 15), D(2022, 7, 29)]),
     ("title_only_numbered.html", [D(2022, 9, 1), D(2022, 8, 31), D(2022, 8, 30), D(2022, 8, 29),
                                   D(2022, 8, 28)])],
)  # fmt: skip
def test_title_only_rows_take_the_publication_date_in_their_url(name: str, days: list[D]) -> None:
    rows = extract(name, today=D(2022, 9, 2)).rows
    assert [(row.published_on, row.date_source, row.needs_article) for row in rows] == [
        (day, "url", False) for day in days
    ]


@pytest.mark.parametrize(
    ("url", "day"),
    [("http://x.gov.cn/zwgk/tzgg/202209/t20220901_123456.html", D(2022, 9, 1)),
     ("http://x.gov.cn/zwgk/tzgg/202209/t20220901_123456_1.shtml", D(2022, 9, 1)),
     ("http://x.edu.cn/tzgg/2022/0901/12345.html", D(2022, 9, 1)),
     ("http://www.news.cn/politics/2022-09/01/c_1128961.htm", D(2022, 9, 1)),
     ("http://today.hit.edu.cn/article/2022/09/01/129723", D(2022, 9, 1)),
     ("http://x.edu.cn/2022/0901/c1234a56789/page.htm", None),  # Sudy: a creation date, not this
     ("http://x.edu.cn/info/1116/7063.htm", None),
     ("http://x.edu.cn/tzgg/2022/0931/12345.html", None),  # no such day
     ("http://x.edu.cn/list.jsp?date=2022-09-01", None)],  # the query is no path
)  # fmt: skip
def test_url_publication_dates(url: str, day: D | None) -> None:
    assert dates.url_date(url) == day


def test_a_sudy_creation_date_is_the_last_resort_not_a_list_date() -> None:
    listed = date_rows(
        [Row("http://x.edu.cn/2022/0901/c1234a56789/page.htm", "通知", None)], today=D(2022, 9, 2)
    )
    assert [(row.published_on, row.needs_article) for row in listed] == [(None, True)]
    assert fallback_date(listed[0].url, today=D(2026, 12, 1)) == (D(2022, 9, 1), "url_created")


def test_a_date_inside_the_link_dates_the_row() -> None:
    html = """<html><body><div class="xinwen-list"><ul>
      <li><a href="news_detail.php?id=3442">我院召开2018年度党支部书记述职评议会议（2018-12-24）</a></li>
      <li><a href="news_detail.php?id=3441">我院书香讲堂第五期成功举行（2018-12-21）</a></li>
    </ul></div></body></html>"""
    listing = extract(
        "", url="http://se.example.edu.cn/news.php?cat_id=1341", body=html.encode(), today=D(2018, 12, 24)
    )
    assert [(row.title, row.published_on, row.date_source) for row in listing.rows] == [
        ("我院召开2018年度党支部书记述职评议会议", D(2018, 12, 24), "list"),
        ("我院书香讲堂第五期成功举行", D(2018, 12, 21), "list"),
    ]


# --------------------------------------------------------------------------- the profile chain, error pages


def test_listing_names_the_profile_that_read_the_page() -> None:
    page = response("vsb_variant_plain.html")
    assert extract_list(page, column=column(page.url), today=D(2024, 6, 1)).profile == "generic"
    assert extract_list(page, column=column(page.url, cms="vsb"), today=D(2024, 6, 1)).profile == "generic"
    listing = extract_list(page, column=column(page.url), today=D(2024, 6, 1), profile="webplus")
    assert (listing.profile, len(listing.rows)) == ("generic", 4)


def test_the_remembered_profile_is_tried_first() -> None:
    page = response("webplus_news_list.html")
    listing = extract_list(page, column=column(page.url), today=D(2022, 12, 10), profile="vsb")
    assert (listing.profile, len(listing.rows)) == ("webplus", 7)  # vsb reads nothing here: detection


@pytest.mark.parametrize("status", [500, 502, 503, 404])
def test_an_error_page_is_no_list_whatever_it_holds(status: int) -> None:
    body = (FIXTURES / "webplus_news_list.html").read_bytes()  # a proxy serving a stale copy with its error
    page = HtmlResponse(url=EXPECTED["webplus_news_list.html"]["url"], body=body, status=status)
    listing = extract_list(page, column=column(page.url), today=D(2022, 12, 10))
    assert (listing.found, listing.rows, listing.next_url) == (False, (), None)


def test_a_maintenance_page_of_a_known_family_is_no_list() -> None:
    html = """<html><head><script src="/system/resource/js/counter.js"></script></head><body>
      <div class="main"><h2>系统维护中</h2>
      <p>网站正在进行升级维护，预计 2024-06-01 08:00 恢复访问。</p>
      <p><a href="/">返回首页</a> <a href="/lxwm.htm">联系管理员</a> 2024-06-01</p></div></body></html>"""
    page = HtmlResponse(url="http://x.edu.cn/tzgg.htm", body=html.encode(), status=200)
    listing = extract_list(page, column=column(page.url), today=D(2024, 6, 1))
    assert (listing.found, listing.rows, listing.profile) == (False, (), "vsb")


# --------------------------------------------------------------------------- real pages nobody here wrote

REALPAGES = Path(__file__).resolve().parents[3] / "shared" / "realpages" / "lists"
ARCHIVE_ROWS = 200  # a list of more labelled rows is a long archive table (bench/realpages.py)


def real_page_scores(path: Path) -> Counter[str]:
    """Rows labelled / found / matched, titles and dates right, of one labelled real page under auto."""
    label = json.loads(path.read_text(encoding="utf-8"))
    page = HtmlResponse(url=label["url"], body=path.with_name(label["page"]).read_bytes())
    listing = extract_list(page, column=column(page.url), today=D.fromisoformat(label["saved_on"]))
    wanted = {canonical(row["href"], base=label["url"]): row for row in label["rows"]}
    found = {row.url: row for row in listing.rows}
    matched = [url for url in found if url in wanted]
    return Counter(
        labelled=len(wanted),
        found=len(found),
        matched=len(matched),
        titles=sum(found[url].title == wanted[url]["title"] for url in matched),
        dates=sum(str(found[url].published_on) == wanted[url]["date"] for url in matched),
    )


@pytest.mark.skipif(not REALPAGES.is_dir(), reason="../shared/realpages is not checked out")
def test_real_list_pages_are_read_under_auto() -> None:
    scores = {path.stem: real_page_scores(path) for path in sorted(REALPAGES.glob("*.json"))}
    short = [score for score in scores.values() if score["labelled"] <= ARCHIVE_ROWS]
    for name, totals in (("all", sum(scores.values(), Counter())), ("short", sum(short, Counter()))):
        labelled = totals["labelled"]
        assert totals["matched"] / labelled >= 0.98, name  # recall
        assert totals["matched"] / totals["found"] >= 0.99, name  # precision
        assert totals["titles"] / labelled >= 0.98, name
        assert totals["dates"] / labelled >= 0.97, name


@pytest.mark.parametrize("cms", ["auto", "webplus", "vsb", "drupal"])
def test_a_json_answer_is_no_list_for_the_html_profiles(cms: str) -> None:
    body = '{"data": {"rows": [{"title": "通知", "url": "/a/1.htm", "date": "2026-11-20"}]}}'.encode()
    response = JsonResponse(url="http://x.example.edu.cn/api/list?page=1", body=body)
    column = Column.model_validate(
        {"id": "c", "name": "c", "url": "http://x.example.edu.cn/list.htm", "cms": cms, "kind": "notice"}
    )
    listing = extract_list(response, column=column, today=dt.date(2026, 12, 1))
    assert (listing.found, listing.rows) == (False, ())
