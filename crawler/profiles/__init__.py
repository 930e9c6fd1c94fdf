"""CMS profiles: what one list page of a column holds, read the way its CMS family lays it out.

A profile turns a list page into a :class:`ListPage`: its rows in page order, the next (older)
page, and every list page when the pager tells them all. One module per family holds its data
(row templates, pager selectors, fingerprints) and code only where the family really differs:

- ``webplus``: Sudy WebPlus (``/{col}/list{k}.htm``, counting up);
- ``vsb``: VSB / 博达 (``/{alias}/{total-k+1}.htm``, counting down);
- ``drupal``: Drupal (``?page=N``, 0-based);
- ``jsonapi``: a JSON list endpoint described by the column's ``api`` mapping;
- ``generic``: any other page; finds the repeated block of links with dates.

A column's ``selectors`` replace the row/title/link/date selectors of whichever profile reads it.
Profiles do not date rows (``crawler.extract`` does) nor drop external links (the spider does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from scrapy.http import TextResponse

from monitor.config import Column


@dataclass(frozen=True)
class Row:
    """One entry of a list page, as the page shows it."""

    url: str  # absolute, canonical
    title: str  # full title: a@title when the text is cut; whitespace collapsed; 置顶 prefix removed
    date_text: str | None  # raw text of the date cell(s), split cells joined with a space
    pinned: bool = False  # 置顶: a [置顶] prefix, a top/zhiding class or icon, JSON top=1
    is_attachment: bool = False


@dataclass(frozen=True)
class ListPage:
    """What one list page says: whether a list is there, its rows, and where the older pages are."""

    found: bool  # a list structure was recognised (False → the column's outcome is parse_failed)
    rows: tuple[Row, ...]  # page order (newest first), external links included
    next_url: str | None  # the next (older) list page; None on the last page
    page_urls: tuple[str, ...] = ()  # every other list page in order, when the pager tells them all


class Profile(Protocol):
    """A CMS family: how to recognise its pages and read their lists."""

    name: str

    def detect(self, response: TextResponse) -> bool: ...

    def parse_list(self, response: TextResponse, *, column: Column) -> ListPage: ...


# The family modules import Row and ListPage from here, so they are imported after them.
from crawler.profiles import drupal, generic, jsonapi, vsb, webplus  # noqa: E402

PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (webplus.WebPlus(), vsb.Vsb(), drupal.Drupal(), jsonapi.JsonApi(), generic.Generic())
}
#: The families `cms: auto` tries, in order; a page none of them claims is read by `generic`.
AUTO_ORDER = ("webplus", "vsb", "drupal")


def profile_for(column: Column, response: TextResponse) -> Profile:
    """The column's configured profile; for ``auto``, the first family that recognises the page."""
    if column.cms != "auto":
        return PROFILES[column.cms]
    detected = (PROFILES[name] for name in AUTO_ORDER if PROFILES[name].detect(response))
    return next(detected, PROFILES["generic"])
