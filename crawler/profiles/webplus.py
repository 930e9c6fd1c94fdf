"""Sudy WebPlus (苏迪 网站群): list templates, the ``list{k}.htm`` pager, fingerprints.

One CMS, several list templates (campus-cms.md §1): ``news_list`` rows with ``span.news_title`` and
``span.news_meta``; split date cells ``news_days`` + ``news_year`` (class names swapped on some
sites, which does not matter: the cells are joined in page order); ``wp_article_list`` with
``Article_Title``/``Article_PublishDate``; a table layout; bracketed ``span.fbll`` dates; and any
``li`` inside the ``#wp_news_w{N}`` window. When the pager ``#wp_paging_w{N}`` is there, only the
window with the same N is read, so sidebars of other windows stay out.

Pages count up: page 1 is ``/{col}/list.htm``, page k is ``/{col}/list{k}.htm``; ``em.all_pages``
gives the total, so ``page_urls`` lists them all, up to ``MAX_PAGES_LIMIT`` (the most pages a
column may be walked through): a pager claiming 10⁷ pages costs no more than one claiming 10⁴.
"""

from __future__ import annotations

import re

from lxml import etree
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from crawler.profiles import ListPage, register
from crawler.profiles.html import first, matches, root, select, strings
from crawler.profiles.rows import Template, list_rows
from crawler.urls import canonical
from monitor.config import MAX_PAGES_LIMIT, Column

DATES = (
    ".news_meta",
    ".news_days, .news_year",
    "span.fbll",
    ".news-time2, .news-time, .news_time, .news_date",
    ".date, .time",
)
TEMPLATES = (
    Template(item="ul.wp_article_list > li", link=(".Article_Title a", "a"), date=(".Article_PublishDate",)),
    Template(item="li.news, ul.news_list > li", link=(".news_title a", "a"), date=DATES),
    Template(
        item="table.wp_article_list_table tr, [id^=wp_news_w] tr",
        date=(".date", "div[style*=nowrap]", "td ~ td:last-child"),
    ),
    Template(item="[id^=wp_news_w] li", date=DATES),
)
#: The list structure, even with no rows in it (a blank column).
CONTAINER = "[id^=wp_news_w], ul.news_list, ul.wp_article_list, table.wp_article_list_table"
PAGER = "[id^=wp_paging_w], .wp_paging"
FINGERPRINTS = "[id^=wp_news_w], [id^=wp_paging_w], .wp_paging, [sudy-wp-context], [frag], .wp_articlecontent"
ARTICLE_LINK = re.compile(r"/[0-9a-f/]+/c\d+a\d+/page\.(?:htm|psp)")
LIST_PAGE = re.compile(r"^(.*/list)\d*(\.(?:htm|html|psp))$")


@register
class WebPlus:
    name = "webplus"
    auto_rank: int | None = 1
    html = True

    def detect(self, response: TextResponse) -> bool:
        page = root(response)
        if matches(page, FINGERPRINTS):
            return True
        # Root-relative article links only: other sites link to WebPlus articles too.
        return any(ARTICLE_LINK.match(href) for href in strings(page, "a::attr(href)"))

    def parse_list(self, response: TextResponse, *, column: Column) -> ListPage:
        page = root(response)
        pager = select(page, PAGER)[:1]
        found, rows = list_rows(
            response, column=column, templates=TEMPLATES, container=CONTAINER, scope=_window(page)
        )
        base = get_base_url(response)
        next_url = canonical(_first(pager, "a.next::attr(href)") or "", base=base)
        return ListPage(found=found, rows=rows, next_url=next_url, page_urls=_page_urls(pager, base=base))


def _window(page: etree._Element) -> etree._Element | None:
    """The ``#wp_news_w{N}`` window that the ``#wp_paging_w{N}`` pager pages through."""
    number = first(page, "[id^=wp_paging_w]::attr(id)").removeprefix("wp_paging_w")
    window = select(page, f"#wp_news_w{number}") if number.isdigit() else []
    return window[0] if window else None


def _page_urls(pager: list[etree._Element], *, base: str) -> tuple[str, ...]:
    """Every list page but the current one, when the pager states the total (at most
    ``MAX_PAGES_LIMIT`` of them: the claim is the site's, the bound ours)."""
    total, current = (_number(_first(pager, f"em.{name}::text")) for name in ("all_pages", "curr_page"))
    hrefs = [*(href for el in pager for href in strings(el, "a.next::attr(href), a.last::attr(href)")), base]
    links = (canonical(href, base=base) or "" for href in hrefs)
    pattern = next((found for link in links if (found := LIST_PAGE.match(link))), None)
    if not total or pattern is None:
        return ()
    prefix, suffix = pattern.groups()
    pages = (
        f"{prefix}{k if k > 1 else ''}{suffix}"
        for k in range(1, min(total, MAX_PAGES_LIMIT) + 1)
        if k != (current or 1)
    )
    return tuple(pages)


def _first(pager: list[etree._Element], css: str) -> str | None:
    """``SelectorList.css(css).get()`` over the pager (at most one element)."""
    return next((found for el in pager for found in strings(el, css)), None)


def _number(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdecimal() else None
