"""The title of an article page: the CMS's title element, a heading that is not the site's, or the <title>."""

from __future__ import annotations

import re

from scrapy.http import TextResponse

from crawler.article.page import has_class as _has_class
from crawler.extract import decode_fix

#: The separators of a <title>'s parts ('标题_栏目_网站', '标题 - 搜狐财经'); a hyphen between digits
#: (2022-2023学年) is part of the title.
TITLE_PARTS = re.compile(r"\s*(?:[|_–—]+|\s-\s|(?<![\d\s])-(?!\d))\s*")
MIN_TITLE = 4  # a heading shorter than this is a word that menus repeat too
_SPACE = re.compile(r"\s")

_TITLES = (
    f"//h1[{_has_class('arti_title')}]",  # Sudy WebPlus
    f"//*[{_has_class('main_contit')}]//h2",  # VSB
    '//meta[@name="ArticleTitle"]/@content',  # VSB's own field
    # A bare <h1> is often the site logo or a menu's heading: not one in a header, logo, menu or nav
    # box (an "article-header" is the article's), nor one holding an image.
    '//h1[not(ancestor-or-self::*[contains(@class, "logo") or contains(@id, "logo")'
    ' or contains(@class, "menu") or contains(@id, "menu") or contains(@id, "nav")'
    f' or @id = "header" or {_has_class("header")} or {_has_class("nav")}]'
    " or ancestor::header or ancestor::nav or .//img)]",
    '//meta[@property="og:title"]/@content',
)
# ' - 哈尔滨工业大学', '_计算学部', ' | 今日哈工大': the last separator; a hyphen between digits
# (2022-2023学年) is part of the title.
_SITE_SUFFIX = re.compile(r"^(.+?)\s*(?:[|_–—]+|\s-\s|(?<![\d\s])-(?!\d))\s*[^|_–—-]{1,40}$")


def article_title(response: TextResponse) -> str | None:
    """h1.arti_title / .main_contit h2 / <meta name="ArticleTitle"> / h1 / og:title / <title> minus the
    ' - site' suffix; whitespace collapsed. ArticleTitle comes before a bare h1, which is often
    the site's logo text; an h1 that is the <title>'s last part is the site's name, not the title.
    Of a <title> in several parts ('标题_栏目_网站'), the longest leading parts the page repeats as a
    text of its own (its heading) are the title; failing that, all but the last part."""
    response = decode_fix(response)
    page = " ".join((response.xpath("string(//title)").get() or "").split())
    for xpath in _TITLES:
        for node in response.xpath(xpath):
            text = node.root if isinstance(node.root, str) else node.xpath("string()").get()  # @content
            title = " ".join((text or "").split())
            if title and not _is_site_name(title, page=page):
                return title
    return _heading_in_title(response, page=page) or _without_suffix(page) or None


def _is_site_name(title: str, *, page: str) -> bool:
    """'松花江网' in the <title> '土豆不“土” 松花江网' or '通知 - 松花江网': the site after the title."""
    head = page[: -len(title)] if page.endswith(title) else ""
    return bool(head.strip()) and (head[-1].isspace() or head[-1] in "|_-–—")


def _heading_in_title(response: TextResponse, *, page: str) -> str | None:
    """The longest run of the <title>'s leading parts (cut at a separator or a space) that is also a
    text of the body."""
    texts = {
        " ".join(text.split()) for text in response.xpath("//body//text()[not(parent::script)]").getall()
    }
    cuts = {found.start() for pattern in (TITLE_PARTS, _SPACE) for found in pattern.finditer(page)}
    for end in sorted(cuts, reverse=True):
        if len(page[:end]) >= MIN_TITLE and page[:end] in texts:
            return page[:end]
    return None


def _without_suffix(page: str) -> str:
    suffixed = _SITE_SUFFIX.match(page)
    return suffixed[1] if suffixed else page
