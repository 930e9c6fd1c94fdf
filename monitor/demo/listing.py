"""What a list page shows: its rows (link, title, list text, date as the template writes it) and
its pager, per CMS family. The templates only lay these values out.

Date cells follow campus-cms.md: ``2026-06-23`` (WebPlus ``news_meta``, tables, hitsz), split
``08-31`` + ``2026`` cells, ``[2026-06-23]`` (``span.fbll``), VSB ``<span> 2026-06-23</span>``
with its leading space, year-less ``[06-23]`` on a VSB "more" list, Drupal's 今天/昨天 and
``MM-DD``, and no date at all on the ``no_date`` templates.

Issue 10's shapes: VSB's ``ul.list_class_ul`` pairs and ``winstyle`` table cells ``2026-06-23``,
its year-less ``05-30`` (``span.fr``), the PHP site's date inside the link text ``（2018-12-21）``
or in a ``span.date`` inside the link, and title-only JSP, TRS and DedeCMS lists. TRS writes its
article links relative (``./202209/t20220901_480123.html``), the PHP site ``news_detail.php?id=…``.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.demo import paging, urls
from monitor.demo.model import DemoColumn, DemoItem

VOID = "javascript:void(0);"
_RELATIVE = {0: "今天", 1: "昨天"}


@dataclass(frozen=True)
class Row:
    id: int
    href: str  # as written in the page
    title: str  # the full title (a@title)
    text: str  # the link text, cut with "…" when the column truncates
    date: str  # the date cell as written, "" when none
    days: str  # split cells: MM-DD …
    year: str  # … and YYYY
    pinned: bool
    ext: str  # file extension of an attachment row, else ""


def rows(column: DemoColumn, items: Sequence[DemoItem], *, page: str, today: dt.date) -> list[Row]:
    return [_row(column, item, page=page, today=today) for item in items]


def _row(column: DemoColumn, item: DemoItem, *, page: str, today: dt.date) -> Row:
    href = _written_href(column, item, page=page)
    day = item.published_on
    return Row(
        id=item.id,
        href=href,
        title=item.title,
        text=_text(column, item.title),
        date=date_cell(column.template, day, today) if day else "",
        days=f"{day:%m-%d}" if day else "",
        year=f"{day:%Y}" if day else "",
        pinned=item.pinned,
        ext=urls.extension(href) if item.is_attachment else "",
    )


def _written_href(column: DemoColumn, item: DemoItem, *, page: str) -> str:
    if item.external or item.is_attachment:
        return item.href
    if column.family == "vsb":
        return urls.vsb_info_link(item.href, page=page)
    if column.family == "trs":
        return "./" + item.href.removeprefix(urls.directory(column.path))
    if column.family == "php":
        return item.href.lstrip("/")
    return item.href


def _text(column: DemoColumn, title: str) -> str:
    limit = column.truncate_at
    return title[: limit - 1] + "…" if limit is not None and len(title) > limit else title


def date_cell(template: str, day: dt.date, today: dt.date) -> str:
    """The date as a list template writes it."""
    if template.endswith("no_date"):
        return ""
    if template == "bracketed":
        return f"[{day:%Y-%m-%d}]"
    if template == "vsb":
        return f" {day:%Y-%m-%d}"
    if template in ("vsb_more", "vsb_yearless"):
        return f"[{day:%m-%d}]" if template == "vsb_more" else f"{day:%m-%d}"
    if template == "php_paren":
        return f"（{day:%Y-%m-%d}）"
    if template.startswith("drupal"):
        relative = _RELATIVE.get((today - day).days)
        short = template == "drupal_short"
        return relative or (f"{day:%m-%d}" if short else f"{day:%Y-%m-%d}")
    return f"{day:%Y-%m-%d}"


def webplus_pager(column: DemoColumn, k: int) -> dict[str, object]:
    """The ``wp_paging`` block: totals, and first/prev/next/last links (void when disabled)."""
    pages, base = paging.page_count(column), urls.directory(column.path)
    return {
        "count": len(column.items),
        "per": column.page_size,
        "page": k,
        "pages": pages,
        "first": f"{base}list1.htm" if k > 1 else VOID,
        "prev": f"{base}list{k - 1}.htm" if k > 1 else VOID,
        "next": paging.page_url(column, k + 1) if k < pages else VOID,
        "last": paging.page_url(column, pages) if k < pages else VOID,
    }


def vsb_pager(column: DemoColumn, k: int, *, page: str) -> dict[str, object]:
    """The ``pb_sys_common`` block: relative links, ``None`` for the disabled ``_d`` controls."""
    pages = paging.page_count(column)

    def link(n: int) -> str | None:
        return urls.relative(paging.page_url(column, n), page=page) if n != k else None

    shown = sorted(n for n in {1, 2, 3, pages, *range(k - 2, k + 3)} if 1 <= n <= pages)
    numbers = [(n, link(n), n - prev > 1) for prev, n in zip([0, *shown], shown, strict=False)]
    return {
        "count": len(column.items),
        "page": k,
        "pages": pages,
        "first": link(1) if k > 1 else None,
        "prev": link(k - 1) if k > 1 else None,
        "next": link(k + 1) if k < pages else None,
        "last": link(pages) if k < pages else None,
        "numbers": numbers,
    }


def plain_pager(column: DemoColumn, k: int) -> dict[str, object]:
    """The links of a JSP, TRS, DedeCMS or PHP pager as the page writes them (next to the page),
    ``None`` where the control is disabled; ``numbers`` are (n, link or None for this page)."""
    pages = paging.page_count(column)

    def link(n: int) -> str:
        url = paging.dede_url(column, 1) if column.family == "dede" and n == 1 else paging.page_url(column, n)
        return posixpath.basename(url)

    numbers = [(n, link(n) if n != k else None) for n in range(max(1, k - 4), min(pages, k + 4) + 1)]
    return {
        "count": len(column.items),
        "per": column.page_size,
        "page": k,
        "pages": pages,
        "first": link(1) if k > 1 else None,
        "prev": link(k - 1) if k > 1 else None,
        "next": link(k + 1) if k < pages else None,
        "last": link(pages) if k < pages else None,
        "numbers": numbers,
        "index": k - 1,  # TRS's createPageHTML counts from 0
    }


def drupal_pager(column: DemoColumn, page0: int) -> dict[str, object]:
    """Drupal's ``nav.pager``: ``?page=N`` links, 0-based; no next link on the last page."""
    last = paging.page_count(column) - 1
    return {
        "page": page0,
        "last": last,
        "numbers": list(range(max(0, page0 - 4), min(last, page0 + 4) + 1)),
    }


