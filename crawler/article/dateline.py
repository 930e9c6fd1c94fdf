"""The date line under an article's heading: ``2005年08月16日　来源：新华网``, with or without a label.

Pages without a CMS date element (old news portals, blogs, ASP sites) print the date on a line
under the heading, often without a label, or write it with a short script
(``showDate("2020/04/17 01:43:09")``). :func:`near_title` finds the heading (the h1, or the body
text that repeats the <title> or its first part) and yields the date lines of the next 200
characters, stopping at the first paragraph of the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scrapy.http import TextResponse

from crawler.article.page import EVENT, GREETING, LABEL, is_aside_element
from crawler.article.title import MIN_TITLE, TITLE_PARTS, article_title

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


def near_title(response: TextResponse) -> Iterator[str]:
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
    if found is None or GREETING in line or EVENT.search(line):
        return False
    before = found["before"] or (label if len(label) <= _LABEL_CHARS else "")
    return not _OTHER_DATE.search(before) or LABEL.search(f"{before} {line}") is not None


_LABEL_CHARS = 12  # 成文日期：, 发布日期, 生效时间 : a cell that only labels the next one


_OTHER_DATE = re.compile(r"时间|日期|时期|期限|截止|有效|至|到")


def _titles(response: TextResponse) -> _Titles:
    title = " ".join((response.xpath("string(//title)").get() or "").split())
    found = {title, TITLE_PARTS.split(title)[0], article_title(response) or ""}
    return _Titles(page=title, exact=frozenset(text for text in found if len(text) >= MIN_TITLE))


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
    return any(node.tag == "a" or is_aside_element(node) for node in [element, *element.iterancestors()])
