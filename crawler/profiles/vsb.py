"""VSB / 博达站群: list templates, the count-down pager, fingerprints.

Rows are ``li[id^=line_u{N}_{i}]`` (or template variants such as due.hitsz's
``ul.list-main-modular li`` with a ``label`` date), links are relative (``../info/1039/3201.htm``),
dates sit in a ``<span>`` with a leading space or in ``p.date``/``label``/``span.date``/``em``.

Pages count **down** (campus-cms.md §2): page 1 is ``{alias}.htm``, page k is
``{alias}/{total-k+1}.htm``, so ``{alias}/1.htm`` always holds the oldest items. The total comes
from ``span.p_t`` ("1/11") or, failing that, from any numbered link (page k in file f: total =
f + k - 1); then ``page_urls`` lists every page, up to ``MAX_PAGES_LIMIT`` (the most pages a
column may be walked through): a pager claiming 10⁷ pages costs no more than one claiming 10⁴.
"""

from __future__ import annotations

import re

from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from crawler.profiles import ListPage, register
from crawler.profiles.html import element_text, first, matches, root, select, strings
from crawler.profiles.rows import Template, list_rows
from crawler.urls import canonical
from monitor.config import MAX_PAGES_LIMIT, Column

TITLES = ("h4", "h3", "h5", ".tit", ".title", "em")
DATES = ("p.date", "span.date", ".date", "label", ".time", "time", "li > span", "em")
TEMPLATES = (
    Template(item="li[id^=line_u], ul.list-main-modular > li", title=TITLES, date=DATES),
    Template(item="[id^=line_u]", title=TITLES, date=DATES),
)
CONTAINER = "ul.list-main-modular, .pb_sys_common"
# The pager is read on the whole page: old templates keep its links beside the "1/14" cell (td#fanye…).
NEXT = ("span.p_next a::attr(href)", "a.Next::attr(href)")
NUMBERED = ".pb_sys_common a, a.Next, a.Last"
FINGERPRINTS = (
    ".pb_sys_common, [id^=line_u], [id^=section_u], form[name=_newscontent_fromname], "
    "script[src*='/system/resource/'], a[href*='/system/_content/download.jsp']"
)
POSITION = re.compile(r"(\d+)\s*/\s*(\d+)")
PAGE_FILE = re.compile(r"^(.*)/(\d+)\.htm$")


@register
class Vsb:
    name = "vsb"
    auto_rank: int | None = 2
    html = True

    def detect(self, response: TextResponse) -> bool:
        return matches(root(response), FINGERPRINTS) or "_showDynClick" in response.text

    def parse_list(self, response: TextResponse, *, column: Column) -> ListPage:
        found, rows = list_rows(response, column=column, templates=TEMPLATES, container=CONTAINER)
        base = get_base_url(response)
        hrefs = (first(root(response), css) for css in NEXT)
        next_url = next((url for href in hrefs if (url := canonical(href, base=base))), None)
        return ListPage(found=found, rows=rows, next_url=next_url, page_urls=_page_urls(response, base=base))


def _page_urls(response: TextResponse, *, base: str) -> tuple[str, ...]:
    """Every list page but the current one: page 1 is ``{alias}.htm``, page k ``{alias}/{total-k+1}.htm``."""
    links = [
        (element_text(a), canonical(a.get("href", ""), base=base) or "")
        for a in select(root(response), NUMBERED)
    ]
    files = [(label, found) for label, url in links if (found := PAGE_FILE.match(url))]
    here = PAGE_FILE.match(canonical(base, base=base) or "")
    alias = files[0][1][1] if files else here[1] if here else None
    current, total = _position(response, files)
    if alias is None or not total:
        return ()
    last = min(total, MAX_PAGES_LIMIT)  # the claim is the site's, the bound ours
    pages = (f"{alias}/{total - k + 1}.htm" if k > 1 else f"{alias}.htm" for k in range(1, last + 1))
    return tuple(url for k, url in enumerate(pages, start=1) if k != current)


def _position(response: TextResponse, files: list[tuple[str, re.Match[str]]]) -> tuple[int, int]:
    """(current page, total pages): from ``span.p_t`` "1/11", else from a numbered link."""
    page = root(response)
    for text in strings(page, ".pb_sys_common span.p_t::text, [id^=fanye]::text"):
        found = POSITION.search(text)
        if found:
            return int(found[1]), int(found[2])
    current = first(page, ".pb_sys_common span.p_no_d::text", "1").strip()
    totals = [int(found[2]) + int(label) - 1 for label, found in files if label.isdecimal()]
    return int(current) if current.isdecimal() else 1, max(totals, default=0)
