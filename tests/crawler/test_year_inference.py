"""Year inference with verification: which rows of a year-less list get their article opened, and how
the articles' dates re-date the rows around them (pure: crawler.dates.resolve_checked, extract.redate)."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.dates import DateText, resolve, resolve_checked
from crawler.extract import date_rows, redate
from crawler.profiles import Row

D = dt.date


def md(text: str) -> DateText:
    month, day = text.split("-")
    return DateText(None, int(month), int(day))


def checked(texts: list[str], *, today: dt.date, start: dt.date | None = None) -> list[tuple[str, bool]]:
    found = [md(t) if len(t) == 5 else DateText(*map(int, t.split("-"))) for t in texts]
    return [(str(day), flag) for day, flag in resolve_checked(found, today=today, start=start)]


@pytest.mark.parametrize(
    ("texts", "today", "start", "want"),
    [
        # one year: only the first row rests on today alone
        (["11-20", "11-02", "10-15"], D(2026, 11, 26), None,
         [("2026-11-20", True), ("2026-11-02", False), ("2026-10-15", False)]),
        # a year boundary: the row where the chain moves a year back
        (["01-05", "12-28", "12-20"], D(2026, 1, 10), None,
         [("2026-01-05", True), ("2025-12-28", True), ("2025-12-20", False)]),
        # an unmarked old row on top: it and the boundary under it
        (["05-30", "12-24", "12-20", "11-30"], D(2026, 1, 10), None,
         [("2025-05-30", True), ("2024-12-24", True), ("2024-12-20", False), ("2024-11-30", False)]),
        # a page after the first continues the one before it: no guess at its top
        (["11-20", "11-02"], D(2026, 11, 26), D(2025, 12, 1),
         [("2025-11-20", False), ("2025-11-02", False)]),
        # ... and a boundary between the two pages is one
        (["12-30", "12-01"], D(2026, 11, 26), D(2026, 1, 4),
         [("2025-12-30", True), ("2025-12-01", False)]),
        # full dates are never checked
        (["2026-11-20", "2026-11-02"], D(2026, 11, 26), None,
         [("2026-11-20", False), ("2026-11-02", False)]),
        # a full date above the first year-less row anchors it: nothing rests on today alone... but
        # the chain did place it (the anchor was farther): flagged
        (["2020-01-01", "11-20"], D(2026, 11, 26), None,
         [("2020-01-01", False), ("2026-11-20", True)]),
        # an anchor that wins places the row: nothing to check
        (["2025-12-24", "12-20", "12-01"], D(2026, 1, 10), None,
         [("2025-12-24", False), ("2025-12-20", False), ("2025-12-01", False)]),
    ],
)  # fmt: skip
def test_rows_to_check(texts: list[str], today: dt.date, start: dt.date | None, want: list) -> None:
    assert checked(texts, today=today, start=start) == want


def test_resolve_is_resolve_checked_without_flags() -> None:
    found = [md("05-30"), md("12-24"), None, md("12-20")]
    today = D(2026, 1, 10)
    assert resolve(found, today=today) == [day for day, _ in resolve_checked(found, today=today)]


def test_the_articles_dates_re_date_the_rows_around_them() -> None:
    """05-30 above 12-24 (today 2026-01-10): its article says 2023-05-30, 12-24's says 2025-12-24."""
    found = [DateText(2023, 5, 30), DateText(2025, 12, 24), md("12-20"), md("11-30"), md("01-04")]
    assert resolve(found, today=D(2026, 1, 10)) == [
        D(2023, 5, 30), D(2025, 12, 24), D(2025, 12, 20), D(2025, 11, 30), D(2025, 1, 4),
    ]  # fmt: skip


# ----------------------------------------------------------------------------- rows of a page

ROW_TODAY = D(2026, 1, 10)


def page_rows(*texts: str, pinned: int | None = None) -> list[Row]:
    """Rows with these date texts; the ``pinned``-th (0-based) carries a 置顶 marker."""
    return [
        Row(url=f"http://x.edu.cn/info/{n}.htm", title=f"通知{n}", date_text=text, pinned=n - 1 == pinned)
        for n, text in enumerate(texts, start=1)
    ]


