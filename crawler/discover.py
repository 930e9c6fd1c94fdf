"""Column discovery: from a site's home page to a ``columns:`` block ready to paste into the config.

Pure functions over Scrapy responses, tested on saved HTML and JSON; ``crawler.discover_run``
fetches what :func:`wanted` asks for.

1. :func:`crawler.discover_links.candidate_links` lists the home page's nav and 更多 links.
2. :func:`propose` reads each candidate with ``cms: auto`` (the crawler's own
   :func:`crawler.extract.extract_list`: family profiles, then the generic finder, which reads
   title-only lists too). A page holding a list becomes a :class:`Proposal` with the profile that
   read it, a kind and checklist guesses from its name (and its row titles), and an id made from
   its URL path. The home page itself is proposed as the ``home`` column (kind ``homepage``) when
   it holds a list too.
3. A page without rows whose script reads a JSON endpoint (:mod:`crawler.discover_api`) is
   proposed as ``cms: jsonapi`` with the ``api:`` mapping inferred from one page of the endpoint,
   when the crawler's ``jsonapi`` profile reads rows with it.
4. A candidate that robots.txt disallows is proposed unread, marked, so that the office knows the
   column exists and that it cannot be checked. A page that is no list is not proposed.
5. :func:`check_pager`: the next page of each proposal is fetched once and must be a list of the
   same shape; the comment says when it is not.
6. :func:`to_yaml` renders the block, with comment lines per column saying what was seen on it.

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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import yaml
from scrapy.http import HtmlResponse, TextResponse

from crawler.discover_api import infer_mapping, script_endpoints
from crawler.discover_links import candidate_links, clean_name, column_id, unique_ids
from crawler.extract import Listed, Listing, decode_fix, extract_list
from crawler.profiles import GENERIC
from crawler.profiles.html import collapse
from crawler.urls import host_of
from monitor.config import ApiMapping, Checklist, ChecklistItem, Column

__all__ = [
    "Fetched",
    "Proposal",
    "candidate_links",
    "check_pager",
    "clean_name",
    "column_id",
    "column_kind",
    "guess_checklist",
    "propose",
    "read_candidate",
    "to_yaml",
    "unique_ids",
    "wanted",
]

log = logging.getLogger(__name__)


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
    if not isinstance(page, HtmlResponse):  # a column's page is HTML (a JSON answer is an endpoint)
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
        elif disallowed := _disallowed_endpoint(page, fetched=fetched):
            return _disallowed(name, url, checklist=checklist, endpoint=disallowed)
    if not listing.found:
        return None
    rows = _own_rows(listing, url, page.url)
    if listing.rows and not rows:  # every link leads to other sites: a directory, no column of items
        return None
    notes = () if is_home else _notes(listing, rows, column=column, fetched=fetched, today=today)
    if not rows and not is_home:
        notes += tuple(_unread_endpoints(page, fetched=fetched))
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
        notes=notes,
    )


def _cms(profile: str) -> str:
    return "auto" if profile == GENERIC else profile


def _own_rows(listing: Listing, *urls: str) -> list[Listed]:
    """The rows on the column's own host(s): links to other sites are not its items."""
    hosts = {host_of(url) for url in urls}
    return [row for row in listing.rows if host_of(row.url) in hosts]


def _disallowed(name: str, url: str, *, checklist: Checklist, endpoint: str | None = None) -> Proposal:
    return Proposal(
        id="",
        name=name,
        url=url,
        cms="auto",
        kind=column_kind(name),
        checklist=guess_checklist(name, [], checklist=checklist, host=host_of(url)),
        items_seen=0,
        newest=None,
        notes=(f"its page is filled from {endpoint}, which robots.txt disallows",) if endpoint else (),
        robots_disallowed=True,
    )


def _unread_endpoints(page: TextResponse, *, fetched: Fetched) -> Iterator[str]:
    """Why the JSON endpoints that a blank page's scripts read gave no list."""
    for endpoint in script_endpoints(page):
        why = fetched.failure(endpoint.url) or "no list of entries with a title and a link in it"
        yield f"its page's script reads {endpoint.url}: {why}"


def _disallowed_endpoint(page: TextResponse, *, fetched: Fetched) -> str | None:
    """The first JSON endpoint of the page's scripts that robots.txt disallows, if any."""
    urls = (endpoint.url for endpoint in script_endpoints(page))
    return next((url for url in urls if fetched.failure(url) == "robots_disallowed"), None)


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


def _notes(
    listing: Listing, rows: Sequence[Listed], *, column: Column, fetched: Fetched, today: dt.date
) -> tuple[str, ...]:
    """The comment lines after a column's first: where its dates come from, and its pager."""
    notes = list(_date_notes(rows))
    if rows:
        notes.append(check_pager(listing, column=column, fetched=fetched, today=today))
        if notes[-1] == NO_NEXT_PAGE and not any(row.published_on for row in rows):
            notes.append("no dates and one page only: check that it is a column of items")
    return tuple(notes)


def _date_notes(rows: Sequence[Listed]) -> Iterable[str]:
    """What the office should know about where the rows' dates come from, when not the list."""
    sources = Counter(row.date_source for row in rows)
    if rows and sources[None] == len(rows):
        yield "the crawler opens each new item's page once for its date"
    elif sources["url"] > len(rows) / 2:  # not when a few relative words were checked against URLs
        yield f"{sources['url']} of {len(rows)} dated by their URLs"


# ----------------------------------------------------------------------------- pager

NO_NEXT_PAGE = "pager: no next page (one page of items)"
MIN_SECOND_PAGE_SHARE = 0.5  # of its rows that must be new for a next page to be a next page


def check_pager(listing: Listing, *, column: Column, fetched: Fetched, today: dt.date) -> str:
    """One line on the column's next page: fetched once, it must be a list of the same shape
    (read by the same profile, with rows not on the first page, dated if the first is)."""
    following = listing.next_url or next(iter(listing.page_urls), None)
    if following is None:
        return NO_NEXT_PAGE
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
        return ["robots.txt disallows this column: it cannot be checked", *p.notes]
    if not p.items_seen:
        return ["0 items: a blank column, or a list not read right", *p.notes]
    newest = f"newest {p.newest.isoformat()}" if p.newest else "no dates on the list"
    endpoint = " from the JSON endpoint its page's script reads" if p.api else ""
    return [f"{p.items_seen} item{'s' * (p.items_seen != 1)}{endpoint}, {newest}", *p.notes]


def _one_line(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())
