"""The pure entry points the spider calls: a list response in, dated rows and the next pages out.

:func:`extract_list` fixes the page's decoding, reads the list through the chain of profiles
(:func:`crawler.profiles.read_list`: the profile remembered for the column, its configured or
recognised family, then the generic finder), and dates every row. An error page (4xx/5xx) is no
list, whatever its markup. Nothing here touches the network or the store.

Date policy (sources are ``crawler.dates.DATE_SOURCES``):

1. Each row's date text is read with :func:`dates.parse`; the years of the rows without one are
   inferred over the page with :func:`dates.resolve` (a list is date-descending). Its hints are
   the URL dates: :func:`dates.url_date` (the URL patterns that are known publication dates:
   Drupal ``/article/Y/M/D/``, Xinhua ``/YYYY-MM/DD/``, TRS ``t20220901_1.html``, DedeCMS
   ``/2022/0901/1.html`` …), else the WebPlus creation date :func:`dates.sudy_url_date`, which is
   close enough to place a year-less ``12-28`` in the right year.
2. Pinned (置顶) rows are out of date order: each is resolved on its own, and keeps its own date.
3. Sources: a full date on the list → ``list``; a year-less one → ``list_inferred``; a relative
   word (今天, 3天前) → ``relative``.
4. A publication date in the URL (:func:`dates.url_date`, never the WebPlus creation date) wins
   over a relative or year-less list date that disagrees with it, and dates a row that shows
   none → ``url``. A full date printed on the list is kept even when the URL says otherwise:
   it is what the page publishes.
5. A row still undated needs its article page (``needs_article``), except an attachment, which
   has none and stays undated. When that article cannot be fetched, the spider keeps
   :func:`fallback_date` (the WebPlus creation date → ``url_created``) if there is one.
6. An inferred year that rests on a guess is checked (``Listed.verify``, see
   :func:`dates.resolve_checked`): the first year-less row of a first page, each row where the
   year chain moves a year back and the top row above such a boundary, each pinned year-less
   row. The spider opens their articles once (or takes the date stored from them), and
   :func:`redate` dates the page again around those dates (``article``) and after the last date
   of the page before it, so that a column's year chain runs across its pages.

Decoding: Scrapy believes a page's declared charset. Pages that declare gb2312/GBK but are
stored as UTF-8 exist (campus-cms.md §4), and Scrapy then decodes them into mojibake; so do
pages served as UTF-8 whose body is GBK. :func:`decode_fix` tries UTF-8 strictly first, then
GB18030, as the reference advises.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from scrapy.http import JsonResponse, TextResponse

from crawler import dates
from crawler.profiles import GENERIC, Row, read_list
from monitor.config import Column

GB_CHARSETS = frozenset({"gb2312", "gbk", "gb18030", "hz"})
ERROR_STATUS = 400


@dataclass(frozen=True)
class Listed:
    """One row, ready for storage."""

    url: str
    title: str
    published_on: dt.date | None
    date_source: str | None
    pinned: bool
    is_attachment: bool
    needs_article: bool  # no usable date from the list: open the article page once for its date
    #: The year was inferred at a guess (``dates.resolve_checked``): the spider opens the article,
    #: trusts its date, and re-dates the page around it (:func:`redate`).
    verify: bool = False


@dataclass(frozen=True)
class Listing:
    """One list page, read: the dated rows, where the older pages are, and which profile read it."""

    found: bool
    rows: tuple[Listed, ...]
    next_url: str | None
    page_urls: tuple[str, ...]
    profile: str


def extract_list(
    response: TextResponse, *, column: Column, today: dt.date, profile: str | None = None
) -> Listing:
    """Read one list page of ``column``; ``today`` is the crawl's local date (for relative words).

    ``profile`` names the profile that read the column last time: it is tried first
    (:func:`crawler.profiles.read_list`); :attr:`Listing.profile` names the one that read this page.
    An error status (4xx/5xx: a maintenance page) is never a list, whatever its markup.
    """
    response = decode_fix(response)
    if response.status >= ERROR_STATUS or (isinstance(response, JsonResponse) and column.cms != "jsonapi"):
        # A JSON answer is read only through a column's api mapping; the HTML profiles cannot.
        return Listing(found=False, rows=(), next_url=None, page_urls=(), profile=profile or GENERIC)
    name, page = read_list(response, column=column, remembered=profile)
    return Listing(
        found=page.found,
        rows=date_rows(page.rows, today=today),
        next_url=page.next_url,
        page_urls=page.page_urls,
        profile=name,
    )


def date_rows(rows: Sequence[Row], *, today: dt.date, start: dt.date | None = None) -> tuple[Listed, ...]:
    """The rows of one page, dated by the policy in the module docstring; ``start`` is the last date
    of the page before (None for a first page, or when it is not known)."""
    texts = [dates.parse(row.date_text, today=today) if row.date_text else None for row in rows]
    resolved = _resolve(rows, texts, today=today, start=start)
    return tuple(
        _listed(row, text, *placed, today=today)
        for row, text, placed in zip(rows, texts, resolved, strict=True)
    )


def redate(
    rows: Sequence[Listed],
    *,
    today: dt.date,
    start: dt.date | None = None,
    anchors: Mapping[str, dt.date] | None = None,
) -> tuple[Listed, ...]:
    """The rows of a page read by :func:`date_rows`, dated again: after the page before it (``start``),
    and around the dates of the articles opened for its ``verify`` rows (``anchors``, by URL;
    source ``article``). Only year-less rows (``list_inferred``) move; the flags are recomputed."""
    anchors = anchors or {}
    texts = [_text_of(row, anchors.get(row.url)) for row in rows]
    resolved = _resolve(rows, texts, today=today, start=start)
    out = []
    for row, text, (day, verify) in zip(rows, texts, resolved, strict=True):
        if row.url in anchors:
            out.append(replace(row, published_on=anchors[row.url], date_source="article", verify=False))
        elif row.date_source == "list_inferred":
            published_on, source = _dated(text, day, url_day=_url_day(row.url, today=today))
            verify = verify and source == "list_inferred" and not row.is_attachment
            out.append(replace(row, published_on=published_on, date_source=source, verify=verify))
        else:
            out.append(replace(row, verify=False))
    return tuple(out)


def _text_of(row: Listed, anchor: dt.date | None) -> dates.DateText | None:
    """What the row's date text said, as far as its dating tells: year-less when the year was inferred."""
    day = anchor or row.published_on
    if day is None:
        return None
    if anchor is None and row.date_source == "list_inferred":
        return dates.DateText(None, day.month, day.day)
    return dates.DateText(day.year, day.month, day.day, relative=row.date_source == "relative")