def test_date_rows_flag_the_guesses_and_a_pinned_year_less_row() -> None:
    rows = date_rows(page_rows("[03-01]", "05-30", "12-24", "2025-12-20", pinned=0), today=ROW_TODAY)
    assert [(r.published_on, r.date_source, r.verify) for r in rows] == [
        (D(2025, 3, 1), "list_inferred", True),  # pinned: its year rests on today alone
        (D(2025, 5, 30), "list_inferred", True),  # the first guess, above a boundary
        (D(2024, 12, 24), "list_inferred", True),  # the boundary
        (D(2025, 12, 20), "list", False),
    ]


def test_redate_trusts_the_articles_and_moves_the_rows_around_them() -> None:
    rows = date_rows(page_rows("05-30", "12-24", "12-20", "11-30"), today=ROW_TODAY)
    anchors = {rows[0].url: D(2023, 5, 30), rows[1].url: D(2025, 12, 24)}
    again = redate(rows, today=ROW_TODAY, anchors=anchors)
    assert [(r.published_on, r.date_source, r.verify) for r in again] == [
        (D(2023, 5, 30), "article", False),
        (D(2025, 12, 24), "article", False),
        (D(2025, 12, 20), "list_inferred", False),
        (D(2025, 11, 30), "list_inferred", False),
    ]


def test_redate_continues_the_page_before() -> None:
    rows = date_rows(page_rows("11-20", "11-02"), today=D(2026, 11, 26))
    assert rows[0].verify  # alone, its year rests on today
    again = redate(rows, today=D(2026, 11, 26), start=D(2025, 12, 1))
    assert [(r.published_on, r.verify) for r in again] == [(D(2025, 11, 20), False), (D(2025, 11, 2), False)]


def test_full_dates_and_url_dates_are_never_checked() -> None:
    rows = [
        Row(url="http://x.edu.cn/2025/1201/c1a2/page.htm", title="甲", date_text="12-01"),
        Row(url="http://x.edu.cn/a/2025/11/20/3.htm", title="乙", date_text="11-20"),
        Row(url="http://x.edu.cn/info/4.htm", title="丙", date_text="2025-11-02"),
    ]
    assert [r.verify for r in date_rows(rows, today=ROW_TODAY)] == [False, False, False]


@pytest.mark.parametrize(
    ("texts", "today", "want"),
    [
        # an old row on top (an announcement kept there, no 置顶 marker) whose gap to the next row dwarfs
        # the list's: the rows below are chained from today, the top row is placed on its own
        (["05-30", "12-24", "12-20", "12-18", "12-14", "12-06", "11-29"], D(2018, 12, 24),
         ["2018-05-30", "2018-12-24", "2018-12-20", "2018-12-18", "2018-12-14", "2018-12-06", "2018-11-29"]),
        # a stale column: its newest row months old, no boundary below it: as the chain says
        (["05-30", "05-22", "05-15", "05-02"], D(2018, 12, 24),
         ["2018-05-30", "2018-05-22", "2018-05-15", "2018-05-02"]),
        # a monthly list across New Year: the gap at the boundary is the list's own cadence
        (["01-05", "12-03", "11-02", "10-01", "09-03"], D(2026, 1, 20),
         ["2026-01-05", "2025-12-03", "2025-11-02", "2025-10-01", "2025-09-03"]),
        # a sparse list (a few rows a year): a long gap at the boundary is not out of the ordinary
        (["03-01", "10-15", "06-10", "02-01"], D(2026, 3, 10),
         ["2026-03-01", "2025-10-15", "2025-06-10", "2025-02-01"]),
    ],
)  # fmt: skip
def test_an_old_row_on_top_does_not_move_the_rows_below_a_year(
    texts: list[str], today: dt.date, want: list
) -> None:
    found = [md(text) for text in texts]
    assert [str(day) for day in resolve(found, today=today)] == want
    flags = [flag for _, flag in resolve_checked(found, today=today)]
    assert flags[0]  # the top row rests on today alone: its article is opened either way
