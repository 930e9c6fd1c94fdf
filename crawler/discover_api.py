"""JSON-backed columns for discovery: the endpoint a shell page's script reads, and its ``api:`` mapping.

Some column pages are an empty shell that a script fills from a JSON endpoint (Sudy's
``/_wp3services/generalQuery``, a custom ``/api/list?page=1``). :func:`script_endpoints` finds the
endpoint in the page: the first argument of ``fetch(…)``, ``$.ajax(…)``/``$.get(…)``/``$.getJSON(…)``
/``$.post(…)``, ``axios.get(…)``, ``xhr.open("GET", …)``, a ``url: …`` key of an options object, or
a ``data-url``/``data-api`` attribute. A URL may be built from string pieces, string variables of
the same script and a page variable (``"/api/list?page=" + page``, `` `/api/list?page=${page}` ``);
any other variable makes the URL unknowable, and it is left out. The request's data object
(``$.ajax({url: u, data: {columnId: 5, pageIndex: pageIndex}})``, ``$.get(u, {…})``) joins the
query: real Sudy shells POST it, and ``generalQuery`` answers the same by GET (keys whose value is
another variable are left out, to the server's default). The page number becomes ``{page}``: the
page variable or key, else the query parameter named like a page (page, pageIndex, pageNo, pn,
curPage, …) valued 0 or 1.

:func:`infer_mapping` reads one fetched page of the endpoint and names, by the values and then by
the key names, the list of entries (``data``, ``data.rows``), the title, the link and the date
fields of its entries (a publication date before a creation or update date). The caller checks
the mapping by reading the page with the crawler's own ``jsonapi`` profile.

Pure functions; the script text is untrusted and only ever matched, never run. Only endpoints on
the page's own host are proposed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from pydantic import ValidationError
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url
from w3lib.url import safe_url_string

from crawler import dates
from crawler.urls import host_of
from monitor.config import ApiMapping

PLACEHOLDER = "{page}"
#: Names of a page number, as a variable or a query parameter.
PAGE_NAME = re.compile(
    r"^(?:page|pages|pageindex|pageno|pagenum|pagenumber|page_no|page_num|page_index|pn|p|"
    r"curpage|currentpage|cur_page|current|pageidx|pagecurrent)$",
    re.IGNORECASE,
)
_LITERAL = r"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`)"""
_PIECE = rf"(?:{_LITERAL}|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)"
_EXPRESSION = rf"{_PIECE}(?:\s*\+\s*{_PIECE})*"
_CALL = re.compile(
    r"(?:\bfetch|\$\.(?:getJSON|get|post|ajax)|\bjQuery\.(?:getJSON|get|post|ajax)|\baxios(?:\.get|\.post)?"
    r"|\.open\s*\(\s*[\"'](?:GET|POST)[\"']\s*,)"
    rf"\s*\(?\s*(?P<expr>{_EXPRESSION})\s*[,)]",
    re.IGNORECASE,
)
_URL_KEY = re.compile(rf"""["']?\b(?:url|api|dataUrl|listUrl)["']?\s*:\s*(?P<expr>{_EXPRESSION})\s*[,}}\n]""")
_PIECES = re.compile(_PIECE)
_STRING_VAR = re.compile(rf"(?:\bvar|\blet|\bconst)\s+([A-Za-z_$][\w$]*)\s*=\s*({_LITERAL})\s*[;,\n]")
#: A request's data object: right after the URL (``$.get(url, {…})``), or an options object's
#: ``data:`` key within the next few hundred characters (``$.ajax({url: …, data: {…}})``).
_DATA = re.compile(r"^,\s*\{(?P<args>[^{}]*)\}|\bdata\s*:\s*\{(?P<options>[^{}]*)\}")
_PAIR = re.compile(rf"""["']?([A-Za-z_$][\w$]*)["']?\s*:\s*({_LITERAL}|-?\d+(?:\.\d+)?|[A-Za-z_$][\w$.]*)""")
_DATA_REACH = 800
DATA_ATTRIBUTES = ("data-url", "data-api", "data-src", "data-source", "data-list-url", "data-api-url")
#: Script-read URLs that are never a list: scripts, styles, images, fonts, pages for people.
_NOT_DATA = re.compile(
    r"\.(?:js|css|png|jpe?g|gif|svg|webp|ico|woff2?|ttf|eot|map|pdf|docx?|xlsx?)(?:[?#]|$)", re.IGNORECASE
)
MAX_ENDPOINTS = 3


@dataclass(frozen=True)
class Endpoint:
    """A JSON endpoint a page's script reads: its URL template and the page to fetch first."""

    template: str  # absolute URL holding {page}
    first_page: int

    @property
    def url(self) -> str:
        return self.template.replace(PLACEHOLDER, str(self.first_page))

    def page_url(self, page: int) -> str:
        return self.template.replace(PLACEHOLDER, str(page))


# ----------------------------------------------------------------------------- endpoints


