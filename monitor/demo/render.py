"""Render a route of a demo site to response bytes: list pages, articles, files, special pages.

Templates are Jinja2 with autoescape on. A site's pages are encoded as the site declares: UTF-8,
GB18030 behind ``<meta charset="gbk">`` (Content-Type without charset), or UTF-8 bytes behind a
lying ``charset=gb2312`` meta tag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any

import jinja2

from monitor.demo import listing, paging, pii, urls
from monitor.demo.model import SHANGHAI, DemoCampus, DemoColumn, DemoItem, DemoSite
from monitor.demo.routes import Route

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("monitor.demo", "templates"),
    autoescape=True,
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_DEPTS = ("党委宣传部", "学生工作部", "本科生院", "研究生院", "人事处", "科学技术研究院", "国际合作部")
_REASONS = {403: "Forbidden", 404: "Not Found", 405: "Not Allowed", 503: "Service Temporarily Unavailable"}
_FILE_BYTES = {
    "pdf": b"%PDF-1.4\n% demo\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
    "docx": b"PK\x05\x06" + bytes(18),  # an empty zip archive
    "xlsx": b"PK\x05\x06" + bytes(18),
}


@dataclass(frozen=True)
class Rendered:
    """A response ready to send; ``headers`` are precomputed ASGI header pairs."""

    status: int
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    etag: str | None = None
    last_modified: dt.datetime | None = None


def respond(status: int, body: bytes, content_type: str, *, modified: dt.datetime | None = None,
            extra: tuple[tuple[str, str], ...] = ()) -> Rendered:  # fmt: skip
    """A response with Content-Length; 200s also carry an ETag and, if known, Last-Modified."""
    headers = [("content-type", content_type), ("content-length", str(len(body))), *extra]
    etag = None
    if status == 200:
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:20] + '"'
        headers.append(("etag", etag))
        if modified is not None:
            headers.append(("last-modified", format_datetime(modified, usegmt=True)))
    encoded = tuple((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers)
    return Rendered(status, body, encoded, etag, modified)


def html(site: DemoSite, template: str, context: dict[str, Any], *, modified: dt.datetime | None) -> Rendered:
    """Render a site page and encode it the way the site declares its charset."""
    nav = [c for c in site.columns if c.behaviour != "missing"]
    text = _ENV.get_template(template).render(context, site=site, nav=nav, charset=site.encoding)
    if site.encoding == "gbk":
        return respond(200, text.encode("gb18030"), "text/html", modified=modified)
    content_type = "text/html" if site.encoding == "lying" else "text/html; charset=utf-8"
    return respond(200, text.encode("utf-8"), content_type, modified=modified)


def plain_page(template: str, **context: Any) -> bytes:
    """A page outside any site's look (login form, anti-bot challenge, error page), UTF-8."""
    return _ENV.get_template(template).render(**context).encode("utf-8")


def error(status: int) -> Rendered:
    body = plain_page("error.html", status=status, reason=_REASONS.get(status, "Error"))
    return respond(status, body, "text/html")


def render(campus: DemoCampus, site: DemoSite, route: Route) -> Rendered:
    """The response for a route that exists."""
    if route.kind == "robots":
        return respond(200, robots_txt(site).encode("ascii"), "text/plain", modified=_midnight(campus.today))
    if route.kind == "home":
        return html(site, "home.html", {}, modified=_midnight(campus.today))
    column = site.column(route.column)
    if route.kind == "attachment":
        return _attached(column, route.href)
    if route.kind in ("article", "file"):
        item = next(i for i in column.items if i.href == route.href)
        return _file(item) if route.kind == "file" else _article(campus, site, column, item)
    if route.kind == "redesigned":
        return html(site, "redesigned.html", {"column": column}, modified=column.modified)
    if route.kind == "shell":
        head, _, tail = paging.api_url(column, "{page}").partition("{page}")
        context = {"column": column, "api": paging.api_url(column, 1), "api_head": head, "api_tail": tail}
        return html(site, "api_shell.html", context, modified=column.modified)
    return _list(campus, site, column, route)


def robots_txt(site: DemoSite) -> str:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in site.robots_disallow)]
    return "\n".join(lines if site.robots_disallow else [*lines, "Disallow:"]) + "\n"


