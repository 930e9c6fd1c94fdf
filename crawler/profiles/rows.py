"""Rows of a list page, read the same way by every HTML profile: link, title, date, pins.

A family describes its list layouts as :class:`Template` data; :func:`list_rows` reads the rows
of the first template that yields any. A column's ``selectors`` become a template of their own.

What a row is, whichever profile found it (:func:`row_of`):

- its link: the first labelled link that is no pager or navigation link;
- its title: a heading alternative, else the link text; ``a@title`` when the text is cut
  (longer, or the text ends in an ellipsis that the attribute fills); a 置顶 prefix removed;
- its date: a date alternative, else a date *inside the link* (a ``<span>`` at either end of the
  link text, or a bracketed ``（2018-12-21）``/``[2018-12-21]`` at its end or start, taken out of
  the title), else the row's first date-looking text outside the title.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from crawler import dates
from crawler.profiles import Row
from crawler.profiles.html import collapse, element_text, matches, root, select, texts
from crawler.urls import canonical, is_attachment
from monitor.config import Column, Selectors


@dataclass(frozen=True)
class Template:
    """One list layout: CSS for its rows and, within a row, alternatives for each cell.

    For ``link``, ``title`` and ``date`` the first alternative that matches wins, with all of its
    matches (``.news_days, .news_year`` joins split date cells in page order). With no date
    alternative matching, the row's first date-looking text is its date.
    """

    item: str
    link: tuple[str, ...] = ("a",)
    title: tuple[str, ...] = ()
    date: tuple[str, ...] = ()


PINNED_PREFIX = re.compile(r"^\s*(?:[\[【(（]\s*置顶\s*[\]】)）]|置顶)\s*[:：|-]?\s*")
# Whole class names only: layout classes such as margin-top or top-0 must not pin a row.
PINNED_CLASS = re.compile(
    r"(?:^|\s)(?:top|is[-_]?top|set[-_]?top|news[-_]top|icon[-_]?top|top[-_]?icon|\S*zhiding\S*)(?:\s|$)",
    re.IGNORECASE,
)
PINNED_ICON = re.compile(r"zhiding|置顶|(?:^|[/_.-])(?:top|zd)\d*\.(?:gif|png|jpe?g|svg)", re.IGNORECASE)
PAGER_WORDS = frozenset(
    {"首页", "尾页", "末页", "上一页", "下一页", "上页", "下页", "下一頁", "后页", "前页", "更多"}
    | {"more", "next", "prev", "previous", "first", "last", ">", "<", ">>", "<<", "»", "«", "›", "‹"}
)
NAV_CLASS = re.compile(
    r"(?:^|\s)(?:pager\S*|pagination\S*|\S*paging\S*|pb_sys_\S+|p_pages|nav|navbar|menu\S*|breadcrumbs?)(?:\s|$)"
)
#: Every word NAV_CLASS matches holds one of these (pager, pagination, paging, p_pages: "pag").
_NAV_HINTS = ("pag", "nav", "menu", "pb_sys_", "breadcrumb")
_MAX_DATE_TEXT = 32  # a date cell is short; longer texts are titles or sentences
# What a date cell may hold besides its date: digits, separators, brackets, labels, relative words.
_DATE_CHROME = re.compile(
    r"[\d\s\-/.:：,，\[\]【】()（）年月日号]|发布|更新|时间|日期|刚刚|今天|昨天|前天|天前|小时前|分钟前|周前"
)
_ANY_DAY = dt.date.max  # looks_like_date asks about the shape only, not whether the date is past
# A date in a link: full, or year-less as MM-DD with two digits each (a "(1/2)" is a part number).
_DAY = r"(?:(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d\d[-/.]\d\d|\d{1,2}月\d{1,2}日)"
# A date written into the link text: bracketed at its end or start, or a full date beside a space.
LINK_DATE = re.compile(
    rf"^(?P<title>.*?)\s*[(（\[【]\s*(?P<end>{_DAY})\s*[)）\]】]\s*$"
    rf"|^\s*[(（\[【]\s*(?P<start>{_DAY})\s*[)）\]】]\s*(?P<rest>.+)$"
    r"|^(?P<before>.*\S)\s+(?P<full>(?:19|20)\d\d-\d{1,2}-\d{1,2})$"
    r"|^\s*(?P<lead>(?:19|20)\d\d-\d{1,2}-\d{1,2})\s+(?P<after>\S.*)$"
)
ELLIPSIS = re.compile(r"\s*(?:\.{2,}|…+|。{3,})\s*$")


#: List bullets that some templates write into the link text: "• 标题", "·标题", "◆ 标题".
BULLET = re.compile(r"^[•·●○◆◇■□▪▫▶►▸★☆◎»›>]+\s*")


def strip_pinned(title: str) -> str:
    """The title without its 置顶 prefix, and without a list bullet written into the text."""
    return PINNED_PREFIX.sub("", BULLET.sub("", title, count=1), count=1)


@lru_cache(maxsize=8192)
def looks_like_date(text: str) -> bool:
    """A short text that is mostly a date: a date cell, not a title that mentions a date.

    Cached: it depends on the text alone, and a list repeats its few dates row after row.
    """
    if len(text) > _MAX_DATE_TEXT or len(_DATE_CHROME.sub("", text)) > 4:
        return False
    # a cell dated 1900-01-01 is a date cell whose date is refused (the row is then undated)
    return dates.parse(text, today=_ANY_DAY) is not None or dates.before_first_year(text)


def split_link_date(text: str) -> tuple[str, str | None]:
    """(title, date) of a link text that holds its row's date: ``标题（2018-12-21）`` → both apart."""
    found = LINK_DATE.match(text)
    if found is None:
        return text, None
    title = found["title"] or found["rest"] or found["before"] or found["after"] or ""
    day = found["end"] or found["start"] or found["full"] or found["lead"]
    return (title.strip(), day) if title.strip() and looks_like_date(day) else (text, None)