def script_endpoints(page: TextResponse) -> list[Endpoint]:
    """The JSON endpoints the page's scripts and data attributes name, on its host, in page order."""
    base = get_base_url(page)
    found: dict[str, Endpoint] = {}
    for raw, first_page in _raw_urls(page):
        endpoint = _endpoint(raw, base=base, host=host_of(page.url), first_page=first_page)
        if endpoint is not None:
            found.setdefault(endpoint.template, endpoint)
    return list(found.values())[:MAX_ENDPOINTS]


def _raw_urls(page: TextResponse) -> Iterator[tuple[str, int]]:
    """(URL as the script writes it, possibly with {page}; the first page's number)."""
    for script in page.css("script:not([src])::text").getall():
        strings = {name: _unescape(value[1:-1]) for name, value in _STRING_VAR.findall(script)}
        for pattern in (_CALL, _URL_KEY):
            for match in pattern.finditer(script):
                url = _joined(match["expr"], strings)
                if url:
                    yield _with_data(url, script[match.end() - 1 : match.end() + _DATA_REACH], strings)
    for name in DATA_ATTRIBUTES:
        yield from ((url, 1) for url in page.css(f"[{name}]::attr({name})").getall())


def _joined(expression: str, strings: dict[str, str]) -> str | None:
    """A concatenation of string pieces, string variables and a page variable as one URL with
    {page}; None when a piece is some other variable (unknowable without running the script)."""
    out = []
    for piece in _PIECES.findall(expression):
        if piece[0] in "\"'`":
            text = _template_literal(piece[1:-1]) if piece[0] == "`" else _unescape(piece[1:-1])
            if text is None:
                return None
            out.append(text)
        elif PAGE_NAME.match(piece.rpartition(".")[2]):
            out.append(PLACEHOLDER)
        elif piece in strings:
            out.append(strings[piece])
        else:
            return None
    return "".join(out) or None


def _with_data(url: str, after: str, strings: dict[str, str]) -> tuple[str, int]:
    """The URL with the request's ``data`` object (``$.ajax({url, data: {…}})``, ``$.get(url, {…})``)
    as its query, as Sudy's generalQuery also answers it by GET: literal values kept, the page key
    as {page}, keys whose value is some other variable left out (the server's default)."""
    found = _DATA.search(after)
    if found is None:
        return url, 1
    pairs, first_page = [], 1
    for key, value in _PAIR.findall(found["args"] or found["options"]):
        if PAGE_NAME.match(key):
            pairs.append((key, PLACEHOLDER))
            first_page = int(value) if value in ("0", "1") else 1
        elif value[0] in "\"'":
            pairs.append((key, _unescape(value[1:-1])))
        elif re.fullmatch(r"-?\d+(?:\.\d+)?", value) or value in strings:
            pairs.append((key, strings.get(value, value)))
    if not pairs:
        return url, 1
    query = urlencode(pairs, safe="{}")
    return f"{url}{'&' if '?' in url else '?'}{query}", first_page


def _template_literal(text: str) -> str | None:
    parts = re.split(r"\$\{\s*([^}]*?)\s*\}", text)
    for i in range(1, len(parts), 2):
        if not PAGE_NAME.match(parts[i].rpartition(".")[2]):
            return None
        parts[i] = PLACEHOLDER
    return "".join(parts)


def _unescape(text: str) -> str:
    # &amp; in a script is a template's escaping slip: a browser would send it as it stands, but
    # the URL the author meant (and the server answers) has a plain &.
    return re.sub(r"\\(.)", r"\1", text).replace("&amp;", "&")


def _endpoint(raw: str, *, base: str, host: str, first_page: int = 1) -> Endpoint | None:
    """The endpoint of one script-read URL, its query kept in the author's order; None when it
    is an asset, on another host, or names no page."""
    raw = raw.strip()
    if not raw or _NOT_DATA.search(raw) or raw.count(PLACEHOLDER) > 1:
        return None
    url = safe_url_string(urljoin(base, raw.replace(PLACEHOLDER, _MARKER))).partition("#")[0]
    if urlsplit(url).scheme not in ("http", "https") or host_of(url) != host:
        return None
    if _MARKER in url:
        return Endpoint(url.replace(_MARKER, PLACEHOLDER), first_page=first_page)
    return _with_page_parameter(url)


_MARKER = "9137264501"  # stands for {page} while the URL is joined and escaped: no URL holds it


def _with_page_parameter(url: str) -> Endpoint | None:
    """The URL with its page-named query parameter (valued 0 or 1) as {page}; None when it names none."""
    head, _, query = url.partition("?")
    pairs = query.split("&")
    for n, pair in enumerate(pairs):
        name, _, value = pair.partition("=")
        if PAGE_NAME.match(name) and value in ("0", "1"):
            pairs[n] = f"{name}={PLACEHOLDER}"
            return Endpoint(f"{head}?{'&'.join(pairs)}", first_page=int(value))
    return None


# ----------------------------------------------------------------------------- mapping