def custom_pager(column: DemoColumn, start: int, size: int) -> dict[str, object]:
    """The hitsz pager: 首页/上一页/下一页/尾页 links on ``pager.offset``."""
    total = len(column.items)
    last = max(0, (total - 1) // size * size)
    link = column.path + "?maxPageItems={size}&keywords=&pager.offset={offset}"
    return {
        "total": total,
        "page": start // size + 1,
        "pages": max(1, -(-total // size)),
        "first": link.format(size=size, offset=0),
        "prev": link.format(size=size, offset=max(0, start - size)) if start > 0 else None,
        "next": link.format(size=size, offset=start + size) if start + size < total else None,
        "last": link.format(size=size, offset=last),
    }


def api_payload(column: DemoColumn, items: Sequence[DemoItem], *, page: int = 1) -> dict[str, object]:
    """The JSON a column's endpoint answers: Sudy's, or the JSP CMS's (``api_rows``)."""
    if column.template == "api_rows":
        return rows_payload(column, items, page=page)
    return sudy_payload(column, items)


def rows_payload(column: DemoColumn, items: Sequence[DemoItem], *, page: int) -> dict[str, object]:
    """``{"code": 0, "data": {"total": N, "pageNo": k, "rows": [...]}}``, with a creation time
    beside the publication date (a reader must take ``publishDate``)."""
    rows = [
        {
            "id": item.id,
            "title": item.title,
            "linkUrl": item.href,
            "publishDate": f"{day:%Y-%m-%d}",
            "createTime": f"{day - dt.timedelta(days=item.id % 3):%Y-%m-%d} 16:{item.id % 60:02d}:11",
            "clickCount": 40 + item.id % 500,
        }
        for item in items
        if (day := item.published_on) is not None
    ]
    data = {"total": len(column.items), "pageNo": page, "pageSize": column.page_size, "rows": rows}
    return {"code": 0, "msg": "success", "data": data}


def sudy_payload(column: DemoColumn, items: Sequence[DemoItem]) -> dict[str, object]:
    """The ``generalQuery`` answer: ``{"total": N, "data": [...]}``, pinned (``top: 1``) first."""
    data = [
        {
            "id": item.id,
            "title": item.title,
            "url": item.href,
            "publishTime": f"{item.published_on:%Y-%m-%d} {8 + item.id % 10:02d}:{item.id % 60:02d}:00",
            "top": 1 if item.pinned else 0,
        }
        for item in items
    ]
    return {"total": len(column.items), "data": data}
