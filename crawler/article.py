"""The publication date and title of one ARTICLE page, for items whose list row shows no date.

Campus article pages carry their date in a CMS-specific element (reference/campus-cms.md §1–4);
generic extractors pick the oldest plausible date on the page, so sidebars and "related news"
win (§6). Hence our own order, most to least trustworthy, and htmldate only as the last resort.
Pages without such an element (old news portals, blogs, ASP sites) print the date on a line under
the heading, often without a label (``2005年08月16日　来源：新华网``), or write it with a script;
reader comments below the article carry their own 发表时间, which is never the article's.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from crawler.dates import parse
from crawler.extract import decode_fix

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
_LABEL = re.compile(
    r"(?:发布|发表|发文|发稿|公布|更新|上传)(?:时间|日期)|(?:发布|发表)于|(?:^|\s)(?:时间|日期)\s*[:：]"
)
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
    yield "article", _near_title(response)
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
    return _is_aside_element(element.root)


def _is_aside_element(element: Any) -> bool:
    """A sidebar, related-news box or footer, by tag or by a word in its class or id (lxml element)."""
    words = f"{element.get('class', '')} {element.get('id', '')}".lower()
    return getattr(element, "tag", "") in _ASIDE_TAGS or any(word in words for word in _ASIDE_WORDS)


def _text(node: Selector) -> str:
    """An element's text with whitespace collapsed (a <time>'s machine-readable datetime first)."""
    text = node.attrib.get("datetime") or node.xpath("string()").get() or ""
    return "" if _GREETING in text else " ".join(text.split())


def _labelled(response: TextResponse) -> Iterator[str]:
    """Texts around a publication label: the element's own, then its parent's (label and date are
    often sibling elements: <span>发布时间：</span><span>2022-09-01</span>). Not in reader comments,
    whose 发表时间 is the comment's, nor a bare 时间： next to a 地点： (an event's time)."""
    before_comments = _before_comments(response)
    for node in _main(response.xpath(_LABELLED)):
        if not before_comments(node.root):
            continue
        own = " ".join(node.xpath("text()").getall())
        if _LABEL.search(own) and not _is_event(node, own=own):
            yield _text(node)
            yield from (_text(parent) for parent in node.xpath(".."))


def _is_event(node: Selector, *, own: str) -> bool:
    """时间：2026-06-25 14:00 with 地点：礼堂 in the same element or the next one: a lecture or a
    meeting, not the publication (a 发布时间 is never an event's)."""
    if _PUBLISHED.search(own):
        return False
    near = [_text(node), *(_text(sibling) for sibling in node.xpath("following-sibling::*[1]"))]
    return any(_EVENT.search(text) for text in near)


_PUBLISHED = re.compile(r"(?:发布|发表|发文|发稿|公布|更新|上传)(?:时间|日期)|(?:发布|发表)于")


# A date line: a full date, then a time and anything (2022-02-13 09:57 光明网), or nothing, a bracket
# or the line's other fields (2005年08月16日　来源：新华网, 2004-12-10　阅读10544次); before it at most
# a label, a source or a site name. A date followed by prose (2022年9月1日，学校… or 2022年9月1日召开,
# 2022-09-01 10:00，学校…) is the body's, not the page's.
_DATE = r"(?:(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}/\d{1,2}/(?:19|20)\d\d)"
_CLOCK = r"\s*\d{1,2}\s*[:：时]\s*\d\d(?:\s*[:：分]\s*\d\d)?\s*秒?(?:\s*[AaPp]\.?[Mm])?"
_TIME = f"(?:{_CLOCK})*"
_FIELDS = (
    "来源|来自|出处|作者|编辑|责编|责任编辑|记者|通讯员|供稿|摄影|录入|审核|发布|"
    "更新|发表|刊发|阅读|浏览|瀏覽|点击|點擊|访问|人气|次数|字号|字体|字體|打印|星期|周[一二三四五六日]"
)
_DATE_LINE = re.compile(
    r"^(?P<before>[^，。！？；,;!?]{0,40}?[\s:：于\[【(（])?\s*"
    + _DATE
    + f"(?:(?:{_CLOCK})+(?!\\d)\\s*(?![，,。、；;])"
    + r"|\s*(?:$|[|｜/·\]】)）\[【(（]|"
    + _FIELDS
    + "))"
)
_SCRIPT_DATE = re.compile(r"""["']\s*(""" + _DATE + _TIME + r""")\s*["']""")
_SCRIPT_CHARS = 300  # showDate("…") or document.write("…"); a long script is a program, not a date
# How far below the heading the date line may be: the text of a toolbar or a site name, not a body.
_NEAR_TITLE_CHARS = 200
_PROSE_CHARS = 100  # a text this long is a paragraph of the body: the header is over
_SKIPPED_TAGS = frozenset({"style", "noscript", "select", "option", "textarea", "title"})
_TITLE_PARTS = re.compile(r"\s*(?:[|_–—]+|\s-\s|(?<![\d\s])-(?!\d))\s*")
_SPACE = re.compile(r"\s")
_MIN_TITLE = 4  # a heading shorter than this is a word that menus repeat too


def _near_title(response: TextResponse) -> Iterator[str]:
    """Date lines in the text just below the article's heading, in document order."""
    texts = response.selector.root.xpath("//body//text()")
    start = _heading(texts, titles=_titles(response))
    if start is None:
        return
    seen, previous = 0, ""
    for text in texts[start + 1 :]:
        element = text.getparent()
        if text.is_tail:  # text after </b> belongs to the element holding the <b>
            element = element.getparent()
        if element is None or element.tag in _SKIPPED_TAGS:
            continue
        if element.tag == "script":
            if len(text) <= _SCRIPT_CHARS and not _in_link_or_aside(element):
                yield from (found[1] for found in _SCRIPT_DATE.finditer(text))
            continue
        line = " ".join(text.split())
        if not line:
            continue
        seen += len(line)
        if seen > _NEAR_TITLE_CHARS or len(line) > _PROSE_CHARS:
            return
        if _is_date_line(line, label=previous) and not _in_link_or_aside(element):
            yield line
        previous = line


@dataclass(frozen=True, slots=True)
class _Titles:
    """What the article's heading may read: its title as article_title finds it, the whole <title>,
    the <title>'s first part ('标题_栏目_网站', '标题-搜狐财经', 'title - blog - site'), or the
    <title> before a space and the site's name ('土豆不“土” 松花江网')."""

    page: str
    exact: frozenset[str]

    def read_by(self, line: str) -> bool:
        if line in self.exact:
            return True
        return len(line) >= _MIN_SPACED_TITLE and self.page.startswith(line + " ")


_MIN_SPACED_TITLE = 6  # a shorter first word of the <title> is a site or column name as often


def _is_date_line(line: str, *, label: str) -> bool:
    """A date line, unless it is an event's (地点：…), the header's greeting (今天是…), or its first
    date is labelled as another date (活动时间：, 截止日期：, 成文日期： without a 发布日期 after it;
    the label may be the text before, `label`: <td>成文日期</td><td>2022年01月27日</td>)."""
    found = _DATE_LINE.match(line)
    if found is None or _GREETING in line or _EVENT.search(line):
        return False
    before = found["before"] or (label if len(label) <= _LABEL_CHARS else "")
    return not _OTHER_DATE.search(before) or _LABEL.search(f"{before} {line}") is not None


_EVENT = re.compile(r"地点|地址|会场|报告人|主讲")  # 时间：2026-06-25 10:00 地点：… is a lecture's time
_LABEL_CHARS = 12  # 成文日期：, 发布日期, 生效时间 : a cell that only labels the next one


_OTHER_DATE = re.compile(r"时间|日期|时期|期限|截止|有效|至|到")


def _titles(response: TextResponse) -> _Titles:
    title = " ".join((response.xpath("string(//title)").get() or "").split())
    found = {title, _TITLE_PARTS.split(title)[0], article_title(response) or ""}
    return _Titles(page=title, exact=frozenset(text for text in found if len(text) >= _MIN_TITLE))


def _heading(texts: list[Any], *, titles: _Titles) -> int | None:
    """The index of the first body text that reads as the article's title and is not a link (a link
    that repeats the title is a breadcrumb or a list row, unless it sits in a heading)."""
    for index, text in enumerate(texts):
        if not titles.read_by(" ".join(text.split())):
            continue
        element = text.getparent()
        if text.is_tail:
            element = element.getparent()
        if element is None or element.tag in _SKIPPED_TAGS or element.tag == "script":
            continue
        ancestors = [*list(element.iterancestors()), element]
        in_link = any(node.tag == "a" for node in ancestors)
        in_heading = any(
            node.tag in _HEADINGS or "title" in str(node.get("class", "")).lower() for node in ancestors
        )
        if not in_link or in_heading:
            return index
    return None


_HEADINGS = frozenset({"h1", "h2", "h3"})


def _in_link_or_aside(element: Any) -> bool:
    """A list row's date (in a link or a related-news box), not the page's own."""
    return any(node.tag == "a" or _is_aside_element(node) for node in [element, *element.iterancestors()])


# A reader-comments section starts at a heading such as 相关评论: / 网友评论 / 留言 (not an action
# link such as 发表评论) or at a container named for comments (not a "comments-link" in a byline).
_COMMENTS_HEADING = re.compile(
    r"^(?:相关|网友|读者|最新|热门|全部|精彩|用户)?(?:评论|留言)(?:列表|区)?\s*[:：]?\s*(?:[(（]\d*[)）])?$"
)
_COMMENT_NAMES = frozenset(
    {"comment", "comments", "commentlist", "comment-list", "comments-list", "comments-area", "comment-area"}
    | {"pinglun", "liuyan", "reply-list"}
)
_CONTAINERS = frozenset({"div", "section", "ol", "ul", "table", "dl"})


def _before_comments(response: TextResponse) -> Callable[[Any], bool]:
    """A test of whether an element comes before the page's reader comments (all do if it has none).

    Comments follow the article: a 最新评论 box above the article's body is a sidebar widget, so
    only a comments heading after the page's longest text (its body) starts them."""
    root = response.selector.root
    order = {element: index for index, element in enumerate(root.iter())}
    body = _longest_text(root)
    after = order.get(body, len(order)) if body is not None else len(order)
    starts = (
        order[element] for element in root.iter() if order[element] > after and _starts_comments(element)
    )
    start = next(starts, len(order))
    return lambda element: order.get(element, 0) < start


def _longest_text(root: Any) -> Any:
    """The element holding the page's longest text node, script and style aside."""
    texts = [text for text in root.xpath("//body//text()") if text.getparent().tag not in {"script", "style"}]
    longest = max(texts, key=lambda text: len(text.strip()), default=None)
    return None if longest is None else longest.getparent()


def _starts_comments(element: Any) -> bool:
    if not isinstance(element.tag, str) or element.tag in {"a", "script", "style", "title", "html", "body"}:
        return False
    names = f"{element.get('class', '')} {element.get('id', '')}".lower().split()
    if element.tag in _CONTAINERS and not _COMMENT_NAMES.isdisjoint(names):
        return True
    own = " ".join((element.text or "").split())
    return bool(own) and _COMMENTS_HEADING.match(own) is not None and element.getparent().tag != "a"


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
    """htmldate's guess, if installed: low confidence (it prefers the oldest date on the page, so it
    is given the page without its sidebars, related-news boxes and reader comments)."""
    try:
        from htmldate import find_date  # here: optional, heavy, and only for the last resort
    except ImportError:
        return None
    try:
        # No max_date: given one, htmldate turns a too-new 2022-12-08 into 2022-12-01 (year and
        # month kept, day 1). We drop a date after today instead.
        found = find_date(_without_asides(response), extensive_search=False, original_date=True)
    except Exception:  # a library's failure on one odd page must not fail the crawl
        logger.warning("htmldate failed on %s", response.url, exc_info=True)
        return None
    date = datetime.date.fromisoformat(found) if found else None
    return (date, "fallback") if date and date <= today else None


def _without_asides(response: TextResponse) -> Any:
    """A copy of the page's tree without sidebars, related-news boxes, footers and reader comments."""
    before_comments = _before_comments(response)
    root = response.selector.root
    doomed = [
        element
        for element in root.iter()
        if isinstance(element.tag, str)
        and element.tag not in {"html", "head", "body"}
        and (_is_aside_element(element) or not before_comments(element))
    ]
    copy = deepcopy(root)
    # deepcopy keeps document order, so the n-th element of the copy is the n-th of the page
    by_order = dict(zip(root.iter(), copy.iter(), strict=True))
    for element in doomed:
        twin = by_order[element]
        if twin.getparent() is not None:
            twin.drop_tree()
    return copy


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
    cuts = {found.start() for pattern in (_TITLE_PARTS, _SPACE) for found in pattern.finditer(page)}
    for end in sorted(cuts, reverse=True):
        if len(page[:end]) >= _MIN_TITLE and page[:end] in texts:
            return page[:end]
    return None


def _without_suffix(page: str) -> str:
    suffixed = _SITE_SUFFIX.match(page)
    return suffixed[1] if suffixed else page
