"""JSON list endpoints (Sudy ``_wp3services/generalQuery`` and the like), read through ``column.api``.

``api.items`` is a dotted path to the list in the response (``data``, ``data.rows``); ``api.title``,
``api.link`` and ``api.date`` are dotted paths within each entry. A link may be relative to the API
URL. An entry with a truthy ``top``/``isTop``/``istop`` is pinned. A date given as a number is an
epoch timestamp (milliseconds when it is that large), read in Asia/Shanghai.

The next page is the API URL template with ``{page}`` one higher, as long as this page returned
entries and, when the response states a total (``total``/``totalCount``/``total_count``, at the top
level or beside the list), the pages read so far hold fewer entries than that.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

from scrapy.http import TextResponse
from w3lib.html import remove_tags

from crawler.profiles import ListPage, Row, register
from crawler.profiles.html import collapse
from crawler.profiles.rows import PINNED_PREFIX, strip_pinned
from crawler.urls import canonical, is_attachment
from monitor.config import ApiMapping, Column

PINNED_FIELDS = ("top", "isTop", "istop")
TOTAL_FIELDS = ("total", "totalCount", "total_count")
TIMEZONE = ZoneInfo("Asia/Shanghai")
_MISSING = object()


@register
class JsonApi:
    name = "jsonapi"
    auto_rank: int | None = None
    html = False

    def detect(self, response: TextResponse) -> bool:
        return _load(response) is not None

    def parse_list(self, response: TextResponse, *, column: Column) -> ListPage:
        api, data = column.api, _load(response)
        entries = _get(data, api.items) if api is not None else _MISSING
        if api is None or not isinstance(entries, list):
            return ListPage(found=False, rows=(), next_url=None)
        rows = tuple(row for entry in entries if (row := _row(entry, api, base=response.url)))
        totals = (_total(data), _total(_get(data, api.items.rpartition(".")[0])))
        total = next((t for t in totals if t is not None), None)
        next_url = _next_url(response.url, api, count=len(entries), total=total)
        return ListPage(found=True, rows=rows, next_url=next_url)


def _load(response: TextResponse) -> Any:
    try:
        return json.loads(response.text)
    except ValueError:
        return None


def _get(data: Any, path: str) -> Any:
    """The value at a dotted path (``data.rows``, ``0.title``), or _MISSING."""
    for key in filter(None, path.split(".")):
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and key.isdecimal() and int(key) < len(data):
            data = data[int(key)]
        else:
            return _MISSING
    return data


def _row(entry: Any, api: ApiMapping, *, base: str) -> Row | None:
    link, title = _get(entry, api.link), _get(entry, api.title)
    url = canonical(str(link), base=base) if isinstance(link, str | int) else None
    title = collapse(remove_tags(str(title))) if isinstance(title, str | int) else ""
    if url is None or not title:
        return None
    pinned = bool(PINNED_PREFIX.match(title)) or any(_truthy(_get(entry, key)) for key in PINNED_FIELDS)
    date_text = _date_text(_get(entry, api.date)) if api.date else None
    return Row(url, strip_pinned(title), date_text, pinned=pinned, is_attachment=is_attachment(url))


def _date_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is _MISSING or value is None:
        return None
    if isinstance(value, int | float):
        try:
            seconds = value / 1000 if value > 10**11 else value
            return dt.datetime.fromtimestamp(seconds, TIMEZONE).date().isoformat()
        except (OverflowError, OSError, ValueError):  # NaN, or past the years a date can hold: no date
            return None
    return collapse(str(value)) or None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y"}
    return value is not _MISSING and bool(value)


def _total(data: Any) -> int | None:
    if not isinstance(data, dict):
        return None
    values = (data.get(key) for key in TOTAL_FIELDS)
    return next((int(v) for v in values if isinstance(v, int | str) and str(v).isdecimal()), None)


def _next_url(url: str, api: ApiMapping, *, count: int, total: int | None) -> str | None:
    """The template with {page} + 1, while this page had entries and the total is not reached."""
    head, _, tail = api.url.partition("{page}")
    found = re.fullmatch(re.escape(head) + r"(\d+)" + re.escape(tail), url)
    if found is None or count == 0:
        return None
    page = int(found[1])
    if total is not None and (page - api.first_page + 1) * count >= total:
        return None
    return api.url.replace("{page}", str(page + 1))