def from_selectors(selectors: Selectors) -> Template:
    """A template from a column's configured selectors."""
    return Template(
        item=selectors.item,
        link=(selectors.link or "a",),
        title=(selectors.title,) if selectors.title else (),
        date=(selectors.date,) if selectors.date else (),
    )


def list_rows(
    response: TextResponse,
    *,
    column: Column,
    templates: Sequence[Template],
    container: str = "",
    scope: etree._Element | None = None,
) -> tuple[bool, tuple[Row, ...]]:
    """(found, rows) of the first template yielding rows; a column's selectors replace the templates.

    ``scope`` narrows the search (a family's main list box); ``container`` is the CSS of the list
    structure, which counts as found even with no rows (a blank column).
    """
    where = root(response) if scope is None or column.selectors else scope
    if column.selectors is not None:
        templates = (from_selectors(column.selectors),)
        container = column.selectors.item  # a wrong selector must fail, not read as a blank column
    base = get_base_url(response)
    for template in templates:
        rows = rows_of(select(where, template.item), template, base=base)
        if rows:
            return True, rows
    return bool(container and matches(where, container)), ()


def rows_of(items: Iterable[etree._Element], template: Template, *, base: str) -> tuple[Row, ...]:
    """The rows of the innermost matching items (a layout table's outer row holds the inner ones)."""
    found = list(items)
    outer = {ancestor for item in found for ancestor in item.iterancestors()}
    navs: dict[etree._Element, bool] = {}  # the rows share their ancestors: each is looked at once
    rows = (row_of(item, template, base=base, navs=navs) for item in found if item not in outer)
    return tuple(row for row in rows if row is not None)


def row_of(
    item: etree._Element,
    template: Template,
    *,
    base: str,
    navs: dict[etree._Element, bool] | None = None,
    link: tuple[etree._Element, str, str] | None = None,
) -> Row | None:
    """One row, or None when it has no usable link (a separator, a pager or nav entry).

    ``navs`` remembers which elements are (inside) nav elements, for :func:`is_nav`; ``link`` is
    the row's (anchor, URL, text) when the caller has already picked it.
    """
    picked = link or _link(item, template.link, base=base, navs={} if navs is None else navs)
    if picked is None:
        return None
    anchor, url, label = picked
    pieces = _date_pieces(item, template.date) or _edge_date(anchor, label)
    headings = (text for text in _first_texts(item, template.title) if text not in pieces)
    text, attribute = next(headings, "") or _without(label, pieces), collapse(anchor.get("title", ""))
    day: str | None = " ".join(pieces) or _scan_date(item, title=f"{text} {attribute}")
    if not day:  # the date written into the link text, if any, is the row's: out of its title
        (text, day), attribute = split_link_date(text), split_link_date(attribute)[0]
    title = _best_title(text, attribute)
    stripped = strip_pinned(title)
    if not stripped:
        return None
    return Row(
        url=url,
        title=stripped,
        date_text=day or None,
        pinned=is_pinned(item, title=title),
        is_attachment=is_attachment(url) or "sudyfile-attr" in anchor.attrib,
    )


