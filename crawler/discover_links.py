"""Column discovery, step 1: which links of a home page may be columns, and what to call them.

:func:`candidate_links` reads the home page's navigation: links inside nav/menu containers and
the 更多/more links of home-page blocks (named after their block's heading), on the home's own
host, in page order. Article pages (WebPlus ``/YYYY/MMDD/c…a…/page.htm``, VSB ``/info/N/M.htm``,
Drupal ``/article/Y/M/D/nid``), attachments, login links and the home itself are left out.
:func:`column_id` makes a config id from a column's URL path. Pure functions over responses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml import etree
from parsel import Selector
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from crawler.discover_api import PAGE_NAME
from crawler.extract import decode_fix
from crawler.middlewares import is_login_url
from crawler.profiles.html import collapse, text_of
from crawler.profiles.rows import looks_like_date
from crawler.urls import canonical, host_of, is_attachment

#: A class or id token of a navigation container (nav, topnav, wp-menu, sub-menu, daohang, …).
NAV_TOKEN = re.compile(r"nav|menu|daohang|lanmu|channel|^columns$", re.IGNORECASE)
MORE_LABEL = re.compile(r"^(?:查看)?更多(?:内容|信息|新闻|通知)?$|^(?:view\s*)?more$", re.IGNORECASE)
_LABEL_CHROME = re.compile(r"[\s>»›<«‹+.。…·\[\]【】()（）]+")
ARTICLE_PATH = re.compile(
    r"/c\d+a\d+/page\.(?:htm|psp)$|/info/\d+/\d+\.htm$|/article/\d{4}/\d{1,2}/\d{1,2}/\d+|/node/\d+$"
    r"|/content\.jsp$|/\d{4}-\d{2}/\d{2}/c_\d+\.htm$",
    re.IGNORECASE,
)
HOME_PATHS = frozenset({"", "/", "/index.htm", "/index.html", "/main.htm", "/index.jsp", "/index.php"})
LOGIN_LABELS = frozenset({"登录", "登陆", "用户登录", "统一身份认证", "login", "log in", "sign in"})
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ASCII_EDGE = re.compile(r"^[A-Za-z][A-Za-z .&'-]*\s+(?=\S)|(?<=[^\x00-\x7f])\s*[A-Za-z][A-Za-z .&'-]*$")
_HEADING_LEVELS = 3  # how far up from a more link to look for its block's heading


# ----------------------------------------------------------------------------- links


def candidate_links(home: TextResponse) -> list[tuple[str, str]]:
    """(name, absolute canonical URL) of the home page's nav and 更多 links on its host, deduplicated."""
    home = decode_fix(home)
    base = get_base_url(home)
    found: dict[str, str] = {}
    anchors = home.css("a[href]")
    for anchor in [a for a in anchors if _in_nav(a) or _is_more(a)] or anchors:
        url = canonical(anchor.root.get("href", ""), base=base)
        if url and _is_candidate(url, home=home.url) and not _is_login_label(anchor):
            name = _more_name(anchor) if _is_more(anchor) else _own_name(anchor)
            found[url] = found.get(url) or name
    return [(name, url) for url, name in found.items()]


def _in_nav(anchor: Selector) -> bool:
    for el in anchor.root.iterancestors():
        tokens = [*el.get("class", "").split(), el.get("id", "")]
        if el.tag == "nav" or any(NAV_TOKEN.search(token) for token in tokens if token):
            return True
    return False


def _label(text: str) -> str:
    return _LABEL_CHROME.sub("", text).lower()


def _is_more(anchor: Selector) -> bool:
    if MORE_LABEL.match(_label(text_of(anchor) or " ".join(anchor.css("img::attr(alt)").getall()))):
        return True
    return "more" in anchor.root.get("class", "").lower().split()


def _is_candidate(url: str, *, home: str) -> bool:
    path = urlsplit(url).path
    if host_of(url) != host_of(home) or is_attachment(url) or is_login_url(url):
        return False
    return not ARTICLE_PATH.search(path) and path not in HOME_PATHS and url != canonical(home, base=home)


def _is_login_label(anchor: Selector) -> bool:
    return _label(text_of(anchor)) in LOGIN_LABELS


def clean_name(text: str) -> str:
    """A column name as the editor wants it: whitespace collapsed, an English gloss dropped."""
    name = collapse(text)
    return collapse(_ASCII_EDGE.sub("", name)) if _CJK.search(name) else name


def _own_name(anchor: Selector) -> str:
    return clean_name(text_of(anchor) or anchor.root.get("title", ""))


def _more_name(anchor: Selector) -> str:
    """The heading of the block a more link belongs to, else the link's title attribute."""
    for level, block in enumerate(anchor.root.iterancestors()):
        if level >= _HEADING_LEVELS:
            break
        texts = list(_heading_texts(block, anchor.root))
        if texts:  # a decorative English word (NEWS) may come before the Chinese heading
            return clean_name(next((text for text in texts if _CJK.search(text)), texts[0]))
    title = clean_name(anchor.root.get("title", ""))
    return "" if MORE_LABEL.match(_label(title)) else title


def _heading_texts(block: etree._Element, anchor: etree._Element) -> Iterable[str]:
    for text in block.xpath(".//text()[not(ancestor::script or ancestor::style)]"):
        owner = text.getparent().getparent() if text.is_tail else text.getparent()
        inside = owner is anchor or anchor in owner.iterancestors()
        label = collapse(text)
        short = 2 <= len(label) <= 20
        if not inside and short and not MORE_LABEL.match(_label(label)) and not looks_like_date(label):
            yield label


# ----------------------------------------------------------------------------- ids

GENERIC_SEGMENT = re.compile(r"^(?:list|index|main|default|home|page|more)\d*$")
_PAGE_SUFFIX = re.compile(r"\.(?:s?html?|psp|jsp|php|aspx?)$", re.IGNORECASE)
_MAX_ID = 40


def column_id(url: str) -> str:
    """An id from the URL path: ``/xxyw/list.htm`` → xxyw, ``/17860/list.htm`` → c17860,
    ``/category/10`` → category_10, ``/index/tzgg.htm`` → tzgg, ``/news.php?cat_id=1341`` →
    news_1341; ascii, starting with a letter."""
    parts = urlsplit(url)
    segments = [_slug(_PAGE_SUFFIX.sub("", unquote(s))) for s in parts.path.split("/")]
    kept = [s for s in segments if s and not GENERIC_SEGMENT.match(s)]
    tail: list[str] = []
    for segment in reversed(kept):
        tail.insert(0, segment)
        if re.search("[a-z]", segment):
            break
    numbered = [v for k, v in parse_qsl(parts.query) if v.isdigit() and not PAGE_NAME.match(k)]
    if not tail:
        tail = [_slug(f"{key}_{value}") for key, value in parse_qsl(parts.query)[-1:]]
    elif numbered:  # news.php?cat_id=1341 and ?cat_id=1342 are two columns of one script
        tail.append(numbered[-1])
    found = "_".join(tail)[:_MAX_ID].strip("_-") or "column"
    return found if re.match("[a-z]", found) else f"c{found}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "_", text.lower()).strip("_-")


def unique_ids(ids: Iterable[str]) -> list[str]:
    """The ids in order, later repeats numbered: xxyw, xxyw_2, xxyw_3."""
    seen: set[str] = set()
    out = []
    for wanted in ids:
        found, n = wanted, 1
        while found in seen:
            n += 1
            found = f"{wanted}_{n}"
        seen.add(found)
        out.append(found)
    return out
