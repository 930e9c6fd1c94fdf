"""Which page a request asks for: the path index of each site, and query parsing per family.

Static pages (WebPlus, VSB, JSP, TRS and DedeCMS lists, articles, files) are looked up in a dict
built once per campus version; so are the PHP lists and the JSP and PHP articles, whose query is
part of their key (in any order, as a crawler may sort it). Drupal, the hitsz-style CMS and the
JSON endpoint read their page from the query. A column whose URL is ``missing`` has no route, so
it answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, parse_qsl, urlencode

from monitor.demo import paging
from monitor.demo.model import DemoColumn, DemoSite
from monitor.demo.urls import API_PATH, ROWS_API_PATH

LOGIN_PATH = "/cas/login"


@dataclass(frozen=True)
class Route:
    """A page of a site: ``kind`` is home, robots, list, shell, api, redesigned, article or file."""

    kind: str
    column: str = ""
    page: int = 1  # list pages: the page number a reader sees
    start: int = 0  # offset lists (Drupal, hitsz, API): the first row and the row count
    size: int = 0
    href: str = ""  # articles and files


@dataclass
class SiteIndex:
    paths: dict[str, Route] = field(default_factory=dict)
    by_query: dict[str, DemoColumn] = field(default_factory=dict)  # base path → column
    api: dict[int, DemoColumn] = field(default_factory=dict)  # columnId → column
    rows_api: dict[int, DemoColumn] = field(default_factory=dict)  # catalogId → column


def build_index(site: DemoSite) -> SiteIndex:
    index = SiteIndex(paths={"/": Route("home"), "/robots.txt": Route("robots")})
    for column in site.columns:
        if column.behaviour != "missing":
            _add_column(index, column)
    return index


def _add_column(index: SiteIndex, column: DemoColumn) -> None:
    if column.behaviour == "redesigned":
        index.paths[column.path] = Route("redesigned", column.id)
        return
    if column.family in ("drupal", "custom"):
        index.by_query[column.path] = column
    elif column.family == "jsonapi":
        index.paths[column.path] = Route("shell", column.id)
        (index.rows_api if column.template == "api_rows" else index.api)[column.number] = column
    else:
        for k, url in enumerate(paging.list_urls(column), start=1):
            index.paths[_key(url)] = Route("list", column.id, page=k)
        for url in paging.first_page_aliases(column):
            index.paths[_key(url)] = Route("list", column.id)
    for item in column.items:
        if not item.external:
            kind = "file" if item.is_attachment else "article"
            index.paths.setdefault(_key(item.href), Route(kind, column.id, href=item.href))
            for attached in (a for a in item.attachments if not a.missing):
                index.paths.setdefault(attached.href, Route("attachment", column.id, href=attached.href))


def _key(url: str, query: str | None = None) -> str:
    """The index key of a site path with its query: the query's pairs sorted, or the bare path."""
    if query is None:
        url, _, query = url.partition("?")
    if not query:
        return url
    return f"{url}?{urlencode(sorted(parse_qsl(query, keep_blank_values=True)))}"


def resolve(index: SiteIndex, path: str, query: str) -> Route | None:
    """The route of a request, or None (404)."""
    route = (query and index.paths.get(_key(path, query))) or index.paths.get(path)
    if route is not None:
        return route
    if path == API_PATH:
        return _api_route(index, _params(query))
    if path == ROWS_API_PATH:
        return _rows_api_route(index, _params(query))
    column = index.by_query.get(path)
    if column is None:
        return None
    params = _params(query)
    if column.family == "drupal":
        page = max(0, _int(params, "page", 0))
        return Route("list", column.id, page=page + 1, start=page * column.page_size, size=column.page_size)
    size = min(100, max(1, _int(params, "maxPageItems", column.page_size)))
    start = max(0, _int(params, "pager.offset", 0))
    return Route("list", column.id, page=start // size + 1, start=start, size=size)


def _api_route(index: SiteIndex, params: dict[str, list[str]]) -> Route | None:
    if params.get("queryObj") != ["articles"]:
        return None
    column = index.api.get(_int(params, "columnId", 0))
    if column is None and len(index.api) == 1:
        column = next(iter(index.api.values()))
    if column is None:
        return None
    rows = min(100, max(1, _int(params, "rows", paging.API_ROWS)))
    page = max(1, _int(params, "pageIndex", 1))
    return Route("api", column.id, page=page, start=(page - 1) * rows, size=rows)


def _rows_api_route(index: SiteIndex, params: dict[str, list[str]]) -> Route | None:
    column = index.rows_api.get(_int(params, "catalogId", 0))
    if column is None:
        return None
    rows = min(100, max(1, _int(params, "pageSize", column.page_size)))
    page = max(1, _int(params, "pageNo", 1))
    return Route("api", column.id, page=page, start=(page - 1) * rows, size=rows)


def _params(query: str) -> dict[str, list[str]]:
    return parse_qs(query, keep_blank_values=True)


def _int(params: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return int(params[name][0])
    except (KeyError, ValueError):
        return default
