"""The dates rules reason about: Chinese working days, yearly deadlines and seasons.

Working days follow the State Council's holiday schedule, adjusted working days (调休) included,
as published by the maintained `chinesecalendar` library; no table is kept here. The library
knows a fixed range of years and gains a year each December, after the State Council publishes
the next year's holidays. Past its range a day is *estimated* (Monday to Friday are working
days): a deadline far in the future would otherwise stop every check from 1 January until the
library is upgraded. `is_known` tells whether a day was looked up or estimated, and findings
that rest on an estimate say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)


def is_known(day: dt.date) -> bool:
    """True when the calendar knows `day`'s holidays; False when it can only be estimated."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: dt.date) -> bool:
    """True on a working day: weekdays that are not holidays, and adjusted working days (调休).

    Outside the calendar's years, Monday to Friday (an estimate: see the module docstring).
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (`start` itself is not counted; n = 0 gives `start`)."""
    if n < 0:
        raise ValueError(f"expected a number of working days >= 0 (got {n})")
    day = start
    while n:
        day += ONE_DAY
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(a: dt.date, b: dt.date) -> int:
    """The working days after `a` up to and including `b` (0 when b <= a)."""
    return sum(is_working_day(a + k * ONE_DAY) for k in range(1, (b - a).days + 1))


# ----------------------------------------------------------------------------- deadlines


def on_month_day(month_day: str, year: int) -> dt.date:
    """The date "MM-DD" in `year`; 02-29 falls on 02-28 in a common year."""
    month, day = (int(part) for part in month_day.split("-"))
    try:
        return dt.date(year, month, day)
    except ValueError:
        return dt.date(year, month, day - 1)


def last_due_before(month_day: str, at: dt.date) -> dt.date:
    """The latest yearly deadline strictly before `at`: on the deadline day it is not missed yet."""
    due = on_month_day(month_day, at.year)
    return due if due < at else on_month_day(month_day, at.year - 1)


def next_due(month_day: str, at: dt.date) -> dt.date:
    """The earliest yearly deadline on or after `at`."""
    due = on_month_day(month_day, at.year)
    return due if due >= at else on_month_day(month_day, at.year + 1)


# ----------------------------------------------------------------------------- seasons


@dataclass(frozen=True)
class Window:
    """An inclusive range of dates: one occurrence of a season."""

    start: dt.date
    end: dt.date


def _month_after(month: int, k: int) -> int:
    return (month - 1 + k) % 12 + 1


def season_runs(months: Iterable[int]) -> list[tuple[int, int]]:
    """Split months into seasons of consecutive months, wrapping around New Year.

    Returns (first month, length) pairs: [9, 10, 11, 12, 1, 2, 3] is one season (9, 7);
    [3, 4, 5, 6, 9, 10] is two, (3, 4) and (9, 2).
    """
    chosen = set(months)
    if len(chosen) == 12:
        return [(1, 12)]
    firsts = sorted(m for m in chosen if _month_after(m, -1) not in chosen)
    return [(first, _run_length(first, chosen)) for first in firsts]


def _run_length(first: int, chosen: set[int]) -> int:
    length = 1
    while _month_after(first, length) in chosen:
        length += 1
    return length


def season_window(first: int, length: int, year: int) -> Window:
    """The season starting on the 1st of month `first` of `year` and lasting `length` months."""
    after = first - 1 + length  # months from January of `year` to the month after the season
    end = dt.date(year + after // 12, after % 12 + 1, 1) - ONE_DAY
    return Window(dt.date(year, first, 1), end)


def latest_seasons(months: Iterable[int], at: dt.date) -> Iterator[Window]:
    """Per season, its latest occurrence that has begun by `at` (it may still be running)."""
    for first, length in season_runs(months):
        window = season_window(first, length, at.year)
        yield window if window.start <= at else season_window(first, length, at.year - 1)


def following(window: Window) -> Window:
    """The same season one year later."""
    start, end = window.start, window.end
    length = (end.year - start.year) * 12 + end.month - start.month + 1
    return season_window(start.month, length, start.year + 1)
