"""What every part of the article reader shares: sidebars and footers, reader comments, labels.

An article page holds other articles' dates too: in sidebars, related-news boxes and footers
(:func:`is_aside_element`), in a header's greeting (今天是…) and in reader comments below the
article (:func:`before_comments`), whose 发表时间 is never the article's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from copy import deepcopy
from typing import Any

from parsel import Selector, SelectorList
from scrapy.http import TextResponse


def has_class(name: str) -> str:
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


#: A publication label: 发布时间, 发表于, or a bare 时间：/日期：.
LABEL = re.compile(
    r"(?:发布|发表|发文|发稿|公布|更新|上传)(?:时间|日期)|(?:发布|发表)于|(?:^|\s)(?:时间|日期)\s*[:：]"
)
# Sidebars, related-news boxes and footers hold other articles' dates.
ASIDE_WORDS = ("side", "related", "relate", "xgxw", "xgwz", "recommend", "tuijian", "footer")
ASIDE_TAGS = frozenset({"aside", "nav", "footer"})
GREETING = "今天是"  # a header's "今天是2026年6月23日 星期二" is the day of the visit

#: 时间：2026-06-25 10:00 地点：… is a lecture's time.
EVENT = re.compile(r"地点|地址|会场|报告人|主讲")


def outside_asides(nodes: SelectorList[Selector]) -> Iterator[Selector]:
    """The nodes that are not in a sidebar, related-news box or footer."""
    for node in nodes:
        if not any(is_aside_element(element.root) for element in node.xpath("ancestor-or-self::*")):
            yield node


def is_aside_element(element: Any) -> bool:
    """A sidebar, related-news box or footer, by tag or by a word in its class or id (lxml element)."""
    words = f"{element.get('class', '')} {element.get('id', '')}".lower()
    return getattr(element, "tag", "") in ASIDE_TAGS or any(word in words for word in ASIDE_WORDS)


def attribute(node: Selector, name: str) -> str | None:
    """``node.attrib.get(name)`` without parsel's dict of all the attributes, which lxml refuses to
    build when an attribute's name holds a control character (``<meta \x01x=…>``)."""
    get = getattr(node.root, "get", None)  # a text or attribute node has no attributes
    return get(name) if get else None


def text_of(node: Selector) -> str:
    """An element's text with whitespace collapsed (a <time>'s machine-readable datetime first)."""
    text = attribute(node, "datetime") or node.xpath("string()").get() or ""
    return "" if GREETING in text else " ".join(text.split())


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


def before_comments(response: TextResponse) -> Callable[[Any], bool]:
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


def without_asides(response: TextResponse) -> Any:
    """A copy of the page's tree without sidebars, related-news boxes, footers and reader comments."""
    in_article = before_comments(response)
    root = response.selector.root
    doomed = [
        element
        for element in root.iter()
        if isinstance(element.tag, str)
        and element.tag not in {"html", "head", "body"}
        and (is_aside_element(element) or not in_article(element))
    ]
    copy = deepcopy(root)
    # deepcopy keeps document order, so the n-th element of the copy is the n-th of the page
    by_order = dict(zip(root.iter(), copy.iter(), strict=True))
    for element in doomed:
        twin = by_order[element]
        if twin.getparent() is not None:
            twin.drop_tree()
    return copy