def _resolve(
    rows: Sequence[Row | Listed],
    texts: Sequence[dates.DateText | None],
    *,
    today: dt.date,
    start: dt.date | None = None,
) -> list[tuple[dt.date | None, bool]]:
    """Years (and verify flags) for the date-ordered rows together, and for each pinned row on its own
    (a pinned year-less row rests on today alone: it is always checked)."""
    hints = [dates.url_date(row.url) or dates.sudy_url_date(row.url) for row in rows]
    ordered = [i for i, row in enumerate(rows) if not row.pinned]
    placed: list[tuple[dt.date | None, bool]] = [(None, False)] * len(rows)
    in_order = dates.resolve_checked(
        [texts[i] for i in ordered], today=today, hints=[hints[i] for i in ordered], start=start
    )
    for i, day in zip(ordered, in_order, strict=True):
        placed[i] = day
    for i in (i for i, row in enumerate(rows) if row.pinned):
        placed[i] = dates.resolve_checked([texts[i]], today=today, hints=[hints[i]])[0]
    return placed


def _listed(
    row: Row, text: dates.DateText | None, day: dt.date | None, verify: bool, *, today: dt.date
) -> Listed:
    published_on, source = _dated(text, day, url_day=_url_day(row.url, today=today))
    return Listed(
        url=row.url,
        title=row.title,
        published_on=published_on,
        date_source=source,
        pinned=row.pinned,
        is_attachment=row.is_attachment,
        needs_article=published_on is None and not row.is_attachment,
        verify=verify and source == "list_inferred" and not row.is_attachment,
    )