def _link(
    item: etree._Element, alternatives: Sequence[str], *, base: str, navs: dict[etree._Element, bool]
) -> tuple[etree._Element, str, str] | None:
    """(anchor, canonical URL, anchor text) of the first labelled link that is no pager or nav link."""
    for css in alternatives:
        for anchor in select(item, css):
            url = canonical(anchor.get("href", ""), base=base)
            text = element_text(anchor)
            label = text or anchor.get("title", "").strip()
            if url and label and not is_nav(anchor, label=text, navs=navs):
                return anchor, url, text
    return None


def _date_pieces(item: etree._Element, alternatives: Sequence[str]) -> list[str]:
    """The texts of the first date alternative that reads as a date (split cells together)."""
    for css in alternatives:
        found = [text for node in select(item, css) if (text := element_text(node))]
        if found and looks_like_date(" ".join(found)):
            return found
    return []


def _edge_date(anchor: etree._Element, label: str) -> list[str]:
    """A date cell inside the link, at either end of its texts: ``<a><b>标题</b><i>日期</i></a>``.

    Only at an edge: a date in the middle of the link text is part of the title.
    """
    inner = [text for node in texts(anchor) if (text := collapse(node))]
    if len(inner) < 2:
        return []
    edge = next((text for text in (inner[-1], inner[0]) if looks_like_date(text)), None)
    return [edge] if edge and edge != label else []


def _first_texts(item: etree._Element, alternatives: Sequence[str]) -> list[str]:
    for css in alternatives:
        found = [text for node in select(item, css) if (text := element_text(node))]
        if found:
            return found
    return []


def _without(text: str, pieces: Sequence[str]) -> str:
    # A date cell inside the link (VSB cards: <a><h4>title</h4><p class="date">…</p></a>).
    for piece in pieces:
        text = text.replace(piece, " ")
    return collapse(text)


def _best_title(text: str, attribute: str) -> str:
    """The link text, or ``a@title`` when that is the longer one or fills a text cut with an ellipsis."""
    if len(attribute) > len(text):
        return attribute
    cut = ELLIPSIS.search(text)
    if cut and attribute and attribute.startswith(text[: cut.start()]) and attribute != text:
        return attribute
    return text


def _scan_date(item: etree._Element, *, title: str) -> str:
    found = (collapse(text) for text in texts(item))
    return next((text for text in found if text and text not in title and looks_like_date(text)), "")


def is_nav(anchor: etree._Element, *, label: str, navs: dict[etree._Element, bool] | None = None) -> bool:
    """A pager or navigation link: labelled like one, or inside a nav/pager/menu element.

    ``label`` is the anchor's collapsed text (:func:`element_text`); ``navs`` remembers the
    answer for the ancestors already looked at (rows of one list share most of theirs).
    """
    label = label.lower()
    if label in PAGER_WORDS or label.isdigit():
        return True
    return _in_nav(anchor.getparent(), {} if navs is None else navs)


def _in_nav(element: etree._Element | None, navs: dict[etree._Element, bool]) -> bool:
    """Whether ``element`` or an ancestor is a ``<nav>`` or has a :data:`NAV_CLASS` class."""
    below: list[etree._Element] = []
    found = False
    while element is not None:
        known = navs.get(element)
        if known is not None or element.tag == "nav" or _nav_class(element.get("class")):
            found = known is not False
            break
        below.append(element)
        element = element.getparent()
    navs.update(dict.fromkeys(below, found))
    return found


def _nav_class(names: str | None) -> bool:
    """:data:`NAV_CLASS` on a class attribute, after a cheap test: each of its words holds a hint."""
    if not names or not any(hint in names for hint in _NAV_HINTS):
        return False
    return bool(NAV_CLASS.search(names))


def is_pinned(item: etree._Element, *, title: str) -> bool:
    """置顶: a title prefix, a top/zhiding class, a top icon, or an element reading 置顶."""
    if PINNED_PREFIX.match(title):
        return True
    for el in item.iter(tag=etree.Element):
        if _pinned_class(el.get("class")) or (el.tag == "img" and _pinned_icon(el)):
            return True
        text = el.text
        if text and "置顶" in text and PINNED_PREFIX.fullmatch(text.strip()):  # 置顶: a cheap first test
            return True
    return False


def _pinned_class(names: str | None) -> bool:
    """:data:`PINNED_CLASS` on a class attribute; its words hold "top" or "zhiding", tested first.

    The test is on ASCII text only: ignoring case, the regex also equates a few other letters
    (ı with i), which ``str.lower`` does not.
    """
    if not names or (names.isascii() and "top" not in (lower := names.lower()) and "zhiding" not in lower):
        return False
    return bool(PINNED_CLASS.search(names))


def _pinned_icon(img: etree._Element) -> bool:
    return bool(PINNED_ICON.search(" ".join(img.get(key, "") for key in ("src", "alt", "title"))))
