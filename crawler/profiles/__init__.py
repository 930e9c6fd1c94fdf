"""CMS profiles: what one list page of a column holds, read the way its CMS family lays it out.

A profile turns a list page into a :class:`ListPage`: its rows in page order, the next (older)
page, and every list page when the pager tells them all. One module per family holds its data
(row templates, pager selectors, fingerprints) and code only where the family really differs:

- ``webplus``: Sudy WebPlus (``/{col}/list{k}.htm``, counting up);
- ``vsb``: VSB / 博达 (``/{alias}/{total-k+1}.htm``, counting down);
- ``drupal``: Drupal (``?page=N``, 0-based);
- ``jsonapi``: a JSON list endpoint described by the column's ``api`` mapping;
- ``generic``: any other page; finds the page's main list, with or without dates.

Each family module registers its profile class with :func:`register`; a new family is one module
(and its tests): it is imported, and so registered, with this package. Its name must also be a
value of ``monitor.config.CmsFamily`` and of the docs' ``cms:`` lists (README, DESIGN), which
``tests/crawler/test_profiles.py`` keeps equal to the registry. ``cms: auto`` tries the
families by ``auto_rank``. :func:`read_list` tries the :func:`chain` of profiles for a page: the one
that read the column last time, the configured or recognised family, then the generic finder,
so that a family that recognises a site but not its list template falls through.

Shared code, no family: ``html`` (the lxml tree read as ``Selector.css`` reads it), ``rows``
(templates, and what a row's link, title, date and pin are), ``pager`` (the next page of a page
nobody described).

A column's ``selectors`` replace the row/title/link/date selectors of whichever profile reads it.
Profiles do not date rows (``crawler.extract`` does) nor drop external links (the spider does).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

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
    """A CMS family: how to recognise its pages and read their lists.

    ``auto_rank`` orders the families that ``cms: auto`` tries to recognise (None: never
    recognised, only configured or fallen through to); ``html`` says that its pages are HTML, so
    that the generic finder may read them when the family finds no row.
    """

    name: str
    auto_rank: int | None
    html: bool

    def detect(self, response: TextResponse) -> bool: ...

    def parse_list(self, response: TextResponse, *, column: Column) -> ListPage: ...


#: Every profile by name, filled by :func:`register` as the family modules are imported.
PROFILES: dict[str, Profile] = {}
#: Modules of this package that hold shared code, not a family.
HELPERS = frozenset({"html", "rows", "pager"})
GENERIC = "generic"

P = TypeVar("P", bound=type)


def register(cls: P) -> P:
    """Class decorator: one instance of the profile class goes into :data:`PROFILES` by its name."""
    profile = cls()
    if profile.name in PROFILES:
        raise ValueError(f"two profiles named {profile.name!r}")
    PROFILES[profile.name] = profile
    return cls


def auto_order() -> tuple[str, ...]:
    """The families ``cms: auto`` tries to recognise, in order."""
    ranked = sorted((p.auto_rank, p.name) for p in PROFILES.values() if p.auto_rank is not None)
    return tuple(name for _, name in ranked)


def families() -> tuple[str, ...]:
    """The names a column's ``cms`` may give besides ``auto``: every profile but the generic one."""
    return tuple(sorted(name for name in PROFILES if name != GENERIC))


def profile_for(column: Column, response: TextResponse) -> Profile:
    """The column's configured profile; for ``auto``, the first family that recognises the page."""
    if column.cms != "auto":
        return PROFILES[column.cms]
    detected = (PROFILES[name] for name in auto_order() if PROFILES[name].detect(response))
    return next(detected, PROFILES[GENERIC])


def chain(column: Column, response: TextResponse, *, remembered: str | None = None) -> Iterator[Profile]:
    """The profiles to try on a page, in order, each once: the one remembered for the column (the
    last that read it), the configured or recognised family, then the generic finder for HTML.

    Lazy: a remembered profile that reads the page spares the detection. A remembered name is used
    under ``auto``, or when it is the configured family or the generic finder (the configuration
    may have changed since).
    """
    first = PROFILES.get(remembered or "")
    if first is not None and column.cms != "auto" and first.name not in (column.cms, GENERIC):
        first = None
    if first is not None:
        yield first
    family = profile_for(column, response)
    if family is not first:
        yield family
    if family.html and GENERIC not in (family.name, first and first.name):
        yield PROFILES[GENERIC]


def read_list(
    response: TextResponse, *, column: Column, remembered: str | None = None
) -> tuple[str, ListPage]:
    """(name of the profile that read it, page) by the :func:`chain`: the first that finds rows;
    else the first that found a blank list; else not found, named after the first profile tried.

    When the generic finder reads the rows of a page whose family was tried first and read its
    pager (VSB's count-down pages), the family's pager is kept: it knows every page.
    """
    blank: tuple[str, ListPage] | None = None
    failed: tuple[str, ListPage] | None = None
    family: ListPage | None = None  # the last family tried before the generic finder
    for profile in chain(column, response, remembered=remembered):
        page = profile.parse_list(response, column=column)
        if page.rows:
            return profile.name, _with_pager(page, family if profile.name == GENERIC else None)
        if page.found and blank is None:
            blank = (profile.name, page)
        failed = failed or (profile.name, page)
        family = page
    return blank or failed or (GENERIC, ListPage(found=False, rows=(), next_url=None))


def _with_pager(page: ListPage, family: ListPage | None) -> ListPage:
    if family is None or not (family.next_url or family.page_urls):
        return page
    return replace(page, next_url=family.next_url, page_urls=family.page_urls)


def _import_families() -> None:
    """Import every family module of this package, so that each registers its profile."""
    for module in pkgutil.iter_modules(__path__):
        if module.name not in HELPERS:
            importlib.import_module(f"{__name__}.{module.name}")


_import_families()
