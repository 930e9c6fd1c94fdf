"""URL shapes of each CMS family: article and file paths, and small path helpers.

These are the real shapes from campus-cms.md: WebPlus ``/{YYYY}/{MMDD}/c{col}a{id}/page.htm``
(the date is the record's creation date, not its publication date), VSB ``/info/{col}/{id}.htm``,
Drupal ``/article/{YYYY}/{MM}/{DD}/{nid}`` (the publication date), the hitsz-style Java CMS
``/article/view/id-{id}.html`` and WebPlus uploads ``/_upload/article/files/…``.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import random

#: The Sudy WebPlus JSON endpoint, shared by every jsonapi column of a site.
API_PATH = "/_wp3services/generalQuery"

ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_WEIXIN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def article_href(family: str, column: int, item_id: int, *, created: dt.date, published: dt.date) -> str:
    """The site path of an article of ``family``; ``created`` is used by WebPlus only."""
    if family in ("webplus", "jsonapi"):
        return f"/{created.year}/{created:%m%d}/c{column}a{item_id}/page.htm"
    if family == "vsb":
        return f"/info/{column}/{item_id}.htm"
    if family == "drupal":
        return f"/article/{published:%Y/%m/%d}/{item_id}"
    if family == "custom":
        return f"/article/view/id-{item_id}.html"
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
    """``/xxyw/list.htm`` → ``/xxyw/``; ``/tzgg.htm`` → ``/tzgg/`` (where its pages live)."""
    head, tail = posixpath.split(path)
    if tail.startswith("list"):
        return head.rstrip("/") + "/"
    return posixpath.splitext(path)[0] + "/"


def relative(target: str, *, page: str) -> str:
    """``target`` written relative to the page at ``page``, as VSB writes its pager links."""
    return posixpath.relpath(target, posixpath.dirname(page) or "/")


def vsb_info_link(href: str, *, page: str) -> str:
    """VSB list links climb at least one level: ``../info/…`` even from a page at the root."""
    depth = page.count("/") - 1
    return "../" * max(1, depth) + href.lstrip("/")
