"""The generic profile: the main list of a page whose CMS nobody described, dated or not.

Without a column's ``selectors``, :func:`find_rows` looks for the page's main repeated block of
item links. Every element that holds two or more children with a link is a candidate; each
child is a row, read through its longest-labelled link. A candidate scores

    Σ title weight × share of the commonest link shape × (1 + 3 × share of dated rows) × paged

- *title weight*: item titles are sentences, menu entries are words: a link label of 3
  characters or fewer weighs 0, one of 10 or more weighs 1;
- *link shape*: the URL with its digits folded (``info/1116/7063.htm`` → ``info/0/0.htm``). The
  items of one list share a shape; a menu's links do not;
- *dated*: a row with a date-looking text, in its cells, inside its link (``标题（2018-12-21）``)
  or right after it (``<a>…</a> 2018-12-21<br>``, ``<dt><a>…</a></dt><dd>2018-12-21</dd>``);
- *paged*: 1.5 when the pager's links (下一页, page numbers) sit in the block or beside it: the
  list the pager pages through, rather than a sidebar's list of as many titles.

Candidates inside navigation, header, footer, sidebar, breadcrumb or link-list boxes
(:data:`OUTSIDE`, or headed 友情链接/相关链接/相关文章/推荐阅读 …) are left out. A block with
dated rows must have two; a title-only block must have three rows, most sharing one shape with
an id in it (digits), and titles rather than words. Blocks beside the winner with the same tag,
class and link shape (a list cut into several ``<ul>``) are read with it, in page order.

The next page is :func:`crawler.profiles.pager.next_page`.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from crawler.profiles import ListPage, Row, register
from crawler.profiles.html import collapse, element_text, root
from crawler.profiles.pager import is_next_label, next_page
from crawler.profiles.rows import (
    PAGER_WORDS,
    Template,
    is_nav,
    list_rows,
    looks_like_date,
    row_of,
    split_link_date,
)
from crawler.urls import NOT_PAGES, canonical
from monitor.config import Column

#: Class or id words (split at - and _) of boxes that hold no item list of the page's own ...
OUTSIDE = re.compile(
    r"(?:nav[a-z]*|[a-z]*menu[a-z]*|footer|foot|bottom|header|topbar|breadcrumbs?|crumbs?|position|"
    r"location|friend[a-z]*|flink|links?|yqlj|youqing|sidebar|side[a-z]*|copyright|banner)\d*",
    re.IGNORECASE,
)
#: ... unless the word names the content it holds (``div_submenu_content``, ``side-list``).
INSIDE = re.compile(r"content|main|list|article|news|notice|con\d*$", re.IGNORECASE)
OUTSIDE_TAGS = frozenset({"nav", "header", "footer", "aside", "select"})
#: Headings of boxes beside the list: other sites, and an article's reading tips. Not 热点新闻
#: and the like: those are also the names of columns, whose own list box they head.
LINK_LIST_HEADING = re.compile(
    r"友情链接|相关链接|常用链接|快速链接|网站链接|链接导航|相关(?:文章|新闻|阅读|推荐)|推荐阅读|阅读排行|点击排行"
)
_DIGITS = re.compile(r"\d+")
_CHROME = "<>»«[]【】()（） :："
PAGED = 1.5  # the list a pager pages through wins over a sidebar list of as many titles
FOUND_ROW = Template(item="*")  # rows of a found block: the picked link, the first date-looking text


@dataclass(frozen=True)
class _Link:
    anchor: etree._Element
    href: str  # as written: canonical URLs are made for the rows of the chosen block only
    text: str  # the anchor's text (the row's title, unless a@title is longer)
    weight: float
    shape: str
    dated: bool  # a date in the link text, or right after a bare link


@dataclass
class _Block:
    parent: etree._Element
    rows: dict[etree._Element, _Link]  # child → its longest-labelled link, in page order
    score: float = 0.0
    shape: str = ""


@dataclass
class _Page:
    """What the scoring knows of the whole page."""

    dated: set[etree._Element]  # elements holding a date-looking text
    pager: set[etree._Element]  # ancestors of the pager's links (下一页, page numbers)
    outside: dict[etree._Element, bool] = field(default_factory=dict)  # memo of _outside


def find_rows(response: TextResponse) -> tuple[Row, ...]:
    """The rows of the page's main list (module docstring), or () when it has none."""
    page = root(response)
    body = next(page.iter("body"), page)
    base = get_base_url(response)
    pagers: list[etree._Element] = []
    blocks = _blocks(_links(body, pagers=pagers), body=body)
    context = _Page(dated=_dated(body), pager={up for a in pagers for up in a.iterancestors()})
    for block in blocks:
        _score(block, context)
    accepted = [block for block in blocks if block.score > 0]
    if not accepted:
        return ()
    best = max(accepted, key=lambda block: block.score)
    navs: dict[etree._Element, bool] = {}
    rows = (
        _row(child, link, base=base, navs=navs)
        for block in _with_siblings(best, accepted)
        for child, link in block.rows.items()
    )
    return tuple(row for row in rows if row is not None)


def _links(body: etree._Element, *, pagers: list[etree._Element]) -> Iterable[_Link]:
    """The page's item-like links; the pager's links go to ``pagers``."""
    navs: dict[etree._Element, bool] = {}
    for anchor in body.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(NOT_PAGES):
            continue
        text = element_text(anchor)
        label = text or collapse(anchor.get("title", ""))
        if label and _is_chrome(label):
            if label.isdigit() or is_next_label(label):
                pagers.append(anchor)
            continue
        if not label or is_nav(anchor, label=text, navs=navs):
            continue
        title, day = split_link_date(label)
        yield _Link(
            anchor,
            href,
            text,
            _weight(title),
            _DIGITS.sub("0", href),
            bool(day) or _after(anchor) is not None,
        )


