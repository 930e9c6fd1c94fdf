"""Column discovery: from a site's home page to a ``columns:`` block ready to paste into the config.

Pure functions over Scrapy responses, tested on saved HTML; ``crawler.discover_run`` fetches.

1. :func:`candidate_links` reads the home page's navigation: links inside nav/menu containers and
   the 更多/more links of home-page blocks (named after their block's heading), on the home's own
   host, in page order. Article pages (WebPlus ``/YYYY/MMDD/c…a…/page.htm``, VSB ``/info/N/M.htm``,
   Drupal ``/article/Y/M/D/nid``), attachments, login links and the home itself are left out.
2. :func:`propose` reads each fetched candidate with ``cms: auto``; a page where a list is found
   becomes a :class:`Proposal` with the profile that read it, a kind and checklist guesses from
   its name (and its row titles), and an id made from its URL path. The home page itself is
   proposed as the ``home`` column (kind ``homepage``) when it holds a list too.
3. :func:`to_yaml` renders the block, with a comment per column saying what was seen on it.

Guesses are for an editor to check: the kind is the strictest one whose words the column name
holds (news before notice before hr_plan before static), and checklist items are those whose
keywords the name (or most row titles) holds without any of the item's negative cues.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml
from lxml import etree
from parsel import Selector
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from crawler.extract import decode_fix, extract_list
from crawler.middlewares import is_login_url
from crawler.profiles.generic import collapse, looks_like_date, text_of
from crawler.urls import canonical, host_of, is_attachment
from monitor.config import Checklist, ChecklistItem, Column

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Proposal:
    """One column to propose, with what its first page showed."""

    id: str
    name: str
    url: str
    cms: str  # webplus | vsb | drupal | auto
    kind: str
    checklist: tuple[str, ...]
    items_seen: int
    newest: dt.date | None


# ----------------------------------------------------------------------------- links


def candidate_links(home: TextResponse) -> list[tuple[str, str]]:
    """(name, absolute canonical URL) of the home page's nav and 更多 links on its host, deduplicated."""
    home = decode_fix(home)
    base = get_base_url(home)
    found: dict[str, str] = {}
    anchors = home.css("a[href]")
    for anchor in [a for a in anchors if _in_nav(a) or _is_more(a)] or anchors:
        url = canonical(anchor.attrib["href"], base=base)
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
    return "more" in anchor.attrib.get("class", "").lower().split()


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
    return clean_name(text_of(anchor) or anchor.attrib.get("title", ""))


def _more_name(anchor: Selector) -> str:
    """The heading of the block a more link belongs to, else the link's title attribute."""
    for level, block in enumerate(anchor.root.iterancestors()):
        if level >= _HEADING_LEVELS:
            break
        texts = list(_heading_texts(block, anchor.root))
        if texts:  # a decorative English word (NEWS) may come before the Chinese heading
            return clean_name(next((text for text in texts if _CJK.search(text)), texts[0]))
    title = clean_name(anchor.attrib.get("title", ""))
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
    ``/category/10`` → category_10, ``/index/tzgg.htm`` → tzgg; ascii, starting with a letter."""
    parts = urlsplit(url)
    segments = [_slug(_PAGE_SUFFIX.sub("", unquote(s))) for s in parts.path.split("/")]
    kept = [s for s in segments if s and not GENERIC_SEGMENT.match(s)]
    tail: list[str] = []
    for segment in reversed(kept):
        tail.insert(0, segment)
        if re.search("[a-z]", segment):
            break
    if not tail:
        tail = [_slug(f"{key}_{value}") for key, value in parse_qsl(parts.query)[-1:]]
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


# ----------------------------------------------------------------------------- guesses

#: Strictest first (news 14 d, notice 183 d, hr_plan 365 d, static never): the first family whose
#: words the name holds wins, so a column carrying notices is judged like a notice column.
KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("news", ("新闻", "要闻", "动态", "快讯", "媒体")),
    ("notice", ("通知", "公告", "公示", "通报")),
    ("hr_plan", ("招聘", "人事", "任免", "规划", "计划", "工作要点")),
    ("static", ("制度", "文件", "办法", "规定", "章程", "政策")),
)
MAX_CHECKLIST = 3
MIN_ROWS_FOR_TITLES = 3  # row titles speak for a column only when there are a few of them


def column_kind(name: str) -> str:
    """The kind a column name suggests; ``notice`` when it says nothing."""
    return next((kind for kind, words in KIND_WORDS if any(w in name for w in words)), "notice")


def keyword_match(item: ChecklistItem, text: str) -> int:
    """The length of the longest keyword of ``item`` in ``text``; 0 when none or a negative cue is there."""
    text = text.lower()
    if any(cue.lower() in text for cue in item.negative):
        return 0
    return max((len(k) for k in item.keywords if k.lower() in text), default=0)


def guess_checklist(
    name: str, titles: Sequence[str], *, checklist: Checklist, host: str = ""
) -> tuple[str, ...]:
    """Up to three item slugs, best first: by the name's match, then the share of matching titles."""
    label = host.split(".")[0]
    scored = []
    for item in checklist.items:
        by_name = keyword_match(item, name)
        share = _title_share(item, titles)
        if by_name or share > 0.5:
            scored.append(((by_name, share, label in item.hosts, -item.number), item.slug))
    scored.sort(reverse=True)
    return tuple(slug for _, slug in scored[:MAX_CHECKLIST])


