"""How each CMS family splits a column into list pages, and the URL of each page.

Page numbers ``k`` are the ones a reader sees (1 = the first, newest page).

- WebPlus counts up: ``/{col}/list.htm``, ``/{col}/list{k}.htm`` (``list1.htm`` is page 1 too).
- VSB counts down: ``/{alias}.htm``, then ``/{alias}/{total-k+1}.htm``. History page files are
  filled from the oldest item (``1.htm`` holds the oldest ``page_size`` items) and never change
  once full; the first page holds the rest (``page_size`` to ``2*page_size - 1`` items), so a
  publish only changes the first page and, when it overflows, adds the next history file.
- Drupal: ``/category/{tid}``, ``?page=N`` 0-based.
- hitsz-style Java CMS: ``?maxPageItems=20&keywords=&pager.offset=N`` offsets.
- jsonapi: ``/_wp3services/generalQuery?…&pageIndex={page}&rows=20``, ``pageIndex`` from 1; the
  ``api_rows`` template: ``/api/article/list?catalogId={N}&pageNo={page}&pageSize={page size}``.
- JSP and TRS WCM: ``{dir}/index.html``, then ``{dir}/index_{k-1}.html`` (``index_1.html`` is page 2).
- DedeCMS: ``{dir}/``, then ``{dir}/list_{typeid}_{k}.html`` (``list_{typeid}_1.html`` is page 1 too).
- PHP: ``/news.php?cat_id={N}``, then ``…&page={k}`` (``&page=1`` is page 1 too).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from monitor.demo.model import DemoColumn, DemoItem
from monitor.demo.urls import API_PATH, ROWS_API_PATH, directory

API_ROWS = 20


def _vsb_history(column: DemoColumn) -> int:
    """How many full history files (``1.htm`` … ``H.htm``) a VSB column has."""
    return max(0, len(column.items) // column.page_size - 1)


def page_count(column: DemoColumn) -> int:
    """How many list pages the column has (1 for an empty list)."""
    if column.family == "vsb":
        return _vsb_history(column) + 1
    size = api_rows(column) if column.family == "jsonapi" else column.page_size
    return max(1, math.ceil(len(column.items) / size))


def page_items(column: DemoColumn, k: int) -> Sequence[DemoItem]:
    """The rows of page ``k`` (1-based), in listed order."""
    items = column.items
    if column.family == "vsb":
        history, size, total = _vsb_history(column), column.page_size, len(items)
        if k == 1:
            return items[: total - history * size]
        file_number = vsb_file_number(column, k)
        return items[total - file_number * size : total - (file_number - 1) * size]
    size = api_rows(column) if column.family == "jsonapi" else column.page_size
    return items[(k - 1) * size : k * size]


def api_rows(column: DemoColumn) -> int:
    """Entries per page of a JSON endpoint: Sudy's asks for 20, the JSP CMS's for its page size."""
    return column.page_size if column.template == "api_rows" else API_ROWS


def vsb_file_number(column: DemoColumn, k: int) -> int:
    """The file name number of VSB page ``k`` ≥ 2: ``total - k + 1``."""
    return page_count(column) - k + 1


def vsb_page_from_file(column: DemoColumn, file_number: int) -> int | None:
    """The page number served by ``/{alias}/{file_number}.htm``, or None if there is none."""
    total = page_count(column)
    return total - file_number + 1 if 1 <= file_number < total else None


def page_url(column: DemoColumn, k: int) -> str:
    """The site-relative URL (path and query) of page ``k`` of a column."""
    if column.family == "jsonapi":
        return api_url(column, k)
    if k == 1:
        return column.path
    if column.family == "webplus":
        return f"{directory(column.path)}list{k}.htm"
    if column.family == "vsb":
        return f"{directory(column.path)}{vsb_file_number(column, k)}.htm"
    if column.family == "drupal":
        return f"{column.path}?page={k - 1}"
    if column.family in ("jsp", "trs"):
        return f"{directory(column.path)}index_{k - 1}.html"
    if column.family == "dede":
        return dede_url(column, k)
    if column.family == "php":
        return f"{column.path}&page={k}"
    return custom_url(column, (k - 1) * column.page_size)


def dede_url(column: DemoColumn, k: int) -> str:
    return f"{directory(column.path)}list_{column.number}_{k}.html"


def first_page_aliases(column: DemoColumn) -> tuple[str, ...]:
    """Other URLs of page 1 that the CMS links to (``list1.htm``, ``list_12_1.html``, ``&page=1``)."""
    if column.family == "webplus":
        return (f"{directory(column.path)}list1.htm",)
    if column.family == "dede":
        return (dede_url(column, 1),)
    if column.family == "php":
        return (f"{column.path}&page=1",)
    return ()


def custom_url(column: DemoColumn, offset: int) -> str:
    return f"{column.path}?maxPageItems={column.page_size}&keywords=&pager.offset={offset}"


def api_url(column: DemoColumn, page: int | str) -> str:
    """The JSON endpoint of a jsonapi column; ``page`` may be the ``{page}`` placeholder."""
    if column.template == "api_rows":
        return f"{ROWS_API_PATH}?catalogId={column.number}&pageNo={page}&pageSize={column.page_size}"
    return f"{API_PATH}?queryObj=articles&columnId={column.number}&pageIndex={page}&rows={API_ROWS}"


def list_urls(column: DemoColumn) -> list[str]:
    """Every list page URL of a column, first page first."""
    return [page_url(column, k) for k in range(1, page_count(column) + 1)]
