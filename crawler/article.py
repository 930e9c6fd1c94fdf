"""The publication date and title of one ARTICLE page, for items whose list row shows no date.

Campus article pages carry their date in a CMS-specific element (reference/campus-cms.md §1–4);
generic extractors pick the oldest plausible date on the page, so sidebars and "related news"
win (§6). Hence our own order, most to least trustworthy, and htmldate only as the last resort.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from crawler.dates import parse

logger = logging.getLogger(__name__)


def _has_class(name: str) -> str:
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


# The CMS's own date elements, in document order per selector.
_CMS_DATES = (
    f"//span[{_has_class('arti_update')}]",  # Sudy WebPlus: 发布时间：2022-12-08
    f"//p[{_has_class('arti_metas')}]",
    f"//*[{_has_class('main_contit')}]//p",  # VSB: 作者:…  时间：2026-06-23  点击数：
    # VSB templates without .main_contit: a labelled line in the article form, outside the body.
    '//form[@name="_newscontent_fromname"]//*[text()[contains(., "时间") or contains(., "日期")]]'
    '[not(ancestor-or-self::*[starts-with(@id, "vsb_content")])]',
    f"//*[{_has_class('left-attr')} and {_has_class('first')}]",  # Drupal (today.hit.edu.cn)
    f"//*[{_has_class('item')}][not(self::li)]",  # www.hitsz.edu.cn: the first .item is 发布时间
    # Generic: rows of related-news lists are <li>s with a .date too, so list items never count;
    # an element holding paragraphs or headings is a container, not a date.
    '//*[contains(@class, "date") or contains(@class, "time") or contains(@class, "publish")]'
    "[not(ancestor-or-self::li or .//p or .//div or .//h1 or .//h2 or .//li)]",
    "//time",
)
# Elements whose own text carries a label; the label is checked in Python (XPath 1.0 has no regex).
_LABELLED = (
    '//body//*[not(self::script or self::style)][text()[contains(., "发") or contains(., "时间")'
    ' or contains(., "日期") or contains(., "公布") or contains(., "更新")]]'
)
_LABEL = re.compile(r"(?:发布|发表|发文|发稿|公布|更新|上传)(?:时间|日期)|(?:^|\s)(?:时间|日期)\s*[:：]")
# Sidebars, related-news boxes and footers hold other articles' dates.
_ASIDE_WORDS = ("side", "related", "relate", "xgxw", "xgwz", "recommend", "tuijian", "footer")
_ASIDE_TAGS = frozenset({"aside", "nav", "footer"})
_DATE_ELEMENT_CHARS = 100  # 作者:教务管理科  时间：2026-06-23  点击数： is about 40
_GREETING = "今天是"  # a header's "今天是2026年6月23日 星期二" is the day of the visit
# <meta> names (lower-cased) other than VSB's PubDate, most specific first.
_META_NAMES = (
    "publishdate",
    "publish_date",
    "publishtime",
    "firstpublishedtime",
    "article:published_time",
    "og:release_date",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
)


def article_date(response: TextResponse, *, today: datetime.date) -> tuple[datetime.date, str] | None:
    """The page's publication date and its source (crawler.dates.DATE_SOURCES), never after today.

    In order:
    1. ``<meta name="PubDate">`` → "meta": VSB writes it from the publish field itself, the most
       reliable date when present (campus-cms.md §2);
    2. CMS selectors → "article": WebPlus ``span.arti_update`` / ``p.arti_metas``; VSB ``.main_contit p``
       or a labelled line in ``form[name=_newscontent_fromname]``; Drupal ``.left-attr.first``;
       hitsz ``.item``; then elements whose class contains date/time/publish and ``<time>``;
    3. other ``<meta>`` (publishdate, article:published_time, og:release_date …), microdata and
       JSON-LD ``datePublished`` → "meta": after the selectors, because templates fill them less
       faithfully than the CMS fills its own date element;
    4. a labelled date (发布时间：…) anywhere in the page → "article";
    5. htmldate (extensive_search=False, original_date=True) → "fallback", if it is installed.
    Steps 2 and 4 skip sidebars, related-news boxes, footers and a header's "今天是…" greeting.
    """
    for source, texts in _candidates(response):
        for text in texts:
            found = parse(text, today=today)
            if found is not None and found.year is not None:
                return datetime.date(found.year, found.month, found.day), source
    return _htmldate(response, today=today)


def _candidates(response: TextResponse) -> Iterator[tuple[str, Iterable[str]]]:
    """(source, texts) in order of trust; lazily, so that a found date stops the work."""
    metas = _metas(response)
    yield "meta", [metas["pubdate"]] if "pubdate" in metas else []
    yield "article", _cms_dates(response)
    yield "meta", (metas[name] for name in _META_NAMES if name in metas)
    yield "meta", _microdata(response)
    yield "meta", _json_ld(response)
    yield "article", _labelled(response)


def _cms_dates(response: TextResponse) -> Iterator[str]:
    """Texts of the CMS date elements; a long one is a container (WordPress marks a whole
    <article> "status-publish"), not a date element."""
    for xpath in _CMS_DATES:
        texts = (_text(node) for node in _main(response.xpath(xpath)))
        yield from (text for text in texts if len(text) <= _DATE_ELEMENT_CHARS)


def _main(nodes: SelectorList[Selector]) -> Iterator[Selector]:
    """The nodes that are not in a sidebar, related-news box or footer."""
    for node in nodes:
        if not any(_is_aside(element) for element in node.xpath("ancestor-or-self::*")):
            yield node


def _is_aside(element: Selector) -> bool:
    words = f"{element.attrib.get('class', '')} {element.attrib.get('id', '')}".lower()
    return getattr(element.root, "tag", "") in _ASIDE_TAGS or any(word in words for word in _ASIDE_WORDS)


def _text(node: Selector) -> str:
    """An element's text with whitespace collapsed (a <time>'s machine-readable datetime first)."""
    text = node.attrib.get("datetime") or node.xpath("string()").get() or ""
    return "" if _GREETING in text else " ".join(text.split())


def _labelled(response: TextResponse) -> Iterator[str]:
    """Texts around a publication label: the element's own, then its parent's (label and date are
    often sibling elements: <span>发布时间：</span><span>2022-09-01</span>)."""
    for node in _main(response.xpath(_LABELLED)):
        own = " ".join(node.xpath("text()").getall())
        if _LABEL.search(own):
            yield _text(node)
            yield from (_text(parent) for parent in node.xpath(".."))


def _metas(response: TextResponse) -> dict[str, str]:
    """<meta> contents by lower-cased name, property or itemprop; the first of each wins."""
    found: dict[str, str] = {}
    for meta in response.xpath("//meta[@content]"):
        key = meta.attrib.get("name") or meta.attrib.get("property") or meta.attrib.get("itemprop") or ""
        found.setdefault(key.strip().lower(), meta.attrib["content"])
    return found


def _microdata(response: TextResponse) -> Iterator[str]:
    for node in response.xpath('//*[@itemprop="datePublished"][not(self::meta)]'):
        yield node.attrib.get("content") or _text(node)


def _json_ld(response: TextResponse) -> Iterator[str]:
    for script in response.xpath('//script[@type="application/ld+json"]/text()').getall():
        try:
            yield from _values(json.loads(script), "datePublished")
        except ValueError:  # hand-written JSON-LD is often broken; the next step will do
            continue


def _values(data: Any, key: str) -> Iterator[str]:
    """Every string under `key` anywhere in a JSON document (JSON-LD nests them in @graph)."""
    if isinstance(data, dict):
        if isinstance(data.get(key), str):
            yield data[key]
        data = list(data.values())
    if isinstance(data, list):
        for value in data:
            yield from _values(value, key)


def _htmldate(response: TextResponse, *, today: datetime.date) -> tuple[datetime.date, str] | None:
    """htmldate's guess, if installed: low confidence (it prefers the oldest date on the page)."""
    try:
        from htmldate import find_date  # here: optional, heavy, and only for the last resort
    except ImportError:
        return None
    try:
        # No max_date: given one, htmldate turns a too-new 2022-12-08 into 2022-12-01 (year and
        # month kept, day 1). We drop a date after today instead.
        found = find_date(response.text, extensive_search=False, original_date=True)
    except Exception:  # a library's failure on one odd page must not fail the crawl
        logger.warning("htmldate failed on %s", response.url, exc_info=True)
        return None
    date = datetime.date.fromisoformat(found) if found else None
    return (date, "fallback") if date and date <= today else None


