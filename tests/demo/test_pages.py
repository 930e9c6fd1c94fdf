"""Each CMS family's pages carry the promised markup and pagination (first, middle, last page)."""

from __future__ import annotations

import json
import re

import pytest

from monitor.demo import DemoCampus, DemoServer
from monitor.demo.paging import api_url, page_count, page_items, page_url
from tests.demo.conftest import TODAY, fetch

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_webplus_news_list_first_middle_last(campus: DemoCampus, server: DemoServer) -> None:
    column = campus.site("news").column("xxyw")
    pages = page_count(column)
    assert pages == 20
    first = fetch(server.url("news", "/xxyw/list.htm")).doc()
    rows = first.cssselect("div#wp_news_w6 ul.news_list li.news")
    assert len(rows) == 15
    assert rows[0].cssselect("span.news_title a")[0].get("title") == column.items[0].title
    assert ISO.match(rows[0].cssselect("span.news_meta")[0].text_content())
    assert first.cssselect("em.all_count")[0].text == "300"
    assert first.cssselect("em.all_pages")[0].text == "20"
    assert first.cssselect("a.next")[0].get("href") == "/xxyw/list2.htm"
    assert first.cssselect("a.last")[0].get("href") == "/xxyw/list20.htm"
    middle = fetch(server.url("news", "/xxyw/list10.htm")).doc()
    hrefs = [a.get("href") for a in middle.cssselect("span.news_title a")]
    assert hrefs == [item.href for item in page_items(column, 10)]
    assert middle.cssselect("a.next")[0].get("href") == "/xxyw/list11.htm"
    last = fetch(server.url("news", "/xxyw/list20.htm")).doc()
    assert last.cssselect("a.next")[0].get("href") == "javascript:void(0);"
    assert (
        fetch(server.url("news", "/xxyw/list1.htm")).body == fetch(server.url("news", "/xxyw/list.htm")).body
    )


def test_webplus_article_url_date_is_before_the_publication_date(
    campus: DemoCampus, server: DemoServer
) -> None:
    for item in campus.site("news").column("xxyw").items[:40]:
        if item.external or item.published_on is None:
            continue
        year, monthday = re.match(r"^/(\d{4})/(\d{4})/c1001a\d+/page\.htm$", item.href).groups()  # type: ignore[union-attr]
        created = TODAY.replace(year=int(year), month=int(monthday[:2]), day=int(monthday[2:]))
        assert 0 <= (item.published_on - created).days <= 5
    item = campus.site("news").column("xxyw").items[1]
    doc = fetch(server.url("news", item.href)).doc()
    assert doc.cssselect("h1.arti_title")[0].text == item.title
    assert doc.cssselect("span.arti_update")[0].text == f"发布时间：{item.published_on:%Y-%m-%d}"


@pytest.mark.parametrize(
    ("site", "path", "row", "date_cells"),
    [
        ("wh-today", "/5002/list.htm", "li.news", ("span.news_days", "span.news_year")),
        ("rsc", "/rczp/list.htm", "li.news", ("span.news_year", "span.news_days")),
        ("jwc", "/2591/list.htm", "ul.wp_article_list li.list_item", ("span.Article_PublishDate",)),
        ("jwc", "/2592/list.htm", "li.news", ("span.fbll",)),
        ("xxgk", "/gkwj/list.htm", "table.wp_article_list_table tr", ("td.date",)),
    ],
)
def test_webplus_variants(
    server: DemoServer, site: str, path: str, row: str, date_cells: tuple[str, ...]
) -> None:
    doc = fetch(server.url(site, path)).doc()
    rows = doc.cssselect(row)
    assert rows
    cells = [rows[-1].cssselect(css)[0].text_content().strip() for css in date_cells]
    assert re.match(r"^(\d{2}-\d{2}\|\d{4}|\[\d{4}-\d{2}-\d{2}\]|\d{4}-\d{2}-\d{2})$", "|".join(cells))
    assert rows[-1].cssselect("a[title]")


def test_pinned_old_row_and_truncated_titles(campus: DemoCampus, server: DemoServer) -> None:
    doc = fetch(server.url("jwc", "/2591/list.htm")).doc()
    top = doc.cssselect("li.list_item")[0]
    assert "top" in top.get("class")
    assert top.cssselect("span.top")[0].text == "[置顶]"
    date = top.cssselect("span.Article_PublishDate")[0].text
    assert (TODAY - TODAY.fromisoformat(date)).days >= 365
    cut = [a for a in doc.cssselect("span.Article_Title a") if a.text.endswith("…")]
    assert cut
    assert all(a.get("title").startswith(a.text[:-1]) for a in cut)


def test_no_date_list_and_dates_on_articles(campus: DemoCampus, server: DemoServer) -> None:
    doc = fetch(server.url("news", "/1002/list.htm")).doc()
    assert not re.search(r"\d{4}-\d{2}-\d{2}", doc.cssselect("#wp_news_w6")[0].text_content())
    vsb = fetch(server.url("sz-jwb", "/ksap.htm"))
    assert vsb.doc("utf-8").cssselect("li#line_u5_0 a")
    assert not vsb.doc("utf-8").cssselect("li span")
    item = campus.site("sz-jwb").column("ksap").items[0]
    article = fetch(server.url("sz-jwb", item.href)).doc("utf-8")
    pubdate = article.cssselect('meta[name="PubDate"]')[0].get("content")
    assert pubdate.startswith(f"{item.published_on:%Y-%m-%d} ")
    assert "时间：" not in article.cssselect("div.main_contit p")[0].text_content()


