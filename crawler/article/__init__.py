"""The publication date and title of one ARTICLE page, for items whose list row shows no date.

Campus article pages carry their date in a CMS-specific element (reference/campus-cms.md §1–4);
generic extractors pick the oldest plausible date on the page, so sidebars and "related news"
win (§6). Hence our own order, most to least trustworthy, and htmldate only as the last resort.
Pages without such an element (old news portals, blogs, ASP sites) print the date on a line under
the heading, often without a label (``2005年08月16日　来源：新华网``), or write it with a script;
reader comments below the article carry their own 发表时间, which is never the article's.

The package: this module orders the sources (:func:`article_date`); ``page`` knows sidebars,
footers, reader comments and labels; ``dateline`` reads the date line under the heading; ``title``
finds the article's title (:func:`article_title`).
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from parsel import Selector
from scrapy.http import TextResponse

from crawler.article.dateline import near_title
from crawler.article.page import (
    EVENT,
    LABEL,
    attribute,
    before_comments,
    has_class,
    outside_asides,
    text_of,
    without_asides,
)
from crawler.article.title import article_title
from crawler.dates import FIRST_YEAR, parse
from crawler.extract import decode_fix

__all__ = ["article_date", "article_title"]

logger = logging.getLogger(__name__)

# The CMS's own date elements, in document order per selector.
_CMS_DATES = (
    f"//span[{has_class('arti_update')}]",  # Sudy WebPlus: 发布时间：2022-12-08
    f"//p[{has_class('arti_metas')}]",
    f"//*[{has_class('main_contit')}]//p",  # VSB: 作者:…  时间：2026-06-23  点击数：
    # VSB templates without .main_contit: a labelled line in the article form, outside the body.
    '//form[@name="_newscontent_fromname"]//*[text()[contains(., "时间") or contains(., "日期")]]'
    '[not(ancestor-or-self::*[starts-with(@id, "vsb_content")])]',
    f"//*[{has_class('left-attr')} and {has_class('first')}]",  # Drupal (today.hit.edu.cn)
    f"//*[{has_class('item')}][not(self::li)]",  # www.hitsz.edu.cn: the first .item is 发布时间
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
_DATE_ELEMENT_CHARS = 100  # 作者:教务管理科  时间：2026-06-23  点击数： is about 40
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
    4. the date line under the article's heading (the h1 or the text that repeats the <title>), with
       or without a label: ``2005年08月16日　来源：新华网``, ``2004-12-10　阅读10544次``, or a date
       written by a short script there (``showDate("2020/04/17 01:43:09")``) → "article";
    5. a labelled date (发布时间：…, 发表于…) anywhere in the page, before any reader comments → "article";
    6. htmldate (extensive_search=False, original_date=True) on the page without its sidebars and
       comments → "fallback", if it is installed.
    Steps 2, 4 and 5 skip sidebars, related-news boxes, footers and a header's "今天是…" greeting.
    """
    response = decode_fix(response)  # a GBK page served as UTF-8 (or the reverse) reads as mojibake
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
    yield "article", near_title(response)
    yield "article", _labelled(response)


def _cms_dates(response: TextResponse) -> Iterator[str]:
    """Texts of the CMS date elements; a long one is a container (WordPress marks a whole
    <article> "status-publish"), not a date element."""
    for xpath in _CMS_DATES:
        texts = (text_of(node) for node in outside_asides(response.xpath(xpath)))
        yield from (text for text in texts if len(text) <= _DATE_ELEMENT_CHARS)


def _labelled(response: TextResponse) -> Iterator[str]:
    """Texts around a publication label: the element's own, then its parent's (label and date are
    often sibling elements: <span>发布时间：</span><span>2022-09-01</span>). Not in reader comments,
    whose 发表时间 is the comment's, nor a bare 时间： next to a 地点： (an event's time)."""
    in_article = before_comments(response)
    for node in outside_asides(response.xpath(_LABELLED)):
        if not in_article(node.root):
            continue
        own = " ".join(node.xpath("text()").getall())
        if LABEL.search(own) and not _is_event(node, own=own):
            yield text_of(node)
            yield from (text_of(parent) for parent in node.xpath(".."))


def _is_event(node: Selector, *, own: str) -> bool:
    """时间：2026-06-25 14:00 with 地点：礼堂 in the same element or the next one: a lecture or a
    meeting, not the publication (a 发布时间 is never an event's)."""
    if _PUBLISHED.search(own):
        return False
    near = [text_of(node), *(text_of(sibling) for sibling in node.xpath("following-sibling::*[1]"))]
    return any(EVENT.search(text) for text in near)


_PUBLISHED = re.compile(r"(?:发布|发表|发文|发稿|公布|更新|上传)(?:时间|日期)|(?:发布|发表)于")


def _metas(response: TextResponse) -> dict[str, str]:
    """<meta> contents by lower-cased name, property or itemprop; the first of each wins."""
    found: dict[str, str] = {}
    for meta in response.xpath("//meta[@content]"):
        key = attribute(meta, "name") or attribute(meta, "property") or attribute(meta, "itemprop") or ""
        found.setdefault(key.strip().lower(), attribute(meta, "content") or "")
    return found


def _microdata(response: TextResponse) -> Iterator[str]:
    for node in response.xpath('//*[@itemprop="datePublished"][not(self::meta)]'):
        yield attribute(node, "content") or text_of(node)


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
    """htmldate's guess, if installed: low confidence (it prefers the oldest date on the page, so it
    is given the page without its sidebars, related-news boxes and reader comments)."""
    try:
        from htmldate import find_date  # here: optional, heavy, and only for the last resort
    except ImportError:
        return None
    try:
        # No max_date: given one, htmldate turns a too-new 2022-12-08 into 2022-12-01 (year and
        # month kept, day 1). We drop a date after today instead.
        found = find_date(without_asides(response), extensive_search=False, original_date=True)
    except Exception:  # a library's failure on one odd page must not fail the crawl
        logger.warning("htmldate failed on %s", response.url, exc_info=True)
        return None
    date = datetime.date.fromisoformat(found) if found else None
    return (date, "fallback") if date and date.year >= FIRST_YEAR and date <= today else None