def _is_chrome(label: str) -> bool:
    word = label.strip(_CHROME).lower()
    return not word or word in PAGER_WORDS or word.isdigit() or label.lower() in PAGER_WORDS


def _weight(title: str) -> float:
    return min(1.0, max(0.0, (len(title) - 3) / 7))


def _blocks(links: Iterable[_Link], *, body: etree._Element) -> list[_Block]:
    """Every element with two or more children holding a link; each child keeps its longest link."""
    blocks: dict[etree._Element, _Block] = {}
    for link in links:
        child = link.anchor
        for parent in link.anchor.iterancestors():
            block = blocks.get(parent) or blocks.setdefault(parent, _Block(parent, {}))
            known = block.rows.get(child)
            if known is None or len(link.text) > len(known.text):
                block.rows[child] = link
            if parent is body:
                break
            child = parent
    return [block for block in blocks.values() if len(block.rows) >= 2]


def _dated(body: etree._Element) -> set[etree._Element]:
    """The elements that hold a date-looking text."""
    found: set[etree._Element] = set()
    for text in body.xpath(".//text()[not(ancestor::script or ancestor::style)]"):
        if not looks_like_date(collapse(text)):
            continue
        element = text.getparent().getparent() if text.is_tail else text.getparent()
        while element is not None and element not in found:
            found.add(element)
            element = element.getparent()
    return found


def _score(block: _Block, page: _Page) -> None:
    """The block's score (module docstring); 0 when it is no list or lies outside the content."""
    links = list(block.rows.values())
    n = len(links)
    shape, count = Counter(link.shape for link in links).most_common(1)[0]
    weight = sum(link.weight for link in links)
    with_date = sum(
        link.dated or child in page.dated or _after(child) is not None for child, link in block.rows.items()
    )
    block.shape = shape
    dated_list = with_date >= 2 and with_date * 2 >= n
    title_list = n >= 3 and count / n >= 0.6 and "0" in shape and weight / n >= 0.5
    if (dated_list or title_list) and not _outside(block.parent, page.outside):
        block.score = weight * (count / n) * (1 + 3 * with_date / n) * (PAGED if _paged(block, page) else 1)


def _paged(block: _Block, page: _Page) -> bool:
    """Whether the pager sits in the block or right beside it (in its parent's parent)."""
    above = block.parent.getparent()
    return block.parent in page.pager or (above is not None and above in page.pager)


def _outside(element: etree._Element, known: dict[etree._Element, bool]) -> bool:
    """Whether ``element`` lies in a navigation, header, footer, sidebar or link-list box.

    ``known`` remembers the answer for the elements already looked at (blocks share ancestors).
    """
    path: list[etree._Element] = []
    found = False
    for node in (element, *element.iterancestors()):
        if node in known:
            found = known[node]
            break
        path.append(node)
        if _outside_box(node):
            found = True
            break
    known.update(dict.fromkeys(path, found))
    return found


def _outside_box(node: etree._Element) -> bool:
    if node.tag in OUTSIDE_TAGS:
        return True
    words = f"{node.get('class', '')} {node.get('id', '')}".split()
    if any(_outside_word(word) for word in words):
        return True
    heading = next(node.itersiblings(tag=etree.Element, preceding=True), None)
    if heading is None or len(heading) > 3:
        return False
    label = element_text(heading)
    return len(label) < 20 and bool(LINK_LIST_HEADING.search(label))


def _outside_word(word: str) -> bool:
    if INSIDE.search(word):
        return False
    return any(OUTSIDE.fullmatch(part) for part in re.split(r"[-_]", word))


def _with_siblings(best: _Block, blocks: list[_Block]) -> list[_Block]:
    """The best block and its look-alike siblings (same tag, class and link shape), in page order."""
    parent = best.parent.getparent()
    if parent is None:
        return [best]
    alike = {
        block.parent: block
        for block in blocks
        if block.parent.getparent() is parent
        and block.parent.tag == best.parent.tag
        and block.parent.get("class") == best.parent.get("class")
        and block.shape == best.shape
    }
    return [alike[child] for child in parent if child in alike]


def _row(child: etree._Element, link: _Link, *, base: str, navs: dict[etree._Element, bool]) -> Row | None:
    url = canonical(link.href, base=base)
    if url is None:
        return None
    row = row_of(child, FOUND_ROW, base=base, navs=navs, link=(link.anchor, url, link.text))
    if row is None or row.date_text is not None:
        return row
    return dataclasses.replace(row, date_text=_after(child))


def _after(element: etree._Element) -> str | None:
    """The date right after a row's element: its tail text, or the next element when that holds no
    link (``<a>…</a> 2018-12-21<br>``, ``<dt><a>…</a></dt><dd>2018-12-21</dd>``)."""
    tail = collapse(element.tail or "")
    if tail:
        return tail if looks_like_date(tail) else None
    following = next(element.itersiblings(tag=etree.Element), None)
    if following is None or len(following) > 3 or next(following.iter("a"), None) is not None:
        return None  # a date cell is small and holds no link
    text = element_text(following)
    return text if looks_like_date(text) else None


@register
class Generic:
    """Any other page: the configured selectors, or the page's main list (module docstring)."""

    name = "generic"
    auto_rank: int | None = None  # never recognised: the profile every HTML page falls through to
    html = True

    def detect(self, response: TextResponse) -> bool:
        return bool(find_rows(response))

    def parse_list(self, response: TextResponse, *, column: Column) -> ListPage:
        if column.selectors is not None:
            found, rows = list_rows(response, column=column, templates=())
        else:
            rows = find_rows(response)
            found = bool(rows)
        return ListPage(found=found, rows=rows, next_url=next_page(response))