def _title_share(item: ChecklistItem, titles: Sequence[str]) -> float:
    if len(titles) < MIN_ROWS_FOR_TITLES:
        return 0.0
    return sum(bool(keyword_match(item, title)) for title in titles) / len(titles)


# ----------------------------------------------------------------------------- proposals


def propose(
    home: TextResponse, pages: Mapping[str, TextResponse], *, checklist: Checklist, today: dt.date
) -> list[Proposal]:
    """A proposal per page that holds a list: the home page first, then the candidates in page order."""
    wanted = [("首页", home.url, home, True)]
    wanted += [(name, url, pages[url], False) for name, url in candidate_links(home) if url in pages]
    found = []
    for name, url, page, is_home in wanted:
        try:
            proposal = read_candidate(name, url, page, checklist=checklist, today=today, is_home=is_home)
        except Exception:  # one odd page must not cost the others
            log.exception("cannot read %s", url)
            continue
        if proposal is not None:
            found.append(proposal)
    ids = unique_ids("home" if p.kind == "homepage" else column_id(p.url) for p in found)
    return [dataclasses.replace(p, id=new) for p, new in zip(found, ids, strict=True)]


def read_candidate(
    name: str, url: str, page: TextResponse, *, checklist: Checklist, today: dt.date, is_home: bool = False
) -> Proposal | None:
    """The proposal for one fetched page (id left empty), or None when no list is found on it."""
    name = name or _page_title(page) or column_id(url)
    column = Column(id="discovered", name=name, url=url, cms="auto", kind="notice")
    listing = extract_list(page, column=column, today=today)
    if not listing.found:
        return None
    hosts = {host_of(url), host_of(page.url)}
    rows = [row for row in listing.rows if host_of(row.url) in hosts]
    titles = [row.title for row in rows]
    return Proposal(
        id="",
        name=name,
        url=url,
        cms="auto" if listing.profile == "generic" else listing.profile,
        kind="homepage" if is_home else column_kind(name),
        checklist=() if is_home else guess_checklist(name, titles, checklist=checklist, host=host_of(url)),
        items_seen=len(rows),
        newest=max((row.published_on for row in rows if row.published_on), default=None),
    )


def _page_title(page: TextResponse) -> str:
    """The first part of the page's <title> (``通知公告-某某大学`` → 通知公告)."""
    title = collapse(" ".join(decode_fix(page).css("title::text").getall()))
    return clean_name(re.split(r"\s*[-_|–—]\s*", title, maxsplit=1)[0]) if title else ""


# ----------------------------------------------------------------------------- YAML


class _Flow(list[str]):
    """A list rendered in flow style: ``checklist: [a, b]``."""


class _Dumper(yaml.SafeDumper):
    """Block sequences indented under their key, as in config/hit.yaml."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_Dumper.add_representer(
    _Flow, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
)


def to_yaml(proposals: Sequence[Proposal]) -> str:
    """The ``columns:`` block, 2-space indented, with a comment per column on what was seen."""
    columns = [_entry(p) for p in proposals]
    text = yaml.dump({"columns": columns}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    comments = iter(_comment(p) for p in proposals)
    lines = [
        f"  # {next(comments)}\n{line}" if line.startswith("  - ") else line for line in text.splitlines()
    ]
    return "\n".join(lines) + "\n"


def _entry(p: Proposal) -> dict[str, object]:
    entry: dict[str, object] = {"id": p.id, "name": p.name, "url": p.url, "cms": p.cms, "kind": p.kind}
    if p.checklist:
        entry["checklist"] = _Flow(p.checklist)
    return entry


def _comment(p: Proposal) -> str:
    if not p.items_seen:
        return "0 items: a blank column, or a list not read right"
    newest = f"newest {p.newest.isoformat()}" if p.newest else "no dates read"
    return f"{p.items_seen} item{'s' * (p.items_seen != 1)}, {newest}"
