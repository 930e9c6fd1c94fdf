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
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml
from lxml import etree
from parsel import Selector
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from crawler.discover_api import infer_mapping, script_endpoints
from crawler.extract import Listed, Listing, decode_fix, extract_list
from crawler.middlewares import is_login_url
from crawler.profiles import GENERIC
from crawler.profiles.html import collapse, text_of
from crawler.profiles.rows import looks_like_date
from crawler.urls import canonical, host_of, is_attachment
from monitor.config import ApiMapping, Checklist, ChecklistItem, Column

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
    """One column to propose, with what its first page (and its next one) showed."""

    id: str
    name: str
    url: str
    cms: str  # webplus | vsb | drupal | jsonapi | auto
    kind: str
    checklist: tuple[str, ...]
    items_seen: int
    newest: dt.date | None
    api: ApiMapping | None = None  # for cms: jsonapi, the endpoint its page's script reads
    notes: tuple[str, ...] = ()  # comment lines after the first: dates, pager check
    robots_disallowed: bool = False  # proposed unread, so that the office knows it exists


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


class Fetched:
    """What the discovery spider fetched, by requested URL: responses, and the outcome of each
    request that failed (robots_disallowed, not_found, …). Remembers the URLs asked for that it
    lacks, which is how :func:`wanted` learns what a candidate still needs."""

    def __init__(self, pages: Mapping[str, TextResponse], failed: Mapping[str, str] | None = None) -> None:
        self.pages, self.failed = pages, failed or {}
        self.missing: list[str] = []

    def get(self, url: str) -> TextResponse | None:
        page = self.pages.get(url)
        if page is None and url not in self.failed and url not in self.missing:
            self.missing.append(url)
        return page

    def failure(self, url: str) -> str | None:
        return self.failed.get(url)


def propose(
    home: TextResponse,
    pages: Mapping[str, TextResponse],
    *,
    checklist: Checklist,
    today: dt.date,
    failed: Mapping[str, str] | None = None,
) -> list[Proposal]:
    """A proposal per list column: the home page first (when it holds a list), then the candidates
    in page order, those that robots.txt disallows included (marked, unread)."""
    fetched = Fetched({**pages, home.url: home}, failed)
    candidates = [("首页", home.url, True)] + [(name, url, False) for name, url in candidate_links(home)]
    found = []
    for name, url, is_home in candidates:
        try:
            proposal = read_candidate(name, url, fetched, checklist=checklist, today=today, is_home=is_home)
        except Exception:  # one odd page must not cost the others
            log.exception("cannot read %s", url)
            continue
        if proposal is not None:
            found.append(proposal)
    ids = unique_ids("home" if p.kind == "homepage" else column_id(p.url) for p in found)
    return [dataclasses.replace(p, id=new) for p, new in zip(found, ids, strict=True)]


def wanted(name: str, url: str, fetched: Fetched, *, checklist: Checklist, today: dt.date) -> list[str]:
    """The URLs that reading this candidate needs and ``fetched`` lacks: the candidate itself, then
    its next list page (the pager check), or the JSON endpoints its scripts read and their next pages."""
    fetched.missing = []
    read_candidate(name, url, fetched, checklist=checklist, today=today)
    return list(fetched.missing)


def read_candidate(
    name: str,
    url: str,
    fetched: Fetched,
    *,
    checklist: Checklist,
    today: dt.date,
    is_home: bool = False,
) -> Proposal | None:
    """The proposal for one candidate (id left empty), or None when it holds no list."""
    if fetched.failure(url) == "robots_disallowed":
        return _disallowed(name or column_id(url), url, checklist=checklist)
    page = fetched.get(url)
    if page is None:
        return None
    name = name or _page_title(page) or column_id(url)
    column = Column(id="discovered", name=name, url=url, cms="auto", kind="notice")
    listing = extract_list(page, column=column, today=today)
    api: ApiMapping | None = None
    if not listing.rows and not is_home:
        json_read = _json_listing(page, name=name, fetched=fetched, today=today)
        if json_read is not None:
            listing, column = json_read
            api = column.api
    if not listing.found:
        return None
    rows = _own_rows(listing, url, page.url)
    notes = list(_date_notes(rows))
    if rows and not is_home:
        notes.append(check_pager(listing, column=column, fetched=fetched, today=today))
    return Proposal(
        id="",
        name=name,
        url=url,
        cms=_cms(listing.profile),
        kind="homepage" if is_home else column_kind(name),
        checklist=()
        if is_home
        else guess_checklist(name, [r.title for r in rows], checklist=checklist, host=host_of(url)),
        items_seen=len(rows),
        newest=max((row.published_on for row in rows if row.published_on), default=None),
        api=api,
        notes=tuple(notes),
    )


def _cms(profile: str) -> str:
    return "auto" if profile == GENERIC else profile


