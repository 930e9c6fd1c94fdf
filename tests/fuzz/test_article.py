"""Fuzz the article reader: any article page, mutated or made up, gives a date not after today, or none.

``crawler.article.article_date`` (and ``article_title``) run on Scrapy's ``HtmlResponse`` over
the saved article pages of ``tests/crawler/fixtures/articles/`` mutated as the list pages are,
and over pages generated from the places a date hides in: ``<meta>`` tags, JSON-LD, CMS date
elements, a date line under the heading, labelled dates in the text, and htmldate's last resort.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from crawler import dates
from crawler.article import article_date, article_title
from tests.fuzz.strategies import DATE_TEXT, TODAYS, mutated

D = dt.date
FIXTURES = Path(__file__).resolve().parents[1] / "crawler" / "fixtures" / "articles"
PAGES = {path.name: path.read_bytes() for path in sorted(FIXTURES.glob("*.html"))}
URL = "https://example.edu.cn/info/1/1.htm"


def _check(response: HtmlResponse, *, today: D) -> None:
    found = article_date(response, today=today)
    if found is not None:
        day, source = found
        assert isinstance(day, D)
        assert day <= today, (day, source)
        assert source in dates.DATE_SOURCES
    title = article_title(response)
    assert title is None or isinstance(title, str)


@given(name=st.sampled_from(sorted(PAGES)), data=st.data(), today=TODAYS)
def test_a_mutated_article_page_gives_no_date_after_today(name: str, data: st.DataObject, today: D) -> None:
    body = data.draw(mutated(PAGES[name]))
    _check(HtmlResponse(url=URL, body=body), today=today)


_META_NAMES = st.sampled_from(
    ["PubDate", "publishdate", "article:published_time", "og:release_date", "datePublished", "keywords"]
)
_PLACES = st.one_of(
    st.builds(
        "<meta name='{}' content='{}'>".format, _META_NAMES, DATE_TEXT.map(lambda t: t.replace("'", ""))
    ),
    st.builds(
        "<script type='application/ld+json'>{}</script>".format,
        st.one_of(
            st.builds(lambda t: json.dumps({"@graph": [{"datePublished": t}]}), DATE_TEXT),
            st.text(max_size=20),
        ),
    ),
    st.builds("<span class='arti_update'>发布时间：{}</span>".format, DATE_TEXT),
    st.builds("<div class='date'>{}</div>".format, DATE_TEXT),
    st.builds("<time>{}</time>".format, DATE_TEXT),
    st.builds("<p>{}　来源：新华网</p>".format, DATE_TEXT),
    st.builds("<li><a href='/a.htm'>相关新闻</a><span>{}</span></li>".format, DATE_TEXT),
    st.builds("<p>时间：{} 地点：礼堂</p>".format, DATE_TEXT),
    st.builds("<script>showDate('{}')</script>".format, DATE_TEXT.map(lambda t: t.strip("'"))),
    st.text(max_size=40),
)


@given(title=st.text(max_size=30), places=st.lists(_PLACES, max_size=8), today=TODAYS)
def test_a_generated_article_page_gives_no_date_after_today(title: str, places: list[str], today: D) -> None:
    head = "".join(p for p in places if p.startswith(("<meta", "<script")))
    body = "".join(p for p in places if not p.startswith(("<meta", "<script")))
    html = f"<html><head><title>{title}</title>{head}</head><body><h1>{title}</h1>{body}</body></html>"
    _check(HtmlResponse(url=URL, body=html.encode("utf-8", "surrogatepass")), today=today)


#: Dates beside an attribute whose name holds a control character, which lxml keeps and parsel's
#: ``Selector.attrib`` then refuses to build into a dict (found by fuzzing, issue 11).
CONTROL_ATTRIBUTES = {
    "meta": "<head><meta \x01x='1' name='PubDate' content='2022-09-01'></head><body><h1>通知</h1>",
    "time": "<body><h1>通知</h1><time \x01x='1' datetime='2022-09-01'>九月一日</time>",
    "microdata": "<body><h1>通知</h1><span \x01x='1' itemprop='datePublished' content='2022-09-01'>x</span>",
}


@pytest.mark.parametrize("html", CONTROL_ATTRIBUTES.values(), ids=CONTROL_ATTRIBUTES.keys())
def test_an_attribute_named_with_a_control_character_is_read_around(html: str) -> None:
    response = HtmlResponse(url=URL, body=f"<html>{html}</body></html>".encode())
    found = article_date(response, today=D(2026, 12, 2))
    assert found is not None
    assert found[0] == D(2022, 9, 1)
