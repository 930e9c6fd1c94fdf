"""The demo campus as plain data: institution → campuses (校区) → sites → columns → items.

Everything the server renders and everything the ground truth states is read from these objects,
so the two cannot disagree. The only mutation is :meth:`DemoCampus.publish`, which adds items at
the top of a column exactly as a CMS does when an editor publishes, and bumps
:attr:`DemoCampus.version` so that the server drops its cached pages.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from monitor.demo import titles, urls

if TYPE_CHECKING:
    from monitor.demo.traps import TrapPlan

#: The CMS a column's pages come from. The first four have a profile in the crawler (a config may
#: name them in ``cms:``); custom (hitsz's Java CMS), jsp, trs (TRS WCM), dede (DedeCMS) and php
#: have none: their columns are ``cms: auto``.
Family = Literal["webplus", "vsb", "drupal", "jsonapi", "custom", "jsp", "trs", "dede", "php"]
PROFILED: tuple[Family, ...] = ("webplus", "vsb", "drupal", "jsonapi")
SiteBehaviour = Literal["ok", "login", "down", "blocked"]
ColumnBehaviour = Literal["ok", "blank", "missing", "redesigned", "flaky", "disallowed"]
Encoding = Literal["utf-8", "gbk", "lying"]
#: Where an article page states its date: in its visible meta line (and, on VSB, also in
#: ``<meta name="PubDate">``), only in ``<meta name="PubDate">``, or nowhere (files).
ArticleDate = Literal["shown", "meta", "none"]

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class DemoFile:
    """A file attached to an article page (not a list row): served at ``href``, linked as ``name``."""

    href: str
    name: str
    body: bytes
    pii: tuple[tuple[str, int], ...] = ()  # ground truth: kind → values in full (monitor.demo.pii)
    content_type: str = ""  # what it is served as, when not by its extension (a page)
    missing: bool = False  # linked, but not there: it answers 404 (monitor.demo.traps)


@dataclass(eq=False)
class DemoItem:
    """One row of a list: an article, a file, or a link to another site (``external``)."""

    id: int
    href: str  # a path on the site, or an absolute URL when ``external``
    title: str  # the full title (what ``a@title`` holds)
    published_on: dt.date | None
    pinned: bool = False
    is_attachment: bool = False
    external: bool = False
    truncated: bool = False  # its list text is cut with "…" in its home column
    article_date: ArticleDate = "shown"
    paragraphs: tuple[str, ...] = ()  # more of the article's body (monitor.demo.pii's traps)
    attachments: tuple[DemoFile, ...] = ()  # files its article page links to
    pii: tuple[tuple[str, int], ...] = ()  # ground truth: kind → values in full on its page


@dataclass(eq=False)
class DemoColumn:
    """A column (栏目): its list pages, in one markup ``template`` of its CMS ``family``."""

    id: str
    name: str
    family: Family
    kind: str
    path: str  # the first list page, site-relative
    number: int  # the CMS's own column id: WebPlus c{N}, VSB info/{N}, Drupal tid, id-{N}
    template: str
    items: list[DemoItem]  # as listed: pinned rows first, then newest first
    titles: str  # the title pool new items are drawn from
    behaviour: ColumnBehaviour = "ok"
    cms: str = "auto"  # what the config says
    checklist: tuple[str, ...] = ()
    page_size: int = 15
    truncate_at: int | None = None
    article_date: ArticleDate = "shown"  # where its articles state their date
    modified: dt.datetime = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # Last-Modified of its lists
    article_style: Family | None = None  # whose article URLs and pages its rows link to

    @property
    def articles(self) -> Family:
        """The family whose article URLs and pages this column's rows link to."""
        return self.article_style or self.family


@dataclass(eq=False)
class DemoSite:
    """A site: one row of the report table, served on its own loopback address."""

    id: str
    name: str
    url: str  # the display URL, as a report prints it
    ip: str
    columns: list[DemoColumn]
    behaviour: SiteBehaviour = "ok"
    encoding: Encoding = "utf-8"
    next_id: int = 1

    def column(self, column_id: str) -> DemoColumn:
        for column in self.columns:
            if column.id == column_id:
                return column
        raise KeyError(f"no column {column_id!r} on demo site {self.id!r}")

    @property
    def robots_disallow(self) -> tuple[str, ...]:
        """Path prefixes robots.txt forbids: the directory of each ``disallowed`` column, and its
        first page when that lies outside it (VSB's ``/xsgz.htm`` beside ``/xsgz/``)."""
        paths: list[str] = []
        for column in self.columns:
            if column.behaviour == "disallowed":
                base = urls.directory(column.path)
                paths += [column.path, base] if not column.path.startswith(base) else [base]
        return tuple(paths)


@dataclass(eq=False)
class DemoArea:
    """One campus (校区) of the demo institution."""

    id: str
    name: str
    sites: list[DemoSite]


@dataclass(eq=False)
class DemoCampus:
    """The demo institution 演示大学 (id ``demo``) on a given ``today``."""

    today: dt.date
    scale: str
    seed: int
    campuses: list[DemoArea]
    id: str = "demo"
    name: str = "演示大学"
    version: int = 0  # bumped by every publish(); the server's cache follows it
    port: int | None = None  # set by DemoServer.start(); truth functions default to it
    traps: TrapPlan | None = None  # the content traps of a crawled day (monitor.demo.traps), if any
    rng: random.Random = field(default_factory=random.Random, repr=False)  # for publish()
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def sites(self) -> Iterator[DemoSite]:
        for area in self.campuses:
            yield from area.sites

    def site(self, site_id: str) -> DemoSite:
        for site in self.sites():
            if site.id == site_id:
                return site
        raise KeyError(f"no demo site {site_id!r}")

    def publish(self, site_id: str, column_id: str, count: int, *, on: dt.date) -> list[DemoItem]:
        """Add ``count`` new items dated ``on`` at the top of a column (below its pinned rows).

        Later items move to later pages as on a real CMS; VSB's numbered history pages keep
        their file names and rows (only their pager totals change). Returns the new items, newest first.
        """
        site = self.site(site_id)
        column = site.column(column_id)
        with self._lock:
            new = [self._new_item(site, column, on) for _ in range(count)][::-1]
            pinned = sum(1 for item in column.items if item.pinned)
            column.items = column.items[:pinned] + new + column.items[pinned:]
            stamp = dt.datetime.combine(on, dt.time(18), SHANGHAI).astimezone(dt.UTC)
            column.modified = max(column.modified + dt.timedelta(seconds=1), stamp)
            self.version += 1
        return new

    def _new_item(self, site: DemoSite, column: DemoColumn, on: dt.date) -> DemoItem:
        item_id = site.next_id
        site.next_id += 1
        created = on - dt.timedelta(days=self.rng.randint(0, 5))
        title = titles.make_title(self.rng, column.titles, on)
        href = urls.article_href(
            column.articles, column.number, item_id, created=created, published=on, list_path=column.path
        )
        truncated = column.truncate_at is not None and len(title) > column.truncate_at
        return DemoItem(item_id, href, title, on, truncated=truncated, article_date=column.article_date)
