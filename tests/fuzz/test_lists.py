"""Fuzz the list extractor: any list page, mutated or made up, reads without raising and no row is
dated after the crawl's day.

``crawler.extract.extract_list`` is run as the spider runs it, on Scrapy's ``HtmlResponse``:
the saved list pages of ``tests/crawler/fixtures/lists/`` with bytes deleted, doubled, flipped
or cut and snippets inserted (tags, far-future and impossible dates, relative words, links with
broken hosts or dated URLs, broken encodings, deep nesting), and pages generated from rows in
the layouts campus CMSs use; under every family, with and without a remembered profile.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy.http import HtmlResponse, TextResponse

from crawler import dates
from crawler.extract import Listing, extract_list
from crawler.profiles import PROFILES
from tests.crawler.test_profiles import API, EXPECTED, FIXTURES, JSON_API, column
from tests.fuzz.strategies import DATE_TEXT, TODAYS, URLS, list_pages, mutated

D = dt.date
PAGES = {name: (FIXTURES / name).read_bytes() for name in sorted(EXPECTED) if name.endswith(".html")}
FAMILIES = st.sampled_from(["auto", "webplus", "vsb", "drupal"])
REMEMBERED = st.one_of(st.none(), st.sampled_from(sorted(PROFILES)))


def _check(listing: Listing, *, today: D) -> None:
    """What every listing must be, whatever the page held."""
    assert isinstance(listing.found, bool)
    assert listing.profile in PROFILES
    for row in listing.rows:
        assert row.url.startswith(("http://", "https://")), row.url
        assert row.published_on is None or row.published_on <= today, (row.url, row.published_on)
        assert row.date_source is None or row.date_source in dates.DATE_SOURCES
        assert (row.date_source is None) == (row.published_on is None)


def _read(body: bytes, *, url: str, cms: str, remembered: str | None, today: D) -> Listing:
    page = HtmlResponse(url=url, body=body)
    return extract_list(page, column=column(url, cms=cms), today=today, profile=remembered)


@st.composite
def _mutated_fixture(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(PAGES)))
    return EXPECTED[name]["url"], draw(mutated(PAGES[name]))


@given(page=_mutated_fixture(), cms=FAMILIES, remembered=REMEMBERED, today=TODAYS)
def test_a_mutated_list_page_reads_without_future_dates(
    page: tuple[str, bytes], cms: str, remembered: str | None, today: D
) -> None:
    url, body = page
    _check(_read(body, url=url, cms=cms, remembered=remembered, today=today), today=today)


@given(body=list_pages(), cms=FAMILIES, remembered=REMEMBERED, today=TODAYS)
def test_a_generated_list_page_reads_without_future_dates(
    body: bytes, cms: str, remembered: str | None, today: D
) -> None:
    url = "http://jwc.hit.edu.cn/2591/list.htm"
    _check(_read(body, url=url, cms=cms, remembered=remembered, today=today), today=today)


_JSON_ROWS = st.lists(
    st.fixed_dictionaries(
        {"title": st.one_of(st.text(max_size=20), st.integers(), st.none()), "url": URLS},
        optional={"publishTime": st.one_of(DATE_TEXT, st.integers(), st.none(), st.lists(st.integers()))},
    ),
    max_size=10,
)


@given(
    data=st.one_of(st.fixed_dictionaries({"data": _JSON_ROWS}), _JSON_ROWS, st.text(max_size=30)),
    today=TODAYS,
)
def test_a_generated_json_list_reads_without_future_dates(data: object, today: D) -> None:
    url = API.replace("{page}", "1")
    body = data.encode() if isinstance(data, str) else json.dumps(data, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    page = TextResponse(url=url, body=body, headers=headers)
    listing = extract_list(page, column=column(url, cms="jsonapi", api=JSON_API), today=today)
    _check(listing, today=today)


#: Rows that fuzzing found dated after today (issue 11): the URL date is trusted without a bound.
FUTURE_URLS = {
    "Drupal /article/Y/M/D/ on an undated row": "<li><a href='/article/2099/12/31/{i}'>{title}</a></li>",
    "a URL date beside a relative word": "<li><a href='/2099/1231/{i}.html'>{title}</a><span>今天</span>",
    "a URL date beside a year-less date": "<li><a href='/2099/1231/{i}.html'>{title}</a><span>11-30</span>",
}


@pytest.mark.parametrize("row", FUTURE_URLS.values(), ids=FUTURE_URLS.keys())
def test_a_url_date_after_today_dates_no_row(row: str) -> None:
    today = D(2026, 12, 2)
    rows = "".join(row.format(i=i, title=f"关于做好2026年寒假工作的通知（{i}）") for i in range(1, 6))
    body = f"<html><body><ul class='list'>{rows}</ul></body></html>".encode()
    listing = _read(body, url="http://jwc.hit.edu.cn/2591/list.htm", cms="auto", remembered=None, today=today)
    assert listing.rows
    _check(listing, today=today)


@pytest.mark.parametrize("stamp", [253_402_272_000_000, -62_135_596_801, 10**400, float("nan")])
def test_a_timestamp_past_the_years_a_date_holds_dates_no_json_row(stamp: float) -> None:
    url = API.replace("{page}", "1")
    data = {"data": [{"title": "关于做好寒假工作的通知", "url": "/a/1.htm", "publishTime": stamp}]}
    body = json.dumps(data).encode()
    page = TextResponse(url=url, body=body, headers={"Content-Type": "application/json; charset=utf-8"})
    listing = extract_list(page, column=column(url, cms="jsonapi", api=JSON_API), today=D(2026, 12, 2))
    assert [row.published_on for row in listing.rows] == [None]


#: Pager numbers that ``str.isdigit`` accepts and ``int`` refuses (superscripts), found by fuzzing.
SUPERSCRIPTS = {
    "WebPlus page count": ("webplus_news_list.html", {'all_pages">873<': 'all_pages">8⁷3<'}),
    "VSB current page": (
        "vsb_lntdxy_zbgg.html",
        {'<span class="p_t">1/11</span>': "", 'p_no_d">1<': 'p_no_d">¹<'},
    ),
    "VSB numbered link": (
        "vsb_lntdxy_zbgg.html",
        {'<span class="p_t">1/11</span>': "", '10.htm">2<': '10.htm">²<'},
    ),
    "a numbered link read by the generic pager": (
        "title_only_numbered.html",
        {"</body>": "<a href='?page=2'>¹</a>"},
    ),
}


@pytest.mark.parametrize(("name", "edits"), SUPERSCRIPTS.values(), ids=SUPERSCRIPTS.keys())
def test_a_superscript_page_number_is_no_page_number(name: str, edits: dict[str, str]) -> None:
    html = PAGES[name].decode("utf-8")
    for old, new in edits.items():
        assert old in html
        html = html.replace(old, new)
    today = D(2026, 12, 2)
    listing = _read(html.encode(), url=EXPECTED[name]["url"], cms="auto", remembered=None, today=today)
    assert listing.rows
    _check(listing, today=today)


def test_a_superscript_total_is_no_json_total() -> None:
    url = API.replace("{page}", "1")
    data = {"total": "¹", "data": [{"title": "关于做好寒假工作的通知", "url": "/a/1.htm"}]}
    page = TextResponse(url=url, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})
    listing = extract_list(page, column=column(url, cms="jsonapi", api=JSON_API), today=D(2026, 12, 2))
    assert len(listing.rows) == 1
