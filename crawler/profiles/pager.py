"""The next (older) list page of a page whose CMS nobody described: what its pager says.

In order, the first that gives a URL other than the page's own:

1. ``rel=next`` (``<a>`` or ``<link>``), or a link labelled 下一页/下页/后页/next/>, or a button
   so labelled whose ``onclick`` sets ``location``;
2. the numbered link one past the current page, if it leads to another page of this list (same
   path, same folder, or below the page's name): the current page is the pager's number that is
   not a link (``<span class="current">1</span>``), else the number in the page's own URL
   (``list_2.html``, ``column-index-2.shtml``, ``index_1.html`` = page 2, ``?page=3``,
   ``?pageNo=3``), else page 1;
3. TRS WCM's script pager ``createPageHTML(total, current, "index", "html")`` (0-based ``current``):
   page k+1 is ``index_{k+1}.html`` next to the page.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from crawler.profiles.html import element_text, root, select, strings
from crawler.urls import canonical

NEXT_WORDS = frozenset({"下一页", "下页", "下一頁", "后页", "后一页", "next", "nextpage", ">", "›"})
_URL_PAGE = re.compile(
    r"(?:[_-](\d+)\.s?html?$)"  # list_2.html, index_1.html, column-index-2.shtml, list_12_2.html
    r"|(?:[?&](?:page|pageid|curpage|currpage|pageindex|pageno|page_no|pagenum|p|pn)=(\d+))",
    re.IGNORECASE,
)
_STEM = re.compile(r"[A-Za-z]*")
# <input type="button" value="下一页" onclick="location.href='list_2.html'">
ONCLICK_URL = re.compile(r"location(?:\.href)?\s*=\s*['\"]([^'\"]+)['\"]")
TRS_PAGER = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]"
)


def next_page(response: TextResponse) -> str | None:
    """The next list page after ``response``, by the rules in the module docstring."""
    here = canonical(response.url, base=response.url)
    base = get_base_url(response)
    page = root(response)
    for url in (*_labelled(page, base), _numbered(page, base, here), _trs(response, base)):
        if url and url != here:
            return url
    return None


def _labelled(page: etree._Element, base: str) -> list[str | None]:
    hrefs = strings(page, "a[rel~=next]::attr(href), link[rel~=next]::attr(href)")
    hrefs += [a.get("href", "") for a in select(page, "a[href]") if is_next_label(element_text(a))]
    hrefs += [
        found[1]
        for node in select(page, "[onclick]")
        if is_next_label(element_text(node) or node.get("value", "").strip())
        and (found := ONCLICK_URL.search(node.get("onclick", "")))
    ]
    return [canonical(href, base=base) for href in hrefs]


def is_next_label(label: str) -> bool:
    """A link label that means "the next page": 下一页, 下页, 后页, next, > (brackets ignored)."""
    return label in NEXT_WORDS or label.strip("<>»«[]【】 ").replace(" ", "").lower() in NEXT_WORDS


def _numbered(page: etree._Element, base: str, here: str | None) -> str | None:
    """The link labelled with the current page's number plus one, within the numbered links' box."""
    numbered = [a for a in page.iter("a") if a.get("href") and _number(a) is not None]
    if not numbered:
        return None
    box = _box(numbered[-1])  # pagers sit below the list; a calendar in a sidebar comes first
    links: dict[int, str] = {}
    current = None
    for node in box.iter(tag=etree.Element):
        number = _number(node)
        if number is None:
            continue
        url = canonical(node.get("href", ""), base=base) if node.tag == "a" else None
        if url and url != here and _beside(url, here or ""):
            links.setdefault(number, url)
        elif current is None and not any(a.get("href") for a in node.iter("a")):
            current = number  # the number that is no link: the page shown
    return links.get((current or _url_page(here or "")) + 1)


def _beside(url: str, here: str) -> bool:
    """Whether ``url`` can be another page of the list at ``here``: on its host, and the same path,
    a file of the same name stem in the same folder (``index_1.html`` beside ``index.html``), any
    file beside a folder's own page (``/tzgg/`` → ``/tzgg/list_12_2.html``), or one below the page's
    name (``tzgg.htm`` → ``tzgg/25.htm``). A calendar's or a counter's numbered links lead elsewhere.
    """
    one, two = urlsplit(url), urlsplit(here)
    if one.netloc != two.netloc:
        return False
    if one.path == two.path or one.path.startswith(two.path.rsplit(".", 1)[0] + "/"):
        return True
    (folder, name), (home, page) = one.path.rsplit("/", 1), two.path.rsplit("/", 1)
    return folder == home and (not page or _stem(name) == _stem(page))


def _stem(name: str) -> str:
    """The letters a file name starts with: ``index`` of ``index_1.html``, ``list`` of ``list3.htm``."""
    found = _STEM.match(name)
    return found[0] if found else ""


def _number(node: etree._Element) -> int | None:
    label = element_text(node) if len(node) <= 1 else ""
    return int(label) if label.isdecimal() and len(label) <= 4 else None


def _box(anchor: etree._Element) -> etree._Element:
    """The pager around a numbered link: two levels up (``div > li > a``, ``div > span > a``)."""
    parent = anchor.getparent()
    if parent is None:
        return anchor
    grand = parent.getparent()
    return grand if grand is not None and parent.tag in ("li", "span", "td", "font", "b") else parent


def _url_page(url: str) -> int:
    """The page number a list URL carries: ``list_2.html`` → 2, ``index_1.html`` → 2, ``?page=3`` → 3."""
    found = _URL_PAGE.search(url)
    if found is None:
        return 1
    if found[1] is not None:
        number = int(found[1])
        return number + 1 if "/index_" in url else number
    return int(found[2])


def _trs(response: TextResponse, base: str) -> str | None:
    found = TRS_PAGER.search(response.text)
    if found is None:
        return None
    total, current, name, ext = int(found[1]), int(found[2]), found[3], found[4]
    if current + 1 >= total:
        return None
    return canonical(urljoin(base, f"{name}_{current + 1}.{ext}"), base=base)
