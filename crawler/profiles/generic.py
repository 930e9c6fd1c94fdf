"""The generic profile, and the row reading every HTML profile shares.

A family describes its list layouts as :class:`Template` data; :func:`list_rows` reads the rows
of the first template that yields any. A column's ``selectors`` become a template of their own.

Rows are read on the page's lxml tree (``response.selector.root``), not through parsel
Selectors: each CSS is translated once, by parsel's own translator, into a compiled XPath
(:func:`compile_css`), so an element matches exactly what ``Selector.css`` would match, and its
texts are what ``.xpath(".//text()")`` gives, without a Selector object per match.

Without a template (cms ``auto`` on an unknown CMS) :func:`find_block` looks for the repeated block
of links with dates: the element with the most children that each hold a link and a date-looking
text. The next page is then the link labelled 下一页/下页/后页/next/> or marked ``rel=next``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from crawler import dates
from crawler.profiles import ListPage, Row
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
NEXT_WORDS = frozenset({"下一页", "下页", "下一頁", "后页", "后一页", "next", "nextpage", ">", "›"})
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


_CSS = HTMLTranslator()
_TAG = re.compile(r"[a-z][a-z0-9]*")
_TEXTS = etree.XPath(".//text()", smart_strings=False)


def collapse(text: str) -> str:
    return " ".join(text.split())


def text_of(sel: Selector) -> str:
    return collapse(" ".join(sel.xpath(".//text()").getall()))


@lru_cache(maxsize=1024)
def compile_css(css: str) -> Callable[[etree._Element], list[Any]]:
    """``css`` as a compiled XPath, translated as ``Selector.css`` does (``descendant-or-self::…``).

    Called on an element, it returns that element's matches in document order, the element itself
    included when it matches; as in parsel, strings stay plain (no "smart" strings). A bare tag
    name (``a``, ``li``) becomes ``element.iter(tag)``: the same matches without an XPath context.
    The process is single-threaded (Scrapy's reactor), so the compiled XPaths are shared.
    """
    if _TAG.fullmatch(css):
        return lambda element: list(element.iter(css))
    xpath: Callable[[etree._Element], list[Any]] = etree.XPath(_CSS.css_to_xpath(css), smart_strings=False)
    return xpath


def select(element: etree._Element, css: str) -> list[etree._Element]:
    """The matches of ``css`` within ``element``: ``Selector.css`` on lxml, without Selectors.

    Only a configured selector can end in ``::text`` or ``::attr()``; its matches are strings,
    which :func:`element_text` reads as empty, as parsel's ``.xpath(".//text()")`` did.
    """
    return compile_css(css)(element)


@lru_cache(maxsize=1024)
def _exists(css: str) -> Callable[[etree._Element], bool]:
    exists: Callable[[etree._Element], bool] = etree.XPath(f"boolean({_CSS.css_to_xpath(css)})")
    return exists


def matches(element: etree._Element, css: str) -> bool:
    """``bool(select(element, css))``, without building a Python object per match."""
    return _exists(css)(element)


def strings(element: etree._Element, css: str) -> list[str]:
    """The strings a ``::text`` / ``::attr()`` selector picks: ``Selector.css(css).getall()``."""
    return compile_css(css)(element)


def first(element: etree._Element, css: str, default: str = "") -> str:
    """The first string a ``::text`` / ``::attr()`` selector picks: ``Selector.css(css).get(default)``."""
    found = strings(element, css)
    return found[0] if found else default


def root(response: TextResponse) -> etree._Element:
    """The page's lxml tree, the one ``response.css`` runs on."""
    tree: etree._Element = response.selector.root
    return tree


def element_text(node: etree._Element | str) -> str:
    """:func:`text_of` of a node; a string match (``::text``, ``::attr()``) has none, as in parsel."""
    return "" if isinstance(node, str) else collapse(" ".join(_TEXTS(node)))


def strip_pinned(title: str) -> str:
    return PINNED_PREFIX.sub("", title, count=1)


@lru_cache(maxsize=8192)
def looks_like_date(text: str) -> bool:
    """A short text that is mostly a date: a date cell, not a title that mentions a date.

    Cached: it depends on the text alone, and a list repeats its few dates row after row.
    """
    if len(text) > _MAX_DATE_TEXT or len(_DATE_CHROME.sub("", text)) > 4:
        return False
    return dates.parse(text, today=_ANY_DAY) is not None


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
    item: etree._Element, template: Template, *, base: str, navs: dict[etree._Element, bool] | None = None
) -> Row | None:
    """One row, or None when it has no usable link (a separator, a pager or nav entry).

    ``navs`` remembers which elements are (inside) nav elements, for :func:`is_nav`.
    """
    picked = _link(item, template.link, base=base, navs={} if navs is None else navs)
    if picked is None:
        return None
    anchor, url, label = picked
    pieces = _date_pieces(item, template.date)
    headings = (text for text in _first_texts(item, template.title) if text not in pieces)
    title = _best_title(next(headings, "") or _without(label, pieces), anchor.get("title", ""))
    stripped = strip_pinned(title)
    if not stripped:
        return None
    return Row(
        url=url,
        title=stripped,
        date_text=" ".join(pieces) or _scan_date(item, title=title) or None,
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
        texts = [text for node in select(item, css) if (text := element_text(node))]
        if texts and looks_like_date(" ".join(texts)):
            return texts
    return []


def _first_texts(item: etree._Element, alternatives: Sequence[str]) -> list[str]:
    for css in alternatives:
        texts = [text for node in select(item, css) if (text := element_text(node))]
        if texts:
            return texts
    return []


def _without(text: str, pieces: Sequence[str]) -> str:
    # A date cell inside the link (VSB cards: <a><h4>title</h4><p class="date">…</p></a>).
    for piece in pieces:
        text = text.replace(piece, " ")
    return collapse(text)


def _best_title(text: str, attribute: str) -> str:
    attribute = collapse(attribute)
    return attribute if len(attribute) > len(text) else text


def _scan_date(item: etree._Element, *, title: str) -> str:
    texts = (collapse(text) for text in _TEXTS(item))
    return next((text for text in texts if text and text not in title and looks_like_date(text)), "")


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


def find_block(response: TextResponse) -> list[etree._Element]:
    """The children of the element with most children holding both a link and a date-looking text."""
    children: dict[etree._Element, set[etree._Element]] = {}
    for text in root(response).xpath("//body//text()[not(ancestor::script or ancestor::style)]"):
        if looks_like_date(collapse(text)):
            element = text.getparent().getparent() if text.is_tail else text.getparent()
            for child, parent in zip(
                [element, *element.iterancestors()], element.iterancestors(), strict=False
            ):
                children.setdefault(parent, set()).add(child)
    counts = {parent: sum(bool(c.xpath(".//a[@href]")) for c in kids) for parent, kids in children.items()}
    best = max(counts, key=counts.__getitem__, default=None)
    if best is None or counts[best] < 2:
        return []
    found: list[etree._Element] = best.xpath("*")
    return found


def next_by_text(response: TextResponse) -> str | None:
    """The next page by ``rel=next`` or by the link's label (下一页, 下页, 后页, next, >)."""
    base = get_base_url(response)
    page = root(response)
    hrefs = strings(page, "a[rel~=next]::attr(href), link[rel~=next]::attr(href)")
    hrefs += [a.get("href", "") for a in select(page, "a[href]") if _is_next(element_text(a))]
    here = canonical(response.url, base=response.url)
    urls = (canonical(href, base=base) for href in hrefs)
    return next((url for url in urls if url and url != here), None)


def _is_next(label: str) -> bool:
    return label in NEXT_WORDS or label.strip("<>»«[]【】 ").replace(" ", "").lower() in NEXT_WORDS


#: Rows of a found block: the first labelled link, the first date-looking text.
FOUND_ROW = Template(item="*")


class Generic:
    """Any other page: the configured selectors, or the repeated block of links with dates."""

    name = "generic"

    def detect(self, response: TextResponse) -> bool:
        return bool(find_block(response))

    def parse_list(self, response: TextResponse, *, column: Column) -> ListPage:
        if column.selectors is not None:
            found, rows = list_rows(response, column=column, templates=())
        else:
            rows = rows_of(find_block(response), FOUND_ROW, base=get_base_url(response))
            found = bool(rows)
        return ListPage(found=found, rows=rows, next_url=next_by_text(response))
