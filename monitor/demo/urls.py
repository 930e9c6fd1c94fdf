"""URL shapes of each CMS family: article and file paths, and small path helpers.

These are the real shapes from campus-cms.md: WebPlus ``/{YYYY}/{MMDD}/c{col}a{id}/page.htm``
(the date is the record's creation date, not its publication date), VSB ``/info/{col}/{id}.htm``,
Drupal ``/article/{YYYY}/{MM}/{DD}/{nid}`` (the publication date), the hitsz-style Java CMS
``/article/view/id-{id}.html`` and WebPlus uploads ``/_upload/article/files/…``.

The families without a crawler profile: a JSP CMS ``/content.jsp?urltype=news.NewsContentUrl&
wbtreeid={col}&wbnewsid={id}``; TRS WCM ``{list dir}/{YYYYMM}/t{YYYYMMDD}_{id}.html`` and DedeCMS
``{list dir}/{YYYY}/{MMDD}/{id}.html``, both dated by publication (TRS names the document by its
publication day; DedeCMS's default naming rule ``{Y}/{M}{D}/{aid}.html`` uses ``pubdate``); PHP
``/news_detail.php?id={id}``.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import random

#: The Sudy WebPlus JSON endpoint, shared by every jsonapi column of a site.
API_PATH = "/_wp3services/generalQuery"
#: The JSP CMS's JSON endpoint (``template="api_rows"`` columns), one ``catalogId`` per column.
ROWS_API_PATH = "/api/article/list"

ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_WEIXIN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def article_href(
    family: str, column: int, item_id: int, *, created: dt.date, published: dt.date, list_path: str = "/"
) -> str:
    """The site path of an article of ``family``; ``created`` is used by WebPlus only, the list's
    path by TRS and DedeCMS (their articles live below the list's directory)."""
    if family in ("webplus", "jsonapi"):
        return f"/{created.year}/{created:%m%d}/c{column}a{item_id}/page.htm"
    if family == "vsb":
        return f"/info/{column}/{item_id}.htm"
    if family == "drupal":
        return f"/article/{published:%Y/%m/%d}/{item_id}"
    if family == "custom":
        return f"/article/view/id-{item_id}.html"
    return _unprofiled_href(family, column, item_id, published=published, base=directory(list_path))


def _unprofiled_href(family: str, column: int, item_id: int, *, published: dt.date, base: str) -> str:
    if family == "jsp":
        return f"/content.jsp?urltype=news.NewsContentUrl&wbtreeid={column}&wbnewsid={item_id}"
    if family == "trs":
        return f"{base}{published:%Y%m}/t{published:%Y%m%d}_{item_id}.html"
    if family == "dede":
        return f"{base}{published:%Y}/{published:%m%d}/{item_id}.html"
    if family == "php":
        return f"/news_detail.php?id={item_id}"
    raise ValueError(f"unknown CMS family {family!r}")


def attachment_href(rng: random.Random, ext: str) -> str:
    """A WebPlus upload path such as ``/_upload/article/files/8a/3f/…/….pdf``."""
    digest = f"{rng.getrandbits(128):032x}"
    name = f"{rng.getrandbits(64):016x}"
    return f"/_upload/article/files/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{name}.{ext}"


def external_href(rng: random.Random) -> str:
    """A WeChat article link (another site: never served, never an item)."""
    return "https://mp.weixin.qq.com/s/" + "".join(rng.choice(_WEIXIN_CHARS) for _ in range(22))


def extension(href: str) -> str:
    return href.rsplit(".", 1)[-1].lower()


def directory(path: str) -> str:
    """``/xxyw/list.htm`` → ``/xxyw/``; ``/tzgg.htm`` → ``/tzgg/`` (where its pages live);
    ``/xgdt/index.html`` → ``/xgdt/``; ``/tzgg/`` stays."""
    head, tail = posixpath.split(path)
    if not tail:
        return path
    if tail.startswith(("list", "index.")):
        return head.rstrip("/") + "/"
    return posixpath.splitext(path)[0] + "/"


def relative(target: str, *, page: str) -> str:
    """``target`` written relative to the page at ``page``, as VSB writes its pager links."""
    return posixpath.relpath(target, posixpath.dirname(page) or "/")


def vsb_info_link(href: str, *, page: str) -> str:
    """VSB list links climb at least one level: ``../info/…`` even from a page at the root."""
    depth = page.count("/") - 1
    return "../" * max(1, depth) + href.lstrip("/")
