"""Read the dates that Chinese campus sites print, and infer the year where they leave it out.

Pure functions over strings and ``datetime.date``; no Scrapy. The forms come from
``reference/campus-cms.md``: ``YYYY-MM-DD`` with any of ``- / . 年月日``, label prefixes
(``发布时间：``), brackets, full-width digits and spaces, split day / year-month cells, year-less
``[MM-DD]`` and ``M月D日``, and relative words (``今天``, ``3天前``). Everything is compiled regexes:
dateparser reads ``[09-01]`` as 2009-01-xx and runs ~500 times slower (stack-notes.md, "Dates").

Relative words are counted from the crawl's local date (``today``), not its clock: ``N小时前`` and
``N分钟前`` are today while under a day (a row posted "2小时前" read at 01:00 is really yesterday;
one day off at most, accepted), and ``today - N // 24`` days from 24 hours on.

Dates in article URLs: :func:`url_date` reads only the URL patterns known to be publication dates
(Drupal-style ``/article/2022/09/01/``, Xinhua ``/2022-09/01/c_123.htm``, TRS WCM
``./202209/t20220901_123456.html``, DedeCMS/PHPCMS ``/tzgg/2022/0901/12345.html``; its docstring
gives the sources). A Sudy WebPlus ``/2022/0901/c1234a56789/page.htm`` path is the record's
creation date (:func:`sudy_url_date`): a hint for year inference and the last resort, never a
publication date.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

# Where an item's date came from; stored with the item so that reports can weigh it.
DATE_SOURCES = (
    "list",  # printed in full on the list page row
    "list_inferred",  # printed on the list without a year; the year inferred by resolve()
    "relative",  # the list printed 今天 / 3天前 …, counted from the crawl date
    "url",  # written in the article URL (Drupal /article/Y/M/D/, Xinhua /YYYY-MM/DD/, TRS t20220901_1.html)
    "url_created",  # Sudy WebPlus /YYYY/MMDD/ path: the record's creation date, a last resort
    "article",  # the article page's CMS date element or a labelled date in its text
    "meta",  # the article page's <meta> (PubDate, article:published_time …) or JSON-LD
    "fallback",  # htmldate on the article page: low confidence
)


@dataclass(frozen=True, slots=True)
class DateText:
    """What one date string says. year is None for year-less forms (09-01, [09-01], 9月1日)."""

    year: int | None
    month: int
    day: int
    relative: bool = False  # from 今天/昨天/前天/N天前/N小时前/N分钟前/刚刚 (then year is always set)


# Full-width digits and punctuation fold to ASCII. Spaces need no folding: `\s` matches nbsp, tabs
# and U+3000. Folding is slow (str.translate), so only strings that need it are folded.
_FOLD = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {"－": "-", "–": "-", "—": "-", "／": "/", "．": ".", "：": ":", "\u200b": ""}
)
_NEEDS_FOLD = re.compile("[\uff10-\uff19－–—／．\u200b]")
_YEAR = r"((?:19|20)\d\d)"
_FULL = re.compile(r"(?<!\d)" + _YEAR + r"\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
# Split cells joined by whitespace; a time (10:01) or another date part must not touch them,
# while a label's colon may (时间:09-01).
_NB, _NA = r"(?<![\d\-/.])(?<!\d[:：])", r"(?![\d\-/.])(?![:：]\d)"
_SPLIT = (  # (pattern, group numbers of year, month, day)
    (re.compile(_NB + r"(\d{1,2})日?\s+" + _YEAR + r"\s*[-/.年]\s*(\d{1,2})月?" + _NA), (2, 3, 1)),
    (re.compile(r"(?<!\d)" + _YEAR + r"\s*[-/.年]\s*(\d{1,2})月?\s+(\d{1,2})日?" + _NA), (1, 2, 3)),
    (re.compile(_NB + r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?\s+" + _YEAR + r"年?" + _NA), (3, 1, 2)),
    (re.compile(r"(?<!\d)" + _YEAR + r"年?\s+(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?" + _NA), (1, 2, 3)),
)
# ASP/.NET pages print DateTime in the en-US form, M/D/YYYY h:mm:ss AM; the AM/PM says the order is
# month first (a bare 7/5/2005 could be either, so without the time it stays unread).
_US = re.compile(
    r"(?<![\d/])(\d{1,2})/(\d{1,2})/" + _YEAR + r"\s+\d{1,2}:\d\d(?::\d\d)?\s*[AaPp]\.?[Mm](?![A-Za-z])"
)
_RELATIVE = re.compile(r"刚刚|半小时前|大前天|前天|昨天|今天|(\d+)\s*(秒|分钟|分|小时|天|日|周|星期)\s*前")
_DAYS_AGO = {"刚刚": 0, "半小时前": 0, "今天": 0, "昨天": 1, "前天": 2, "大前天": 3}
_UNIT_SECONDS = {
    "秒": 1,
    "分钟": 60,
    "分": 60,
    "小时": 3600,
    "天": 86400,
    "日": 86400,
    "周": 604800,
    "星期": 604800,
}
_YEARLESS = (
    re.compile(_NB + r"(\d{1,2})\s*[-/.]\s*(\d{1,2})" + _NA),
    re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"),
)
# When one string holds several dates, the one labelled as the publication date wins.
_PUBLISH_LABEL = re.compile(r"(?:发布|发表|发文|发稿|公布|刊发)(?:时间|日期|于)?\s*[:：]?\s*$")


def parse(text: str, *, today: datetime.date) -> DateText | None:
    """Read one date string: '2022-09-01', '2022/9/1', '2022.09.01', '2022年9月1日', '2022-09-01 10:00:00',
    with label prefixes (发布时间/发布日期/时间/日期/更新时间/发表时间/发文日期 with ： or :),
    brackets [] 【】 () （）, nbsp, tabs, full-width spaces and digits (２０２２), 'YYYY-MM-DD' embedded in
    surrounding text ('作者：x 时间：2026-06-23 点击数：'), split cells joined by whitespace/newline in
    either order ('01\\n2022-09', '2022-09\\n01', '08-31 2026', '2026 08-31'), the en-US
    'M/D/YYYY h:mm:ss AM' (only with its AM/PM, which says month first), year-less '09-01' /
    '[09-01]' / '9月1日' / '09/01' → DateText(None, 9, 1), relative words → full date from `today`.
    Invalid calendar dates (2022-02-30) → None. Text with no date → None. A full date after `today` → None.

    The forms are tried from the most to the least specific: full, en-US, split, relative, year-less; once a
    full date is seen the answer comes from full dates only (so '2022-02-30' is not read as '02-30').
    """
    if _NEEDS_FOLD.search(text):
        text = text.translate(_FOLD)
    first = _FULL.search(text)
    if first:
        return _full(text, first.start(), today)
    us = _US.search(text)
    if us:
        return _dated(us[3], us[1], us[2], today)
    for pattern, (y, m, d) in _SPLIT:
        found = pattern.search(text)
        if found:
            return _dated(found[y], found[m], found[d], today)
    found = _RELATIVE.search(text)
    if found:
        return _relative(found, today)
    return _yearless(text)


def before_first_year(text: str) -> bool:
    """Whether the text holds a full date before :data:`FIRST_YEAR` (``1900-01-01``): a date cell
    that dates nothing, which :func:`parse` refuses."""
    if _NEEDS_FOLD.search(text):
        text = text.translate(_FOLD)
    return any(int(found[1]) < FIRST_YEAR for found in _FULL.finditer(text))


def _full(text: str, start: int, today: datetime.date) -> DateText | None:
    """The first valid, not future full date; a publication-labelled one before any other."""
    dates = []
    for found in _FULL.finditer(text, start):
        date = _dated(found[1], found[2], found[3], today)
        if date is not None:
            if _PUBLISH_LABEL.search(text, max(0, found.start() - 10), found.start()):
                return date
            dates.append(date)
    return dates[0] if dates else None


# Cached on the digits as printed: a list page repeats a few dates, and building a frozen dataclass
# costs more than the regex search that found it.
@functools.lru_cache(maxsize=8192)
def _dated(year: str, month: str, day: str, today: datetime.date) -> DateText | None:
    date = _date(int(year), int(month), int(day))
    return None if date is None or date > today else DateText(date.year, date.month, date.day)


def _relative(found: re.Match[str], today: datetime.date) -> DateText | None:
    # Whole days back, rounded down: 23小时前 is today, 36小时前 yesterday. A count too long to read
    # or too far back for a date (999999天前) is no date.
    if found[1] is not None and len(found[1]) > 9:
        return None
    days = _DAYS_AGO[found[0]] if found[1] is None else int(found[1]) * _UNIT_SECONDS[found[2]] // 86400
    try:
        date = today - datetime.timedelta(days=days)
    except OverflowError:
        return None
    return DateText(date.year, date.month, date.day, relative=True)


def _yearless(text: str) -> DateText | None:
    for pattern in _YEARLESS:
        found = pattern.search(text)
        if found:
            return _month_day(found[1], found[2])
    return None


@functools.lru_cache(maxsize=1024)
def _month_day(month: str, day: str) -> DateText | None:
    valid = _date(2000, int(month), int(day))  # 2000 has a 02-29
    return DateText(None, valid.month, valid.day) if valid else None


#: No campus page is dated before this year (the first Chinese university websites went up in 1994;
#: ``monitor.stats.FIRST_DAY`` bounds periods alike): an older date is a placeholder (1900-01-01,
#: 1970-01-01 of an empty timestamp) or a typo, not a publication date.
FIRST_YEAR = 1990


def _date(year: int, month: int, day: int) -> datetime.date | None:
    if year < FIRST_YEAR:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


# Publication dates that CMSs write into article URLs (the path only; see url_date for the sources):
# /YYYY/MM/DD/, /YYYY-MM-DD/, /YYYY-MM/DD/ (Xinhua), /YYYY/MM-DD/; a /YYYYMMDD/ segment; TRS WCM's
# t20220901_123456.html; DedeCMS/PHPCMS /2022/0901/12345.html.
_URL_DATES = (
    re.compile(r"/" + _YEAR + r"[/-](\d{1,2})[/-](\d{1,2})(?=/)"),
    re.compile(r"/" + _YEAR + r"(\d\d)(\d\d)(?=/)"),
    re.compile(r"/t" + _YEAR + r"(\d\d)(\d\d)_\d+(?:_\d+)?\.s?html?/$"),
    re.compile(r"/" + _YEAR + r"/(\d\d)(\d\d)/\d+(?:_\d+)?\.s?html?/$"),
)
_SUDY_PATH = re.compile(r"/" + _YEAR + r"/(\d\d)(\d\d)/c\d+a\d+/")


def url_date(url: str) -> datetime.date | None:
    """The publication date written in an article URL's path, where the CMS writes one; else None.

    - ``/YYYY/MM/DD/`` and ``/YYYY-MM-DD/`` segments: dated path aliases such as Drupal's at
      today.hit.edu.cn (``/article/2022/09/01/123``; RSSHub's ``hit/today`` route dates items so);
    - ``/YYYY-MM/DD/``: Xinhua and gov.cn (``/politics/2020-02/19/c_1125597921.htm``: released
      2020-02-19, see ../shared/realpages/articles/htmldate_xinhuanet_com_c_1125597921);
    - a ``/YYYYMMDD/`` segment (news sites' day folders, also read by htmldate's ``extract_url_date``);
    - TRS WCM's published file name ``t{yyyyMMdd}_{docid}.html`` (``./202209/t20220901_123456.html``),
      the document's date as the site publishes it (government and many campus sites);
    - ``/YYYY/MMDD/{id}.html``: the default article naming rule of DedeCMS (``{Y}/{M}{D}/{aid}.html``,
      from ``pubdate``) and PHPCMS v9 (``{$year}/{$month}{$day}/{$id}.html``).

    Not Sudy WebPlus ``/YYYY/MMDD/c{col}a{id}/page.htm``: that is the record's creation date
    (:func:`sudy_url_date`). An invalid date → None.
    """
    path = _path(url)
    for pattern in _URL_DATES:
        found = pattern.search(path)
        if found:
            return _date(int(found[1]), int(found[2]), int(found[3]))
    return None


def sudy_url_date(url: str) -> datetime.date | None:
    """The creation date in a Sudy WebPlus article path /YYYY/MMDD/c{col}a{id}/page.htm — NOT the
    publication date (campus-cms.md §1); callers use it only when nothing else exists."""
    found = _SUDY_PATH.search(_path(url))
    return _date(int(found[1]), int(found[2]), int(found[3])) if found else None


def _path(url: str) -> str:
    """The part before ?query and #fragment, with a trailing / so that the last segment counts too."""
    return url.split("#", 1)[0].split("?", 1)[0] + "/"


def resolve(
    found: Sequence[DateText | None],
    *,
    today: datetime.date,
    hints: Sequence[datetime.date | None] = (),
    start: datetime.date | None = None,
) -> list[datetime.date | None]:
    """Dates for the rows of one date-descending list page. Full dates pass through (if not after today).

    A year-less row takes its year from, in order:
    1. its hint (hints[i], e.g. the row's URL date): the year that puts it nearest the hint, if within
       half a year of it and not after today (a Sudy record created 12-30 and published 01-03);
    2. the nearest full-dated row above it, or the row chain from `start` (the last date of the
       page before, for a page after the first) or today: the latest date with its (month, day)
       not after the previous year-less row, so that a jump upwards
       in (month, day), 01-03 then 12-28, moves to the year before. When the nearest full-dated row
       above and the chain disagree, the one leaving the smaller gap wins: a list is dense, so a full
       date far above its neighbours is a pinned (置顶) row out of date order. A pinned 2000-01-01
       above 06-20 (today 2026-06-23) would leave a gap of 195 days against 3 from today: 2026-06-20;
       a full 2023-01-03 above 12-28 leaves 6 days: 2022-12-28 whatever today is.
    Known limit: a pinned full date within a few weeks (by month and day) above the first year-less
    row wins over a chain that is further away. Rows with None stay None; hinted rows count as full.
    The result never holds a date after today. :func:`resolve_checked` also says which rows to check.
    """
    return [day for day, _ in resolve_checked(found, today=today, hints=hints, start=start)]


def resolve_checked(
    found: Sequence[DateText | None],
    *,
    today: datetime.date,
    hints: Sequence[datetime.date | None] = (),
    start: datetime.date | None = None,
) -> list[tuple[datetime.date | None, bool]]:
    """:func:`resolve`, with a flag on each row whose inferred year should be checked on its article.

    A year-less row without a hint is flagged when its year rests on a guess:
    - the first one of a page without `start`: only today bounds it, so a column idle for more
      than a year (top row 10-01, really last year's) would put every row a year late;
    - one where the chain moves to the year before (an inferred year boundary), and the row
      just above it when that is the page's first: an old row on top without a 置顶 marker
      (05-30 above 12-24, 12-20 …) puts all the rows below it a year early.
    Once the flagged rows carry their articles' dates (as full dates), a second pass places the
    rest around them: a full date anchors the rows that follow it.
    """
    chain = _Chain(today=today, bound=min(start, today) if start else today, seen_yearless=start is not None)
    placed = [chain.place(text, hints[i] if i < len(hints) else None) for i, text in enumerate(found)]
    if start is None and chain.first_guess is not None and chain.first_guess + 1 in chain.rolled:
        placed = _top_row_apart(found, placed, top=chain.first_guess, today=today, hints=hints)
    flags = [False] * len(found)
    for i in chain.rolled:
        flags[i] = True
        if chain.first_guess is not None and i - 1 == chain.first_guess:
            flags[i - 1] = True
    if start is None and chain.first_guess is not None:
        flags[chain.first_guess] = True
    return list(zip(placed, flags, strict=True))


#: An old row on top: the gap below it is this many days at least, and this many times the list's
#: usual gap between rows (05-30 above 12-24, 12-20, 12-18 …: 157 days against 2-4).
_TOP_GAP_DAYS = 60
_TOP_GAP_RATIO = 8


def _top_row_apart(
    found: Sequence[DateText | None],
    placed: list[datetime.date | None],
    *,
    top: int,
    today: datetime.date,
    hints: Sequence[datetime.date | None],
) -> list[datetime.date | None]:
    """The dates again with the top year-less row out of the chain, when the chain rolled a year
    back right below it and the gap there dwarfs the list's own: a row on top without a 置顶
    marker (an announcement kept there) would otherwise put every row below it a year early. The
    rows below are then chained from today, and the top row is placed on its own. A stale column
    (its newest row months old, the rows below it dense) has no such gap between its first two
    rows. Both rows stay flagged for a check on their articles, which the crawler trusts."""
    below = [day for day in placed[top + 1 :] if day is not None]
    gaps = sorted((a - b).days for a, b in itertools.pairwise(below) if a >= b)
    first, second = placed[top], placed[top + 1]
    if first is None or second is None or len(gaps) < 2:
        return placed
    gap = (first - second).days
    if gap < _TOP_GAP_DAYS or gap < _TOP_GAP_RATIO * max(gaps[len(gaps) // 2], 1):
        return placed
    rest = _Chain(today=today, bound=today)
    apart = [*placed[: top + 1]]
    apart += [
        rest.place(text, hints[i] if i < len(hints) else None) for i, text in enumerate(found) if i > top
    ]
    return apart


@dataclass
class _Chain:
    """Walks one list top-down: `bound` is the last year-less row placed (or today), `anchor` the
    nearest full date seen since then. `rolled` lists the rows where the chain moved a year back,
    `first_guess` the first row placed by the chain alone."""

    today: datetime.date
    bound: datetime.date
    anchor: datetime.date | None = None
    rolled: list[int] = field(default_factory=list)
    first_guess: int | None = None
    row: int = -1
    seen_yearless: bool = False

    def place(self, text: DateText | None, hint: datetime.date | None) -> datetime.date | None:
        self.row += 1
        if text is None:
            return None
        if text.year is not None:
            return self._full(_date(text.year, text.month, text.day))
        hinted = _near(text.month, text.day, hint, self.today) if hint else None
        return self._full(hinted) if hinted else self._yearless(text.month, text.day)

    def _full(self, date: datetime.date | None) -> datetime.date | None:
        if date is None or date > self.today:
            return None
        self.anchor = date
        return date

    def _yearless(self, month: int, day: int) -> datetime.date | None:
        date = _latest(month, day, self.bound)
        near = _latest(month, day, self.anchor) if self.anchor else None
        anchored = bool(near and self.anchor and (date is None or self.anchor - near <= self.bound - date))
        if anchored:
            date = near
        elif date is not None:
            if self.first_guess is None and not self.seen_yearless:
                self.first_guess = self.row
            if self.seen_yearless and (month, day) > (self.bound.month, self.bound.day):
                self.rolled.append(self.row)
        self.seen_yearless = True
        self.bound, self.anchor = date or self.bound, None
        return date


def _latest(month: int, day: int, bound: datetime.date) -> datetime.date | None:
    """The latest date with this month and day that is not after `bound` (02-29: the last leap year)."""
    year = bound.year if (month, day) <= (bound.month, bound.day) else bound.year - 1
    for back in range(8):
        date = _date(year - back, month, day)
        if date:
            return date
    return None


def _near(month: int, day: int, hint: datetime.date, today: datetime.date) -> datetime.date | None:
    """The date with this month and day nearest the hint, within half a year of it, not after today."""
    dates = [_date(year, month, day) for year in (hint.year - 1, hint.year, hint.year + 1)]
    near = [d for d in dates if d and d <= today and abs((d - hint).days) <= 183]
    return min(near, key=lambda d: abs((d - hint).days), default=None)