_TITLES = (
    f"//h1[{_has_class('arti_title')}]",  # Sudy WebPlus
    f"//*[{_has_class('main_contit')}]//h2",  # VSB
    '//meta[@name="ArticleTitle"]/@content',  # VSB's own field
    # A bare <h1> is often the site logo: not one in a header or logo box, nor one holding an image.
    '//h1[not(ancestor-or-self::*[contains(@class, "logo") or contains(@id, "logo")] or ancestor::header'
    " or .//img)]",
    '//meta[@property="og:title"]/@content',
)
# ' - 哈尔滨工业大学', '_计算学部', ' | 今日哈工大': the last separator; a hyphen between digits
# (2022-2023学年) is part of the title.
_SITE_SUFFIX = re.compile(r"^(.+?)\s*(?:[|_–—]+|\s-\s|(?<![\d\s])-(?!\d))\s*[^|_–—-]{1,40}$")


def article_title(response: TextResponse) -> str | None:
    """h1.arti_title / .main_contit h2 / <meta name="ArticleTitle"> / h1 / og:title / <title> minus the
    ' - site' suffix; whitespace collapsed. ArticleTitle comes before a bare h1, which is often
    the site's logo text."""
    for xpath in _TITLES:
        for node in response.xpath(xpath):
            text = node.root if isinstance(node.root, str) else node.xpath("string()").get()  # @content
            title = " ".join((text or "").split())
            if title:
                return title
    title = " ".join((response.xpath("string(//title)").get() or "").split())
    suffixed = _SITE_SUFFIX.match(title)
    return (suffixed[1] if suffixed else title) or None
