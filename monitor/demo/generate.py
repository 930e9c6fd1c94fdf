"""Deterministic generation of the demo campus from the layout, a seed and ``today``.

Every site draws from its own ``random.Random(f"{seed}:{site id}")``, so a site's items do not
change when another site is added. Items are dated over the year before ``today`` (a column's
density follows its count), newest first; pinned rows go on top, the first of them a year or more
old. Article ids grow with the date across a whole site, as CMS record ids do.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from monitor.demo import pii, titles, traps, urls
from monitor.demo.layout import ColumnSpec, SiteSpec, layout
from monitor.demo.model import PROFILED, SHANGHAI, DemoArea, DemoCampus, DemoColumn, DemoItem, DemoSite

FIRST_IP = 11  # sites listen on 127.0.0.11, 127.0.0.12, …
_FIRST_ID = {
    "webplus": 120_000, "jsonapi": 120_000, "vsb": 2_000, "drupal": 110_000, "custom": 30_000,
    "jsp": 8_000, "trs": 480_000, "dede": 3_000, "php": 3_000,
}  # fmt: skip
#: Whether the small campus (``xxgk demo``, the tests, config/demo.yaml) has issue 10's sites
#: (``layout.NEW_SITES``) unless told. The hit scale leaves them out unless told, so that the
#: benchmarks keep measuring the same 38 sites.
NEW_COLUMNS = True


@dataclass
class _Draft:
    """An item before it has an id: where it sorts, and what kind of row it is."""

    day: dt.date
    role: str = "article"  # article | pinned | attachment | external
    dated: bool = True
    id: int = 0


def build_campus(
    *,
    today: dt.date,
    scale: str = "small",
    seed: int = 7,
    new_columns: bool | None = None,
    day: int | None = None,
) -> DemoCampus:
    """The demo institution 演示大学 as of ``today``: the same arguments give the same campus.

    ``new_columns`` adds issue 10's sites (default: :data:`NEW_COLUMNS` on the small scale, off on
    hit); the other sites' items do not change with it (only the addresses of the sites after
    the added ones).

    ``day`` (small scale only) plants the content traps of :mod:`monitor.demo.traps` as on that
    crawled day: the campus is the one of the first day (``today`` minus ``day - 1`` days) with
    the changes of the days since, served as of ``today``. Without it there are none.
    """
    if new_columns is None:
        new_columns = NEW_COLUMNS and scale == "small"
    if day is not None and (day < 1 or scale != "small"):
        raise ValueError(f"the content traps have days 1, 2, … on the small scale (day={day}, scale={scale})")
    first = today - dt.timedelta(days=(day or 1) - 1)
    areas, ip = [], FIRST_IP
    for area in layout(scale, new_columns=new_columns):
        sites = []
        for spec in area.sites:
            sites.append(_build_site(spec, ip=f"127.0.0.{ip}", today=first, seed=seed))
            ip += 1
        areas.append(DemoArea(area.id, area.name, sites))
    campus = DemoCampus(first, scale, seed, areas, rng=random.Random(f"{seed}:publish"))  # noqa: S311 - demo data
    if scale == "small":  # the personal-data traps (issue 12); the hit scale keeps the benchmarks' pages
        pii.plant(campus)
    if day is not None:
        traps.plant(campus, day=day)
        campus.today = today
    return campus


def _build_site(spec: SiteSpec, *, ip: str, today: dt.date, seed: int) -> DemoSite:
    rng = random.Random(f"{seed}:{spec.id}")  # noqa: S311 - demo data, not secrets
    drafts = [_drafts(rng, column, today) for column in spec.columns]
    next_id = _number(rng, [d for column in drafts for d in column], _FIRST_ID[spec.columns[0].family])
    columns = [_build_column(rng, c, d, today) for c, d in zip(spec.columns, drafts, strict=True)]
    site = DemoSite(spec.id, spec.name, spec.url, ip, columns, spec.behaviour, spec.encoding, next_id)
    for source, target in spec.shared:
        _share(rng, site.column(source), site.column(target))
    return site


def _dates(rng: random.Random, spec: ColumnSpec, today: dt.date, count: int) -> list[dt.date]:
    """``count`` dates, newest first, fewer on weekends; Drupal columns have 今天 and 昨天 rows."""
    offsets = range(spec.quiet_days, spec.span_days + 1)
    weights = [1.0 if (today - dt.timedelta(days=o)).weekday() < 5 else 0.3 for o in offsets]
    chosen = sorted(rng.choices(offsets, weights, k=count))
    if spec.family == "drupal" and count >= 2 and spec.quiet_days == 0:
        chosen[:2] = [0, 1]
    return [today - dt.timedelta(days=o) for o in chosen]


def _drafts(rng: random.Random, spec: ColumnSpec, today: dt.date) -> list[_Draft]:
    pinned_ages = [rng.randint(370, 700)] + [rng.randint(40, 150) for _ in range(spec.pinned - 1)]
    pinned = [_Draft(today - dt.timedelta(days=age), "pinned") for age in pinned_ages[: spec.pinned]]
    rows = [_Draft(day) for day in _dates(rng, spec, today, spec.count - spec.pinned)]
    special = rng.sample(range(len(rows)), spec.attachments + spec.externals)
    for n, index in enumerate(special):
        rows[index].role = "attachment" if n < spec.attachments else "external"
        rows[index].dated = n >= spec.undated
    return pinned + rows


def _number(rng: random.Random, drafts: list[_Draft], first: int) -> int:
    """Give drafts growing ids in date order (the top row of a day last); return the next free id."""
    next_id = first + rng.randint(0, first // 2)
    for draft in sorted(reversed(drafts), key=lambda d: d.day):
        draft.id = next_id
        next_id += rng.randint(1, 4)
    return next_id


def _build_column(rng: random.Random, spec: ColumnSpec, drafts: list[_Draft], today: dt.date) -> DemoColumn:
    items = [_item(rng, spec, draft) for draft in drafts]
    newest = max((d.day for d in drafts if d.role != "pinned"), default=today)
    modified = dt.datetime.combine(newest, dt.time(8), SHANGHAI).astimezone(dt.UTC)
    cms = spec.cms or (spec.family if spec.family in PROFILED else "auto")
    return DemoColumn(
        spec.id, spec.name, spec.family, spec.kind, spec.path, spec.number, spec.template, items,
        spec.titles, spec.behaviour, cms, spec.checklist, spec.page_size, spec.truncate_at,
        spec.article_date, modified, spec.article_style,
    )  # fmt: skip


def _item(rng: random.Random, spec: ColumnSpec, draft: _Draft) -> DemoItem:
    title = titles.make_title(rng, spec.titles, draft.day)
    if draft.role == "external":
        href = urls.external_href(rng)
    elif draft.role == "attachment":
        href = urls.attachment_href(rng, rng.choice(tuple(urls.ATTACHMENT_TYPES)))
    else:
        created = draft.day - dt.timedelta(days=rng.randint(0, 5))
        href = urls.article_href(
            spec.article_style or spec.family,
            spec.number,
            draft.id,
            created=created,
            published=draft.day,
            list_path=spec.path,
        )
    plain = draft.role in ("article", "pinned")
    return DemoItem(
        id=draft.id,
        href=href,
        title=title,
        published_on=draft.day if draft.dated else None,
        pinned=draft.role == "pinned",
        is_attachment=draft.role == "attachment",
        external=draft.role == "external",
        truncated=spec.truncate_at is not None and len(title) > spec.truncate_at,
        article_date=spec.article_date if plain else "none",
    )


def _share(rng: random.Random, source: DemoColumn, target: DemoColumn) -> None:
    """List one article of ``source`` in ``target`` too, at its place in date order."""
    candidates = [i for i in source.items if not (i.pinned or i.external or i.is_attachment)]
    item = rng.choice(candidates)
    assert item.published_on is not None  # articles of dated columns always have a date
    key = (item.published_on, item.id)
    older = (n for n, row in enumerate(target.items) if not row.pinned and _sort_key(row) < key)
    target.items.insert(next(older, len(target.items)), item)


def _sort_key(item: DemoItem) -> tuple[dt.date, int]:
    return item.published_on or dt.date.min, item.id
