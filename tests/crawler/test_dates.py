"""The date normaliser against a table of what campus sites really print (date_cases.yaml)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.dates import DATE_SOURCES, DateText, parse, resolve, sudy_url_date, url_date

TABLE = yaml.safe_load((Path(__file__).parent / "date_cases.yaml").read_text(encoding="utf-8"))
TODAY = dt.date.fromisoformat(TABLE["today"])


def cases(section: str) -> list[Any]:
    return [pytest.param(case, id=case["id"]) for case in TABLE[section]]


def today_of(case: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(case["today"]) if "today" in case else TODAY


def iso(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def date_text(value: str | None, *, relative: bool = False) -> DateText | None:
    """'YYYY-MM-DD' → a full DateText, 'MM-DD' → a year-less one, None → None."""
    if value is None:
        return None
    parts = [int(part) for part in value.split("-")]
    if len(parts) == 2:
        return DateText(None, *parts)
    return DateText(*parts, relative=relative)


@pytest.mark.parametrize("case", cases("parse"))
def test_parse(case: dict[str, Any]) -> None:
    expected = date_text(case["expect"], relative=case.get("relative", False))
    assert parse(case["text"], today=today_of(case)) == expected


@pytest.mark.parametrize("case", cases("resolve"))
def test_resolve(case: dict[str, Any]) -> None:
    found = [date_text(row) for row in case["rows"]]
    hints = [iso(hint) for hint in case.get("hints", [])]
    expected = [iso(row) for row in case["expect"]]
    assert resolve(found, today=today_of(case), hints=hints) == expected


@pytest.mark.parametrize("case", cases("url_date"))
def test_url_date(case: dict[str, Any]) -> None:
    assert url_date(case["url"]) == iso(case["expect"])


@pytest.mark.parametrize("case", cases("sudy_url_date"))
def test_sudy_url_date(case: dict[str, Any]) -> None:
    assert sudy_url_date(case["url"]) == iso(case["expect"])


def test_table_is_large_enough() -> None:
    assert len(TABLE["parse"]) >= 100
    assert len(TABLE["url_date"]) + len(TABLE["sudy_url_date"]) >= 10


def test_parse_then_resolve_a_year_less_list() -> None:
    """The way a spider uses the two: one list page of [MM-DD] cells across a new year."""
    cells = ["[01-04]", "[01-02]", "[12-31]", "[12-15]"]
    today = dt.date(2026, 1, 5)
    found = [parse(cell, today=today) for cell in cells]
    assert resolve(found, today=today) == [
        dt.date(2026, 1, 4),
        dt.date(2026, 1, 2),
        dt.date(2025, 12, 31),
        dt.date(2025, 12, 15),
    ]


def test_resolve_never_returns_a_future_date() -> None:
    today = dt.date(2026, 6, 23)
    found = [DateText(2026, 6, 24), DateText(None, 6, 24), DateText(None, 12, 31)]
    hints = [None, dt.date(2026, 6, 24), dt.date(2026, 12, 30)]
    assert all(day is None or day <= today for day in resolve(found, today=today, hints=hints))


def test_date_sources_are_distinct_names() -> None:
    assert len(set(DATE_SOURCES)) == len(DATE_SOURCES) == 8
    assert {"list", "list_inferred", "relative", "url", "url_created", "article", "meta", "fallback"} == set(
        DATE_SOURCES
    )
