"""The exact ground truth of the demo campus: what a correct crawl of it stores.

- :func:`expected_outcomes`: the outcome of every column for a crawl without cookies (with
  ``authenticated=True``: a crawl that sends the OA session cookie).
- :func:`expected_items`: per site, canonical absolute item URL → (full title, publication date),
  for every column whose outcome is ``ok``; an item listed in two columns is one item; links to
  other sites are not items; pinned rows and attached files are (a file's title and date are its
  list row's, and a file in a list that shows no dates has no date).
- :func:`expected_counts`: per site, the items dated within an inclusive range of dates.
- :func:`list_columns`: per site, every list column a visitor can reach from its home page, with
  its URL, whether robots.txt disallows it, where its rows' dates are, and (for a page filled by a
  script from a JSON endpoint) the endpoint: what ``xxgk discover`` should propose.

URLs need the port: pass ``port=`` or serve the campus first (``DemoServer.start()`` records its
port on the campus). Canonical means ``w3lib.url.canonicalize_url``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from w3lib.url import canonicalize_url

from monitor.config import KIND_MAX_AGE_DAYS
from monitor.demo import paging
from monitor.demo.model import DemoCampus, DemoColumn, DemoSite

Expected = tuple[str, dt.date | None]
_COLUMN_OUTCOMES = {
    "missing": "not_found",
    "redesigned": "parse_failed",
    "disallowed": "robots_disallowed",
}
_SITE_OUTCOMES = {"down": "unreachable", "blocked": "blocked"}


def column_outcome(site: DemoSite, column: DemoColumn, *, authenticated: bool = False) -> str:
    """One of ok, empty, unreachable, auth_required, blocked, robots_disallowed, not_found, parse_failed."""
    if site.behaviour in _SITE_OUTCOMES:
        return _SITE_OUTCOMES[site.behaviour]
    if site.behaviour == "login" and not authenticated:
        return "auth_required"
    if column.behaviour in _COLUMN_OUTCOMES:
        return _COLUMN_OUTCOMES[column.behaviour]
    return "ok" if column.items else "empty"  # a blank column stops being blank once published to


def expected_outcomes(campus: DemoCampus, *, authenticated: bool = False) -> dict[tuple[str, str], str]:
    """(site id, column id) → the column's outcome."""
    return {
        (site.id, column.id): column_outcome(site, column, authenticated=authenticated)
        for site in campus.sites()
        for column in site.columns
    }


def _site_items(site: DemoSite, *, authenticated: bool) -> dict[str, Expected]:
    """Path → (title, date) of the items a correct crawler reads on a site."""
    found: dict[str, Expected] = {}
    for column in site.columns:
        if column_outcome(site, column, authenticated=authenticated) != "ok":
            continue
        for item in column.items:
            if not item.external:
                found.setdefault(item.href, (item.title, item.published_on))
    return found


def expected_items(
    campus: DemoCampus, *, port: int | None = None, authenticated: bool = False
) -> dict[str, dict[str, Expected]]:
    """Site id → canonical absolute item URL → (full title, publication date or None)."""
    port = port or campus.port
    if port is None:
        raise ValueError("expected_items needs the port: pass port= or start a DemoServer first")
    return {
        site.id: {
            canonicalize_url(f"http://{site.ip}:{port}{path}"): value
            for path, value in _site_items(site, authenticated=authenticated).items()
        }
        for site in campus.sites()
    }


def expected_counts(
    campus: DemoCampus, start: dt.date, end: dt.date, *, authenticated: bool = False
) -> dict[str, int]:
    """Site id → how many of its items are dated within [start, end] (every site, 0 included)."""
    counts = {}
    for site in campus.sites():
        items = _site_items(site, authenticated=authenticated).values()
        counts[site.id] = sum(1 for _, day in items if day is not None and start <= day <= end)
    return counts


def expected_verdicts(campus: DemoCampus, *, at: dt.date) -> dict[tuple[str, str], tuple[str, str]]:
    """(site id, column id) → (column status, reason) that a check on `at` after a full crawl gives.

    Statuses follow the inspection rules (`xxgk rules`): a column that could not be read is
    ``could_not_check`` with its outcome as the reason, a readable column with no items is
    ``blank``, a static column is always ``fresh``, one whose items are all undated is
    ``undated``, else ``stale`` when its newest item is older than its kind allows (news 14 days,
    notice 183, hr_plan 365).
    """
    return {
        (site.id, column.id): _verdict(site, column, at=at)
        for site in campus.sites()
        for column in site.columns
    }


def _verdict(site: DemoSite, column: DemoColumn, *, at: dt.date) -> tuple[str, str]:
    outcome = column_outcome(site, column)
    if outcome not in ("ok", "empty"):
        return "could_not_check", outcome
    items = [item for item in column.items if not item.external]
    limit = KIND_MAX_AGE_DAYS[column.kind]
    dates = [item.published_on for item in items if item.published_on and item.published_on <= at]
    if not items:
        return "blank", ""
    if limit is None:
        return "fresh", ""
    if not dates:
        return "undated", ""
    return ("stale" if (at - max(dates)).days > limit else "fresh"), ""


DateHome = Literal["list", "link", "url", "article", "json"]
_LINK_DATED = ("php_paren", "php_span")
_URL_DATED = ("trs", "dede")


@dataclass(frozen=True)
class ListColumn:
    """One list column of a demo site, as ``xxgk discover`` should find it.

    ``url`` is its first list page (absolute, canonical); ``cms`` what the shipped config says;
    ``robots_disallowed``: robots.txt forbids it (propose it, marked; never fetch it);
    ``api``: for a page filled by a script, the JSON endpoint with ``{page}`` (else None);
    ``dates``: where its rows' dates are: in the list (``list``), inside the link text
    (``link``), only in the article URL (``url``), only on the article page (``article``), or in
    the JSON (``json``); ``rows``: how many items it lists (0 for the blank column).
    """

    site: str
    column: str
    name: str
    url: str
    cms: str
    robots_disallowed: bool
    api: str | None
    dates: DateHome
    rows: int


def list_columns(campus: DemoCampus, *, port: int | None = None) -> dict[str, list[ListColumn]]:
    """Site id → its list columns, in the order of its navigation, for every site that serves
    pages to a crawler without a cookie (not the down, blocked or login-walled ones). A column
    whose URL answers 404 (``missing``) or no longer holds a list (``redesigned``) is none."""
    port = port or campus.port
    if port is None:
        raise ValueError("list_columns needs the port: pass port= or start a DemoServer first")
    return {
        site.id: [_list_column(site, column, port) for column in site.columns if _is_list(column)]
        for site in campus.sites()
        if site.behaviour == "ok"
    }


def _is_list(column: DemoColumn) -> bool:
    return column.behaviour not in ("missing", "redesigned")


def _list_column(site: DemoSite, column: DemoColumn, port: int) -> ListColumn:
    origin = f"http://{site.ip}:{port}"
    api = origin + paging.api_url(column, "{page}") if column.family == "jsonapi" else None
    return ListColumn(
        site=site.id,
        column=column.id,
        name=column.name,
        url=canonicalize_url(origin + column.path),
        cms=column.cms,
        robots_disallowed=column.behaviour == "disallowed",
        api=api,
        dates=_date_home(column),
        rows=len(column.items),
    )


def _date_home(column: DemoColumn) -> DateHome:
    if column.family == "jsonapi":
        return "json"
    if column.template in _LINK_DATED:
        return "link"
    if column.template.endswith("no_date"):
        return "url" if column.family in _URL_DATED else "article"
    return "list"
