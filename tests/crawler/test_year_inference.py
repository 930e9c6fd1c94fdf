"""Year inference with verification: which rows of a year-less list get their article opened, and how
the articles' dates re-date the rows around them (pure: crawler.dates.resolve_checked, extract.redate)."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.dates import DateText, resolve, resolve_checked

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
