"""One ``xxgk crawl --full`` over the hostile columns beside a normal one (issue 11).

The normal column must come out exact; every hostile column ends with its named outcome and
error words (:data:`tests.hostile.server.CASES`), at a bounded number of requests, the whole crawl
in bounded time and memory. The sizes exceed this config's bounds (1 MB pages, 3 s requests),
not the defaults, so the file runs in well under a minute; ``bench/bench_hostile.py`` runs them
full size.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator

import pytest

from tests.hostile import harness
from tests.hostile.server import CASES, NORMAL, Hostile, Sizes, serving

TODAY = dt.date(2026, 12, 1)
#: Every case, beside the normal column.
BOUNDED = tuple(CASES)
CRAWL = {
    "max_pages_per_column": 20,
    "retries": 1,
    "retry_backoff_seconds": 0.01,
    "max_page_mb": 1,
    "max_article_mb": 1,
    "request_timeout_seconds": 3,
    "retry_after_max_seconds": 5,
    "column_budget_seconds": 8,
    "title_max_chars": 200,
}
SIZES = Sizes(big=3_000_000, bomb=50_000_000, claimed_pages=10_000_000, retry_after=2)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hostile, harness.Result]]:
    with serving(Hostile(SIZES)) as hostile:
        tmp = tmp_path_factory.mktemp("hostile")
        yield hostile, harness.crawl(hostile, tmp, cases=BOUNDED, crawl=CRAWL, today=TODAY, timeout=300)


def test_the_normal_column_is_exact(result: tuple[Hostile, harness.Result]) -> None:
    hostile, got = result
    normal = {url: item for url, item in got.items.items() if "/normal/" in url}
    want = {hostile.url(href): (title, dt.date.fromisoformat(day)) for href, title, day in NORMAL}
    assert normal == want
    assert got.fetches["normal"].outcome == "ok"


@pytest.mark.parametrize("case", BOUNDED)
def test_each_hostile_column_ends_with_its_named_outcome(
    result: tuple[Hostile, harness.Result], case: str
) -> None:
    _, got = result
    fetch = got.fetches[case]
    assert fetch.outcome == CASES[case].outcome, fetch
    assert CASES[case].error in (fetch.error or ""), fetch


def test_the_crawl_is_bounded_in_time_memory_and_requests(result: tuple[Hostile, harness.Result]) -> None:
    hostile, got = result
    assert got.code == 0, got.output[-2000:]
    assert got.status == "finished"
    assert got.seconds < 60, got.seconds
    assert got.peak_rss_mb < 400, got.peak_rss_mb
    # a page over its cap is refused once, not retried; a pager claiming 10^7 pages is walked
    # through max_pages_per_column of them; a dripping server costs its tries and rounds
    for case in ("big", "stream", "gzip", "brotli"):
        assert hostile.seen[case] == 1, (case, hostile.seen)
    assert hostile.seen["webplus"] <= CRAWL["max_pages_per_column"]
    assert hostile.seen["vsb"] <= CRAWL["max_pages_per_column"]
    assert got.fetches["webplus"].pages == CRAWL["max_pages_per_column"]
    assert hostile.seen["drip"] <= 2 * 3  # (1 + retries) × 3 rounds


def test_stored_titles_are_clean_and_cut_and_dates_possible(result: tuple[Hostile, harness.Result]) -> None:
    _, got = result
    for url, (title, day) in got.items.items():
        assert len(title) <= CRAWL["title_max_chars"], url
        assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in title), (url, title)
        assert title == unicodedata.normalize("NFC", title), (url, title)
        assert "  " not in title, (url, title)
        assert day is None or dt.date(1990, 1, 1) <= day <= TODAY, (url, day)
    titles = {url.rsplit("/", 1)[1]: title for url, (title, _) in got.items.items() if "/titles/" in url}
    assert titles["1.htm"] == "控制字符[31m 通知"
    assert titles["2.htm"] == "双向文字 通知"
    assert titles["3.htm"] == "Café 与 空白 通知"
    assert titles["4.htm"] == "长" * 199 + "…"
    old = {url.rsplit("/", 1)[1]: day for url, (_, day) in got.items.items() if "/old/" in url}
    assert old == {"0.htm": None, "1.htm": None, "2.htm": None, "9.htm": dt.date(2026, 3, 3)}


def test_malformed_rows_deep_markup_and_bounded_pagers(result: tuple[Hostile, harness.Result]) -> None:
    hostile, got = result
    # 20 rows without closing tags are 20 rows; a list behind 5,000 nested <div> is read
    assert got.fetches["malformed"].items_seen == 20
    assert got.fetches["deep"].items_seen == 8
    # an endless pager stops at max_pages_per_column, a slow one at the column's time budget,
    # both with the note; a redirect loop and a soft 404 are not_found with their reason
    assert hostile.seen["endless"] == CRAWL["max_pages_per_column"]
    assert got.fetches["endless"].items_seen == 10 * CRAWL["max_pages_per_column"]
    assert 2 <= hostile.seen["slow"] < CRAWL["max_pages_per_column"]
    assert hostile.seen["loop"] <= 7


def test_retry_after_is_honoured(result: tuple[Hostile, harness.Result]) -> None:
    hostile, got = result
    assert len(hostile.retried) == 2
    assert hostile.retried[1] - hostile.retried[0] >= SIZES.retry_after - 0.1
    assert got.fetches["retry"].items_seen == 5