def test_vsb_counts_down(campus: DemoCampus, server: DemoServer) -> None:
    column = campus.site("yjsy").column("tzgg")
    assert page_count(column) == 12
    first = fetch(server.url("yjsy", "/tzgg.htm")).doc()
    link = first.cssselect("li#line_u5_0 a")[0]
    assert link.get("href") == "../" + column.items[0].href.lstrip("/")
    assert first.cssselect("li#line_u5_0 span")[0].text.startswith(" 20")
    assert first.cssselect("span.p_next a")[0].get("href") == "tzgg/11.htm"
    assert first.cssselect("span.p_last a")[0].get("href") == "tzgg/1.htm"
    assert [s.text for s in first.cssselect("span.p_t")] == ["共150条", "1/12"]
    assert first.cssselect("span.p_prev_d")
    middle = fetch(server.url("yjsy", "/tzgg/6.htm")).doc()
    assert middle.cssselect("span.p_t")[1].text == "7/12"
    assert [a.get("href") for a in middle.cssselect("div.list li a")][-1] == "../" + page_items(column, 7)[
        -1
    ].href[1:]
    last = fetch(server.url("yjsy", "/tzgg/1.htm")).doc()
    assert last.cssselect("span.p_next_d")
    assert not last.cssselect("span.p_next a")
    assert [a.get("title") for a in last.cssselect("div.list li a")] == [i.title for i in column.items[-12:]]


def test_vsb_more_list_has_yearless_dates_across_new_year(campus: DemoCampus, server: DemoServer) -> None:
    column = campus.site("yjsy").column("zsxx")
    assert {item.published_on.year for item in column.items if item.published_on} == {2025, 2026}
    cells = [s.text for s in fetch(server.url("yjsy", "/index/zsxx.htm")).doc().cssselect("div.list li span")]
    assert cells
    assert all(re.match(r"^\[\d{2}-\d{2}\]$", c) for c in cells)
    page2 = fetch(server.url("yjsy", page_url(column, 2))).doc()
    assert page2.cssselect("div.list li a")[0].get("href").startswith("../../info/1041/")


def test_drupal_pages_are_zero_based(campus: DemoCampus, server: DemoServer) -> None:
    column = campus.site("today").column("news")
    first = fetch(server.url("today", "/category/11")).doc()
    links = first.cssselect(".paragraph li span span a")
    assert [a.get("href") for a in links] == [i.href for i in column.items[:20]]
    assert [d.text for d in first.cssselect(".paragraph li span.date")][:2] == ["今天", "昨天"]
    assert first.cssselect("nav.pager li.pager__item--next a")[0].get("href") == "?page=1"
    second = fetch(server.url("today", "/category/11?page=1")).doc()
    assert [a.get("href") for a in second.cssselect(".paragraph li span span a")] == [
        i.href for i in column.items[20:40]
    ]
    last = fetch(server.url("today", f"/category/11?page={page_count(column) - 1}")).doc()
    assert last.cssselect(".paragraph li")
    assert not last.cssselect("li.pager__item--next")
    for item in column.items:
        assert item.href.startswith(f"/article/{item.published_on:%Y/%m/%d}/")


def test_jsonapi_pages(campus: DemoCampus, server: DemoServer) -> None:
    column = campus.site("wh-today").column("kx")
    first = json.loads(fetch(server.url("wh-today", api_url(column, 1))).body)
    assert first["total"] == 200
    assert len(first["data"]) == 20
    assert [row["top"] for row in first["data"][:3]] == [1, 1, 0]
    assert re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", first["data"][0]["publishTime"])
    last = json.loads(fetch(server.url("wh-today", api_url(column, 10))).body)
    assert len(last["data"]) == 20
    assert last["data"][-1]["url"] == column.items[-1].href
    assert json.loads(fetch(server.url("wh-today", api_url(column, 11))).body)["data"] == []
    article = fetch(server.url("wh-today", first["data"][2]["url"])).doc()
    assert article.cssselect("h1.arti_title")[0].text == first["data"][2]["title"]


def test_custom_offset_pages(campus: DemoCampus, server: DemoServer) -> None:
    column = campus.site("sz-www").column("tzgg")
    first = fetch(server.url("sz-www", "/article/id-77.html")).doc()
    assert len(first.cssselect(".mainside_news ul li")) == 20
    (next_link,) = [a for a in first.cssselect("a") if a.text == "下一页"]
    assert next_link.get("href") == "/article/id-77.html?maxPageItems=20&keywords=&pager.offset=20"
    middle = fetch(
        server.url("sz-www", "/article/id-77.html?maxPageItems=20&keywords=&pager.offset=80")
    ).doc()
    assert [a.get("href") for a in middle.cssselect(".mainside_news ul li a")] == [
        i.href for i in column.items[80:100]
    ]
    last = fetch(server.url("sz-www", "/article/id-77.html?maxPageItems=20&keywords=&pager.offset=160")).doc()
    assert ISO.match(last.cssselect("span.date")[-1].text)
    assert not [a for a in last.cssselect("a") if a.text == "下一页"]
    item = column.items[0]
    article = fetch(server.url("sz-www", item.href)).doc()
    assert article.cssselect(".item")[0].text == f"发布时间：{item.published_on:%Y-%m-%d}"
