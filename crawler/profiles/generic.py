"""The generic profile, and the row reading every HTML profile shares.

A family describes its list layouts as :class:`Template` data; :func:`list_rows` reads the rows
of the first template that yields any. A column's ``selectors`` become a template of their own.

Without a template (cms ``auto`` on an unknown CMS) :func:`find_block` looks for the repeated block
of links with dates: the element with the most children that each hold a link and a date-looking
text. The next page is then the link labelled 下一页/下页/后页/next/> or marked ``rel=next``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree
from parsel import Selector, SelectorList
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
_MAX_DATE_TEXT = 32  # a date cell is short; longer texts are titles or sentences
# What a date cell may hold besides its date: digits, separators, brackets, labels, relative words.
_DATE_CHROME = re.compile(
    r"[\d\s\-/.:：,，\[\]【】()（）年月日号]|发布|更新|时间|日期|刚刚|今天|昨天|前天|天前|小时前|分钟前|周前"
)
_ANY_DAY = dt.date.max  # looks_like_date asks about the shape only, not whether the date is past


def collapse(text: str) -> str:
    return " ".join(text.split())


def text_of(sel: Selector) -> str:
    return collapse(" ".join(sel.xpath(".//text()").getall()))


def strip_pinned(title: str) -> str:
    return PINNED_PREFIX.sub("", title, count=1)


def looks_like_date(text: str) -> bool:
    """A short text that is mostly a date: a date cell, not a title that mentions a date."""
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
    scope: Selector | None = None,
) -> tuple[bool, tuple[Row, ...]]:
    """(found, rows) of the first template yielding rows; a column's selectors replace the templates.

    ``scope`` narrows the search (a family's main list box); ``container`` is the CSS of the list
    structure, which counts as found even with no rows (a blank column).
    """
    where: Selector = response.selector if scope is None or column.selectors else scope
    if column.selectors is not None:
        templates = (from_selectors(column.selectors),)
        container = column.selectors.item  # a wrong selector must fail, not read as a blank column
    base = get_base_url(response)
    for template in templates:
        rows = rows_of(where.css(template.item), template, base=base)
        if rows:
            return True, rows
    return bool(container and where.css(container)), ()


def rows_of(items: Iterable[Selector], template: Template, *, base: str) -> tuple[Row, ...]:
    """The rows of the innermost matching items (a layout table's outer row holds the inner ones)."""
    matches = list(items)
    outer = {ancestor for item in matches for ancestor in item.root.iterancestors()}
    rows = (row_of(item, template, base=base) for item in matches if item.root not in outer)
    return tuple(row for row in rows if row is not None)


def row_of(item: Selector, template: Template, *, base: str) -> Row | None:
    """One row, or None when it has no usable link (a separator, a pager or nav entry)."""
    picked = _link(item, template.link, base=base)
    if picked is None:
        return None
    anchor, url = picked
    pieces = _date_pieces(item, template.date)
    headings = (text for text in _first_texts(item, template.title) if text not in pieces)
    title = _best_title(
        next(headings, "") or _without(text_of(anchor), pieces), anchor.attrib.get("title", "")
    )
    if not strip_pinned(title):
        return None
    return Row(
        url=url,
        title=strip_pinned(title),
        date_text=" ".join(pieces) or _scan_date(item, title=title) or None,
        pinned=is_pinned(item, title=title),
        is_attachment=is_attachment(url) or "sudyfile-attr" in anchor.attrib,
    )


def _link(item: Selector, alternatives: Sequence[str], *, base: str) -> tuple[Selector, str] | None:
    for css in alternatives:
        for anchor in item.css(css):
            url = canonical(anchor.attrib.get("href", ""), base=base)
            label = text_of(anchor) or anchor.attrib.get("title", "").strip()
            if url and label and not is_nav(anchor):
                return anchor, url
    return None


def _date_pieces(item: Selector, alternatives: Sequence[str]) -> list[str]:
    """The texts of the first date alternative that reads as a date (split cells together)."""
    for css in alternatives:
        texts = [text for sel in item.css(css) if (text := text_of(sel))]
        if texts and looks_like_date(" ".join(texts)):
            return texts
    return []


def _first_texts(item: Selector, alternatives: Sequence[str]) -> list[str]:
    for css in alternatives:
        texts = [text for sel in item.css(css) if (text := text_of(sel))]
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


def _scan_date(item: Selector, *, title: str) -> str:
    texts = (collapse(text) for text in item.xpath(".//text()").getall())
    return next((text for text in texts if text and text not in title and looks_like_date(text)), "")


def is_nav(anchor: Selector) -> bool:
    """A pager or navigation link: labelled like one, or inside a nav/pager/menu element."""
    label = text_of(anchor).lower()
    if label in PAGER_WORDS or label.isdigit():
        return True
    return any(el.tag == "nav" or NAV_CLASS.search(el.get("class", "")) for el in anchor.root.iterancestors())


def is_pinned(item: Selector, *, title: str) -> bool:
    """置顶: a title prefix, a top/zhiding class, a top icon, or an element reading 置顶."""
    if PINNED_PREFIX.match(title):
        return True
    for el in item.root.iter(tag=etree.Element):
        icon = " ".join(el.get(key, "") for key in ("src", "alt", "title")) if el.tag == "img" else ""
        if PINNED_CLASS.search(el.get("class", "")) or PINNED_ICON.search(icon):
            return True
        if PINNED_PREFIX.fullmatch((el.text or "").strip()):
            return True
    return False


def find_block(response: TextResponse) -> SelectorList[Selector]:
    """The children of the element with most children holding both a link and a date-looking text."""
    children: dict[etree._Element, set[etree._Element]] = {}
    for text in response.selector.root.xpath("//body//text()[not(ancestor::script or ancestor::style)]"):
        if looks_like_date(collapse(text)):
            element = text.getparent().getparent() if text.is_tail else text.getparent()
            for child, parent in zip(
                [element, *element.iterancestors()], element.iterancestors(), strict=False
            ):
                children.setdefault(parent, set()).add(child)
    counts = {parent: sum(bool(c.xpath(".//a[@href]")) for c in kids) for parent, kids in children.items()}
    best = max(counts, key=counts.__getitem__, default=None)
    if best is None or counts[best] < 2:
        return SelectorList()
    return response.xpath(best.getroottree().getpath(best) + "/*")


def next_by_text(response: TextResponse) -> str | None:
    """The next page by ``rel=next`` or by the link's label (下一页, 下页, 后页, next, >)."""
    base = get_base_url(response)
    hrefs = response.css("a[rel~=next]::attr(href), link[rel~=next]::attr(href)").getall()
    hrefs += [a.attrib.get("href", "") for a in response.css("a[href]") if _is_next(text_of(a))]
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
