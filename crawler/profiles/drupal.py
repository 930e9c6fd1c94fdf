"""Drupal (today.hit.edu.cn): ``/category/{tid}`` lists, the 0-based ``?page=N`` pager, fingerprints.

Rows are ``.paragraph li`` with the title link in ``span span a`` (RSSHub ``hit/today.ts``), or any
row linking to ``/article/YYYY/MM/DD/{nid}``. The date cell (``span.date``,
``.date-display-single``) may be a relative word (今天) or year-less (05-10); the URL date is the
dependable one, and ``crawler.extract`` prefers it.

The pager is Drupal core's: ``?page=1`` is the second page. Its next link is relative to the
current URL (``?page=2``), so it is resolved against it.
"""

from __future__ import annotations

import re

from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from crawler.profiles import ListPage, register
from crawler.profiles.html import first, matches, root, strings
from crawler.profiles.rows import Template, list_rows
from crawler.urls import canonical
from monitor.config import Column

DATES = ("span.date", ".date-display-single", ".date", "time", ".views-field-created", ".submitted")
ARTICLE_LINKS = ("a[href*='/article/']", "a[href*='/node/']")
TEMPLATES = (
    Template(item=".paragraph li", link=("span span a", *ARTICLE_LINKS, "a"), date=DATES),
    Template(item=".view-content .views-row", link=(*ARTICLE_LINKS, "a"), date=DATES),
    Template(item="li, tr", link=ARTICLE_LINKS, date=DATES),
)
CONTAINER = ".paragraph, .view-content, .view-empty"
NEXT = (
    "li.pager__item--next a::attr(href)",
    ".pager-next a::attr(href)",
    "li.next a::attr(href)",
    "a[rel~=next]::attr(href)",
)
FINGERPRINTS = (
    "meta[name=Generator][content*=Drupal], meta[name=generator][content*=Drupal], "
    "[data-drupal-selector], [data-drupal-link-system-path], script[src*='drupal.js'], "
    "link[href*='/sites/default/files/'], script[src*='/sites/default/files/']"
)
ARTICLE_URL = re.compile(r"/article/\d{4}/\d{1,2}/\d{1,2}/\d+")


@register
class Drupal:
    name = "drupal"
    auto_rank: int | None = 3
    html = True

    def detect(self, response: TextResponse) -> bool:
        page = root(response)
        if matches(page, FINGERPRINTS):
            return True
        # Root-relative article links only: other sites link to today.hit articles too.
        return any(ARTICLE_URL.match(href) for href in strings(page, "a::attr(href)"))

    def parse_list(self, response: TextResponse, *, column: Column) -> ListPage:
        found, rows = list_rows(response, column=column, templates=TEMPLATES, container=CONTAINER)
        base = get_base_url(response)
        hrefs = (first(root(response), css) for css in NEXT)
        next_url = next((url for href in hrefs if (url := canonical(href, base=base))), None)
        return ListPage(found=found, rows=rows, next_url=next_url)