def _url_day(url: str, *, today: dt.date) -> dt.date | None:
    """The publication date in the URL (:func:`dates.url_date`), unless it is after today: a path
    such as /article/2099/12/31/ dates nothing."""
    day = dates.url_date(url)
    return day if day and day <= today else None


def _dated(
    text: dates.DateText | None, day: dt.date | None, *, url_day: dt.date | None
) -> tuple[dt.date | None, str | None]:
    if text is None or day is None:
        return (url_day, "url") if url_day else (None, None)
    if text.relative or text.year is None:
        if url_day and url_day != day:
            return url_day, "url"
        return day, "relative" if text.relative else "list_inferred"
    return day, "list"


def fallback_date(url: str, *, today: dt.date) -> tuple[dt.date, str] | None:
    """The date to keep for a row whose article page could not be fetched, with its source; a
    creation date after ``today`` is no date (a URL is crawled text, not a clock)."""
    created = dates.sudy_url_date(url)
    return (created, "url_created") if created and created <= today else None


def decode_fix(response: TextResponse) -> TextResponse:
    """The response, re-decoded when its declared charset contradicts its bytes, and with markup
    nested too deep for the parser flattened (:func:`shallow`).

    A body that is valid UTF-8 is UTF-8 even when the page declares a GB charset; a body that is
    not valid UTF-8 but declared UTF-8 is read as GB18030 (a superset of GBK and GB2312) if it
    decodes. Otherwise the response is returned as it is.
    """
    declared = codecs.lookup(response.encoding).name
    if declared in GB_CHARSETS and _decodes(response.body, "utf-8"):
        response = response.replace(encoding="utf-8")
    elif declared == "utf-8" and not _decodes(response.body, "utf-8") and _decodes(response.body, "gb18030"):
        response = response.replace(encoding="gb18030")
    return shallow(response)


#: The deepest nesting kept. libxml2's HTML parser stops at 2,048 levels (256 without
#: XML_PARSE_HUGE) and drops the rest of the page; real pages nest well under 100.
MAX_DEPTH = 1000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")
#: Elements that do not nest: void ones, and those whose end tag may be left out (a list of
#: unclosed <li> or <td> is not deep).
_FLAT = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "td",
        "th",
        "tr",
        "dt",
        "dd",
        "option",
        "optgroup",
        "tbody",
        "thead",
        "tfoot",
        "colgroup",
        "rt",
        "rp",
    ]
)


def shallow(response: TextResponse) -> TextResponse:
    """The response with the tags nested deeper than :data:`MAX_DEPTH` left out (their text kept),
    so that a page wrapped in 5,000 ``<div>`` still shows the list after them; as it is otherwise.

    The depth is counted on the tags as written (a page with fewer tags than twice the bound is
    never scanned), which is enough to bound what the parser sees.
    """
    text = response.text
    if text.count("<") <= 2 * MAX_DEPTH:
        return response
    kept: list[str] = []
    dropped: list[bool] = []  # per open counted tag: was it left out
    last = 0
    for tag in _TAG.finditer(text):
        name = tag[2].lower()
        if name in _FLAT or tag[0].endswith("/>"):
            continue
        if not tag[1]:
            dropped.append(len(dropped) >= MAX_DEPTH)
            drop = dropped[-1]
        else:
            drop = dropped.pop() if dropped else False
        if drop:
            kept.append(text[last : tag.start()])
            last = tag.end()
    if not kept:
        return response
    kept.append(text[last:])
    return response.replace(body="".join(kept).encode("utf-8"), encoding="utf-8")


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