def _own_rows(listing: Listing, *urls: str) -> list[Listed]:
    """The rows on the column's own host(s): links to other sites are not its items."""
    hosts = {host_of(url) for url in urls}
    return [row for row in listing.rows if host_of(row.url) in hosts]


def _disallowed(name: str, url: str, *, checklist: Checklist) -> Proposal:
    return Proposal(
        id="",
        name=name,
        url=url,
        cms="auto",
        kind=column_kind(name),
        checklist=guess_checklist(name, [], checklist=checklist, host=host_of(url)),
        items_seen=0,
        newest=None,
        robots_disallowed=True,
    )


def _json_listing(
    page: TextResponse, *, name: str, fetched: Fetched, today: dt.date
) -> tuple[Listing, Column] | None:
    """The first endpoint of the page's scripts whose fetched page reads as a list with the
    mapping inferred from it, read by the crawler's own jsonapi profile; None when none does."""
    for endpoint in script_endpoints(page):
        response = fetched.get(endpoint.url)
        mapping = infer_mapping(response, endpoint, today=today) if response is not None else None
        if response is None or mapping is None:
            continue
        column = Column(id="discovered", name=name, url=page.url, cms="jsonapi", kind="notice", api=mapping)
        listing = extract_list(response, column=column, today=today)
        if listing.rows:
            return listing, column
    return None


def _date_notes(rows: Sequence[Listed]) -> Iterable[str]:
    """What the office should know about where the rows' dates come from, when not the list."""
    sources = Counter(row.date_source for row in rows)
    if rows and sources[None] == len(rows):
        yield "the crawler opens each new item's page once for its date"
    elif sources["url"] > len(rows) / 2:  # not when a few relative words were checked against URLs
        yield f"{sources['url']} of {len(rows)} dated by their URLs"


# ----------------------------------------------------------------------------- pager

MIN_SECOND_PAGE_SHARE = 0.5  # of its rows that must be new for a next page to be a next page


def check_pager(listing: Listing, *, column: Column, fetched: Fetched, today: dt.date) -> str:
    """One line on the column's next page: fetched once, it must be a list of the same shape
    (read by the same profile, with rows not on the first page, dated if the first is)."""
    following = listing.next_url or next(iter(listing.page_urls), None)
    if following is None:
        return "pager: no next page (one page of items)"
    failure = fetched.failure(following)
    if failure:
        return f"pager: its next page could not be read ({failure}): {following}"
    page = fetched.get(following)
    if page is None:
        return f"pager: its next page was not fetched: {following}"
    second = extract_list(page, column=column, today=today, profile=listing.profile)
    problem = _shape_problem(listing, second)
    if problem:
        return f"pager: {problem}: check it by hand: {following}"
    return f"pager checked: the next page lists {len(second.rows)} more items"


def _shape_problem(first: Listing, second: Listing) -> str | None:
    if not second.found or not second.rows:
        return "its next page shows no list"
    if second.profile != first.profile:
        return f"its next page reads as {_cms(second.profile)}, not as {_cms(first.profile)}"
    seen = {row.url for row in first.rows}
    new = [row for row in second.rows if row.url not in seen]
    if len(new) < MIN_SECOND_PAGE_SHARE * len(second.rows):
        return "its next page repeats the first page"
    if any(r.published_on for r in first.rows) and not any(r.published_on for r in second.rows):
        return "its next page shows no dates"
    return None


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
    """The ``columns:`` block, 2-space indented, with comment lines per column on what was seen.

    Each column is dumped on its own by the YAML library, so every value is escaped as YAML needs;
    comment text is reduced to printable characters on one line (crawled text is untrusted).
    """
    lines = ["columns:"]
    for proposal in proposals:
        lines += [f"  # {_one_line(text)}" for text in _comments(proposal)]
        text = yaml.dump([_entry(proposal)], Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
        lines += [f"  {line}" for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def _entry(p: Proposal) -> dict[str, object]:
    name = _one_line(p.name)  # a name on one line, however the page wrapped it
    entry: dict[str, object] = {"id": p.id, "name": name, "url": p.url, "cms": p.cms, "kind": p.kind}
    if p.checklist:
        entry["checklist"] = _Flow(p.checklist)
    if p.api is not None:
        entry["api"] = p.api.model_dump(exclude_defaults=True, exclude_none=True)
    return entry


def _comments(p: Proposal) -> list[str]:
    if p.robots_disallowed:
        return ["robots.txt disallows this column: it cannot be checked (not fetched)"]
    if not p.items_seen:
        return ["0 items: a blank column, or a list not read right", *p.notes]
    newest = f"newest {p.newest.isoformat()}" if p.newest else "no dates on the list"
    endpoint = " from the JSON endpoint its page's script reads" if p.api else ""
    return [f"{p.items_seen} item{'s' * (p.items_seen != 1)}{endpoint}, {newest}", *p.notes]


def _one_line(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())