def _list(campus: DemoCampus, site: DemoSite, column: DemoColumn, route: Route) -> Rendered:
    if column.family == "jsonapi":
        entries = column.items[route.start : route.start + route.size]
        payload = listing.api_payload(column, entries, page=route.page)
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return respond(200, body, "application/json; charset=utf-8", modified=column.modified)
    items: Sequence[DemoItem]
    if column.family in ("drupal", "custom"):
        items = column.items[route.start : route.start + route.size]
    else:
        items = paging.page_items(column, route.page)
    page = paging.page_url(column, route.page)
    rows = listing.rows(column, items, page=page, today=campus.today)
    context = {"column": column, "rows": rows, "variant": column.template, "depts": _DEPTS}
    context["pager"] = _pager(column, route, page)
    return html(site, _list_template(column), context, modified=column.modified)


def _pager(column: DemoColumn, route: Route, page: str) -> dict[str, object]:
    if column.family == "webplus":
        return listing.webplus_pager(column, route.page)
    if column.family == "vsb":
        return listing.vsb_pager(column, route.page, page=page)
    if column.family == "drupal":
        return listing.drupal_pager(column, route.page - 1)
    if column.family in _PLAIN:
        return listing.plain_pager(column, route.page)
    return listing.custom_pager(column, route.start, route.size)


_PLAIN = ("jsp", "trs", "dede", "php")
#: VSB templates of the "静态翻页列表" kind, whose page keeps the CMS's editable-region comments.
_VSB_EDITABLE = ("vsb_ul", "vsb_table", "vsb_yearless")


def _list_template(column: DemoColumn) -> str:
    if column.template in _VSB_EDITABLE:
        return "vsb_editable_list.html"
    return f"{_template_of(column.family)}_list.html"


def _template_of(family: str) -> str:
    if family in _PLAIN:
        return "plain"
    return "webplus" if family == "jsonapi" else family


def _article(campus: DemoCampus, site: DemoSite, column: DemoColumn, item: DemoItem) -> Rendered:
    day = item.published_on or campus.today
    hour = 8 + item.id % 10
    context = {
        "column": column,
        "family": column.articles,
        "item": item,
        "day": f"{day:%Y-%m-%d}",
        "pubdate": f"{day:%Y-%m-%d} {hour:02d}:{item.id % 60:02d}",
        "stamp": f"{day:%Y-%m-%d} {hour:02d}:{item.id % 60:02d}",
        "seconds": f"{item.id * 7 % 60:02d}",
        "views": 50 + item.id % 997,
        "paragraphs": [*_paragraphs(column, item, day), *item.paragraphs, *pii.attachment_links(item)],
    }
    modified = dt.datetime.combine(day, dt.time(hour), SHANGHAI).astimezone(dt.UTC)
    return html(site, f"{_template_of(column.articles)}_article.html", context, modified=modified)


def _paragraphs(column: DemoColumn, item: DemoItem, day: dt.date) -> list[str]:
    return [
        "各单位、各部门：",
        f"根据学校工作安排，现就“{item.title}”有关事项说明如下，请认真遵照执行。",
        "一、高度重视，加强组织领导，明确责任分工，确保各项工作落到实处。",
        "二、严格程序，按照规定时间节点完成相关工作，并及时报送材料。",
        "三、如有疑问，请与相关部门联系。",
        column.name,
        f"{day.year}年{day.month}月{day.day}日",
    ]


def _file(item: DemoItem) -> Rendered:
    ext = urls.extension(item.href)
    modified = _midnight(item.published_on) if item.published_on else None
    return respond(200, _FILE_BYTES[ext], urls.ATTACHMENT_TYPES[ext], modified=modified)


def _attached(column: DemoColumn, href: str) -> Rendered:
    """A file an article links to (the personal-data traps' PDF, XLSX and DOCX; a trap's page)."""
    found = next(f for item in column.items for f in item.attachments if f.href == href)
    return respond(200, found.body, found.content_type or urls.ATTACHMENT_TYPES[urls.extension(href)])


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), SHANGHAI).astimezone(dt.UTC)
