"""Fuzz crawler.dates: parse, resolve and the URL dates never raise and never date after today."""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given
from hypothesis import strategies as st

from crawler import dates
from tests.fuzz.strategies import DATE_TEXT, TODAYS, URLS

D = dt.date


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


@given(text=DATE_TEXT, today=TODAYS)
@example(text="999999天前", today=D(2026, 12, 2))  # before year 1: no date, not an OverflowError
@example(text="9999999999周前", today=D(2026, 12, 2))
@example(text="9" * 5000 + "秒前", today=D(2026, 12, 2))  # past int()'s 4300-digit limit
def test_parse_reads_a_real_date_not_after_today_or_nothing(text: str, today: D) -> None:
    found = dates.parse(text, today=today)
    if found is None:
        return
    assert isinstance(found, dates.DateText)
    if found.year is None:
        assert not found.relative
        assert _valid(2000, found.month, found.day)  # a leap year: 02-29 is a real year-less date
    else:
        assert D(found.year, found.month, found.day) <= today


_TEXTS = st.one_of(
    st.none(),
    st.builds(
        dates.DateText,
        year=st.one_of(st.none(), st.integers(min_value=1900, max_value=2099)),
        month=st.integers(min_value=1, max_value=12),
        day=st.integers(min_value=1, max_value=31),
    ).filter(lambda t: _valid(t.year or 2000, t.month, t.day)),
)
_HINTS = st.one_of(st.none(), st.dates(min_value=D(1900, 1, 1), max_value=D(2099, 12, 31)))


@given(
    found=st.lists(_TEXTS, max_size=30),
    hints=st.lists(_HINTS, max_size=30),
    start=_HINTS,
    today=TODAYS,
)
def test_resolve_keeps_each_rows_month_and_day_and_never_dates_after_today(
    found: list[dates.DateText | None], hints: list[D | None], start: D | None, today: D
) -> None:
    checked = dates.resolve_checked(found, today=today, hints=hints, start=start)
    assert [day for day, _ in checked] == dates.resolve(found, today=today, hints=hints, start=start)
    assert len(checked) == len(found)
    for text, (day, flag) in zip(found, checked, strict=True):
        assert isinstance(flag, bool)
        if text is None or day is None:
            assert text is not None or day is None  # nothing read, nothing dated
            continue
        assert day <= today
        assert (day.month, day.day) == (text.month, text.day)
        if text.year is not None:
            assert day.year == text.year  # full dates pass through


@given(url=URLS)
@example(url="http://today.hit.edu.cn/article/2022/02/30/1")
@example(url="http://news.qlu.edu.cn/2022/1399/c1a2/page.htm")
def test_url_dates_are_real_dates_or_none(url: str) -> None:
    for read in (dates.url_date, dates.sudy_url_date):
        day = read(url)
        assert day is None or (isinstance(day, D) and 1900 <= day.year <= 2099)