MIN_SHARE = 0.8  # of the entries that must hold a field for it to be the field
_TITLE_KEYS = re.compile(r"^(?:title|name|subject|topic|bt|headline|articletitle|newstitle|caption)$", re.I)
_LINK_KEYS = re.compile(r"url|link|href|path", re.I)
_IMAGE_KEYS = re.compile(r"img|image|pic|photo|thumb|cover|icon|logo|avatar", re.I)
_LINKY = re.compile(r"^(?:https?://|/|\./|\.\./)|\.(?:s?html?|jsp|php|aspx?|psp|do)(?:[?#]|$)", re.I)
#: Date keys, best first: publication, then a plain date or time, then creation, then update.
_DATE_KEYS = (
    re.compile(r"publish|pub|release|issue|fbsj|fbrq|posted", re.I),
    re.compile(r"^(?!.*(?:create|add|insert|update|modif|edit)).*(?:date|time|day|rq|sj)", re.I),
    re.compile(r"create|add|insert|cjsj", re.I),
    re.compile(r"update|modif|edit", re.I),
)
_EPOCH_RANGE = (
    dt.datetime(1990, 1, 1, tzinfo=dt.UTC).timestamp(),
    dt.datetime(2100, 1, 1, tzinfo=dt.UTC).timestamp(),
)
_MAX_DEPTH = 4
_NUMERIC = re.compile(r"[\d\s.:/-]+")


def infer_mapping(response: TextResponse, endpoint: Endpoint, *, today: dt.date) -> ApiMapping | None:
    """The ``api:`` mapping that reads this endpoint page, or None when it holds no list of entries."""
    try:
        data = json.loads(response.text)
    except ValueError:
        return None
    for path, entries in sorted(_entry_lists(data, ""), key=lambda found: -len(found[1])):
        fields = _fields(entries, today=today)
        if fields is not None:
            return _mapping(endpoint, path, *fields)
    return None


def _mapping(endpoint: Endpoint, items: str, title: str, link: str, date: str | None) -> ApiMapping | None:
    """The mapping, or None when the config would refuse it (a URL it does not take)."""
    try:
        return ApiMapping(
            url=endpoint.template,
            items=items,
            title=title,
            link=link,
            date=date,
            first_page=endpoint.first_page,
        )
    except ValidationError:
        return None


def _entry_lists(data: Any, path: str, depth: int = 0) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(dotted path, list) of every non-empty list of objects below the top-level object."""
    if depth > _MAX_DEPTH or not isinstance(data, dict):
        return
    for key, value in data.items():
        inner = f"{path}.{key}" if path else str(key)
        if isinstance(value, list) and value and all(isinstance(entry, dict) for entry in value):
            yield inner, value
        elif isinstance(value, dict):
            yield from _entry_lists(value, inner, depth + 1)


def _fields(entries: list[dict[str, Any]], *, today: dt.date) -> tuple[str, str, str | None] | None:
    flat = [dict(_flatten(entry, "")) for entry in entries]
    keys = list(dict.fromkeys(key for entry in flat for key in entry))
    columns = {key: [entry.get(key) for entry in flat] for key in keys}
    link = _best(keys, columns, _is_link, hints=(_LINK_KEYS,), avoid=_IMAGE_KEYS)
    title = _best(
        [k for k in keys if k != link], columns, _is_title, hints=(_TITLE_KEYS,), prefer_longest=True
    )
    if link is None or title is None:
        return None
    date = _best(
        [k for k in keys if k not in (link, title)],
        columns,
        lambda v: _is_date(v, today=today),
        hints=_DATE_KEYS,
    )
    return title, link, date


def _flatten(entry: dict[str, Any], prefix: str, depth: int = 0) -> Iterator[tuple[str, Any]]:
    for key, value in entry.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth < 1:
            yield from _flatten(value, f"{name}.", depth + 1)
        else:
            yield name, value


def _best(
    keys: list[str],
    columns: dict[str, list[Any]],
    fits: Any,
    *,
    hints: tuple[re.Pattern[str], ...],
    avoid: re.Pattern[str] | None = None,
    prefer_longest: bool = False,
) -> str | None:
    """The key whose values fit on most entries: by name hint rank, then (titles) the longest text."""
    scored = []
    for order, key in enumerate(keys):
        values = columns[key]
        if sum(1 for v in values if fits(v)) < MIN_SHARE * len(values) or (avoid and avoid.search(key)):
            continue
        last = key.rpartition(".")[2]
        rank = next((n for n, hint in enumerate(hints) if hint.search(last)), len(hints))
        length = sum(len(str(v)) for v in values) / len(values) if prefer_longest else 0
        scored.append((rank, -length, order, key))
    return min(scored)[3] if scored else None


def _is_link(value: Any) -> bool:
    return isinstance(value, str) and bool(_LINKY.search(value.strip())) and " " not in value.strip()


def _is_title(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    return len(text) >= 2 and not _is_link(text) and not _NUMERIC.fullmatch(text)


def _is_date(value: Any, *, today: dt.date) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return _EPOCH_RANGE[0] <= seconds <= _EPOCH_RANGE[1]
    return isinstance(value, str) and len(value) <= 40 and dates.parse(value, today=today) is not None
