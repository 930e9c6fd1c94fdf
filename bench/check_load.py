"""Filling a database with the check benchmark's institution: a million items in batches, crawl runs.

`load(url, plans, items=..., today=...)` fills a freshly initialised database (SQLite: the
driver's executemany; PostgreSQL: psycopg COPY) and gives the `Loaded` counts and seconds;
`add_new_items` adds one more nightly crawl that found new items; `vacuum` is PostgreSQL's
VACUUM ANALYZE, as autovacuum would run it in service.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from check_institution import NIGHTS, TZ, ColumnPlan, title_pools

BATCH = 10_000


@dataclass
class Loaded:
    items: int = 0
    links: int = 0
    fetches: int = 0
    runs: int = 0
    seconds: float = 0.0
    vacuum: float = 0.0
    size_mb: float = 0.0
    ids: dict[tuple[str, str], int] = field(default_factory=dict)  # (site, column) → column id
    site_ids: dict[str, int] = field(default_factory=dict)
    institution_id: int = 0


def night_start(today: dt.date, k: int) -> dt.datetime:
    """Start of the k-th nightly crawl (0: the full crawl, NIGHTS-1: today 02:00 local), UTC."""
    day = today - dt.timedelta(days=NIGHTS - 1 - k)
    return dt.datetime.combine(day, dt.time(2, 0), tzinfo=TZ).astimezone(dt.UTC)


def generate(
    plans: list[ColumnPlan], *, items: int, today: dt.date, loaded: Loaded, first_id: int = 1
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Batches of (item rows, column_items rows); rows as tuples in ITEM_COLUMNS / LINK_COLUMNS order."""
    rng = random.Random(7)
    plain, matching = title_pools()
    start = today - dt.timedelta(days=730)
    first_night = today - dt.timedelta(days=NIGHTS - 1)
    nights = [night_start(today, k) for k in range(NIGHTS)]
    last_seen = nights[-1]
    counts = [round(p.share * items) for p in plans]
    biggest = max(range(len(plans)), key=counts.__getitem__)
    counts[biggest] += items - sum(counts)
    by_site: dict[str, list[int]] = {}
    for i, plan in enumerate(plans):
        by_site.setdefault(plan.site, []).append(i)
    item_id = first_id
    rows: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []
    for i, (plan, count) in enumerate(zip(plans, counts, strict=True)):
        site_id, column_id = loaded.site_ids[plan.site], loaded.ids[(plan.site, plan.column)]
        if plan.stale and plan.max_age:
            end = today - dt.timedelta(days=plan.max_age + rng.randint(1, 120))
        else:
            end = today - dt.timedelta(days=rng.randint(1, 7))
        span = (end - start).days
        others = [j for j in by_site[plan.site] if j != i and not plans[j].blank and plans[j].share > 0]
        for _ in range(count):
            undated = plan.all_undated or rng.random() < 0.03
            day = None if undated else start + dt.timedelta(days=rng.randint(0, span))
            if day is None or day < first_night:
                seen = nights[0]
            else:
                seen = (
                    nights[(day - first_night).days + 1]
                    if (day - first_night).days + 1 < NIGHTS
                    else nights[-1]
                )
            seen += dt.timedelta(seconds=rng.randint(0, 3000))
            title = rng.choice(matching) if rng.random() < 0.10 else rng.choice(plain)
            attachment = rng.random() < 0.01
            url = f"http://{plan.host}/{plan.column}/{item_id}/page.{'pdf' if attachment else 'htm'}"
            source = None if day is None else ("list" if rng.random() < 0.9 else "url")
            rows.append(
                (item_id, site_id, url, title, day, source, attachment, seen, max(seen, last_seen), 0, None)
            )
            links.append((column_id, item_id, seen))
            if others and rng.random() < 0.03:
                j = others[item_id % len(others)]
                links.append((loaded.ids[(plans[j].site, plans[j].column)], item_id, seen))
            item_id += 1
            if len(rows) >= BATCH:
                yield rows, links
                rows, links = [], []
    if rows:
        yield rows, links


ITEM_COLUMNS = (
    "id",
    "site_id",
    "url",
    "title",
    "published_on",
    "date_source",
    "is_attachment",
    "first_seen_at",
    "last_seen_at",
    "labels_version",
    "report_type",
)
LINK_COLUMNS = ("column_id", "item_id", "first_seen_at")


def lookup(url: str, loaded: Loaded) -> None:
    from sqlalchemy import select

    from monitor import store
    from monitor.store.models import Column, Institution, Site

    engine = store.connect(url)
    with engine.connect() as conn:
        loaded.institution_id = conn.scalar(select(Institution.id).where(Institution.key == "bench"))
        loaded.site_ids = {key: id_ for key, id_ in conn.execute(select(Site.key, Site.id))}
        rows = conn.execute(select(Site.key, Column.key, Column.id).join(Site, Site.id == Column.site_id))
        loaded.ids = {(s, c): i for s, c, i in rows}
    engine.dispose()


def crawl_rows(
    plans: list[ColumnPlan], loaded: Loaded, *, starts: list[dt.datetime], first_run_id: int, nights: range
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """crawl_runs and column_fetches rows for `nights` (indexes into each plan's outcomes)."""
    runs, fetches = [], []
    for run_id, (night, started) in enumerate(zip(nights, starts, strict=True), start=first_run_id):
        runs.append(
            {
                "id": run_id,
                "institution_id": loaded.institution_id,
                "started_at": started,
                "finished_at": started + dt.timedelta(minutes=50),
                "status": "finished",
                "full": night == 0,
                "sites": [],
                "stats": {"bench": True},
                "pid": None,
            }
        )
        for n, plan in enumerate(plans):
            outcome = plan.outcomes[min(night, NIGHTS - 1)]
            readable = outcome in ("ok", "empty")
            fetched = started + dt.timedelta(seconds=5 * n)
            fetches.append(
                {
                    "crawl_run_id": run_id,
                    "column_id": loaded.ids[(plan.site, plan.column)],
                    "outcome": outcome,
                    "http_status": (200 if night == 0 else 304) if readable else None,
                    "pages": 1 if readable else 0,
                    "items_seen": 20 if readable and not plan.blank else 0,
                    "items_new": 0,
                    "error": None,
                    "started_at": fetched,
                    "finished_at": fetched + dt.timedelta(seconds=2),
                    "pages_failed": 0,
                    "articles": 0,
                    "validators": None,
                }
            )
    return runs, fetches


def load(url: str, plans: list[ColumnPlan], *, items: int, today: dt.date) -> Loaded:
    """Fill a freshly initialised database; the Loaded counts and the load time."""
    from sqlalchemy import insert

    from monitor import store
    from monitor.store.models import ColumnFetch, CrawlRun

    loaded = Loaded()
    lookup(url, loaded)
    started = time.perf_counter()
    engine = store.connect(url)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgres:
            from psycopg.copy import QueuedLibpqWriter

            raw = conn.connection.driver_connection
            with raw.cursor() as cursor:
                # loading only: no foreign-key triggers (the rows are consistent by construction)
                cursor.execute("SET LOCAL session_replication_role = replica")
                for rows, links in generate(plans, items=items, today=today, loaded=loaded):
                    with cursor.copy(
                        f"COPY items ({', '.join(ITEM_COLUMNS)}) FROM STDIN", writer=QueuedLibpqWriter(cursor)
                    ) as copy:
                        for row in rows:
                            copy.write_row(row)
                    with cursor.copy(
                        f"COPY column_items ({', '.join(LINK_COLUMNS)}) FROM STDIN",
                        writer=QueuedLibpqWriter(cursor),
                    ) as copy:
                        for link in links:
                            copy.write_row(link)
                    loaded.items += len(rows)
                    loaded.links += len(links)
        else:
            # the driver's executemany, with values as UTCDateTime and Date store them in SQLite;
            # a page cache that holds the indexes (loading only: the product keeps SQLite's default)
            conn.exec_driver_sql("PRAGMA cache_size = -1000000")
            item_sql = (
                f"INSERT INTO items ({', '.join(ITEM_COLUMNS)}) VALUES ({', '.join('?' * len(ITEM_COLUMNS))})"
            )
            link_sql = f"INSERT INTO column_items ({', '.join(LINK_COLUMNS)}) VALUES (?, ?, ?)"
            for rows, links in generate(plans, items=items, today=today, loaded=loaded):
                conn.exec_driver_sql(
                    item_sql,
                    [
                        (
                            i,
                            s,
                            u,
                            t,
                            day and _sqlite_value(day),
                            src,
                            int(att),
                            _sqlite_value(seen),
                            _sqlite_value(last),
                            v,
                            r,
                        )
                        for i, s, u, t, day, src, att, seen, last, v, r in rows
                    ],
                )
                conn.exec_driver_sql(link_sql, [(c, i, _sqlite_value(seen)) for c, i, seen in links])
                loaded.items += len(rows)
                loaded.links += len(links)
        starts = [night_start(today, k) for k in range(NIGHTS)]
        runs, fetches = crawl_rows(plans, loaded, starts=starts, first_run_id=1, nights=range(NIGHTS))
        conn.execute(insert(CrawlRun), runs)
        for k in range(0, len(fetches), BATCH):
            conn.execute(insert(ColumnFetch), fetches[k : k + BATCH])
        loaded.runs, loaded.fetches = len(runs), len(fetches)
        if postgres:
            reset_sequences(conn)
    loaded.seconds = time.perf_counter() - started
    if postgres:
        loaded.vacuum = vacuum(engine)
    engine.dispose()
    return loaded


@functools.lru_cache(maxsize=100_000)
def _sqlite_value(value: dt.date) -> str:
    """A date or UTC datetime as SQLAlchemy stores it in SQLite (naive UTC text); few distinct values."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value.isoformat()


def reset_sequences(conn: Any) -> None:
    """Move PostgreSQL's id sequences past the ids this script chose itself."""
    from sqlalchemy import text

    for table in ("items", "crawl_runs", "column_fetches"):
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        conn.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))"))


def vacuum(engine: Any) -> float:
    """VACUUM ANALYZE a PostgreSQL database (what autovacuum does in service); its seconds."""
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return time.perf_counter() - started


def add_new_items(url: str, plans: list[ColumnPlan], loaded: Loaded, *, count: int, seed: int) -> None:
    """One more nightly crawl that found `count` new items (dated yesterday or today)."""
    from sqlalchemy import func, insert, select

    from monitor import store
    from monitor.store.models import ColumnFetch, ColumnItem, CrawlRun, Item

    rng = random.Random(seed)
    plain, matching = title_pools()
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(TZ).date()
    engine = store.connect(url)
    with engine.begin() as conn:
        first_id = (conn.scalar(select(func.max(Item.id))) or 0) + 1
        run_id = (conn.scalar(select(func.max(CrawlRun.id))) or 0) + 1
        started = now - dt.timedelta(minutes=10)
        runs, fetches = crawl_rows(
            plans, loaded, starts=[started], first_run_id=run_id, nights=range(NIGHTS - 1, NIGHTS)
        )
        conn.execute(insert(CrawlRun), runs)
        conn.execute(insert(ColumnFetch), fetches)
        readable = [p for p in plans if p.share > 0 and p.outcomes[-1] == "ok"]
        rows, links = [], []
        seen = now - dt.timedelta(minutes=5)
        for k in range(count):
            plan = rng.choices(readable, weights=[p.share for p in readable])[0]
            item_id = first_id + k
            day = today - dt.timedelta(days=rng.randint(0, 1))
            title = rng.choice(matching) if rng.random() < 0.10 else rng.choice(plain)
            rows.append(
                {
                    "id": item_id,
                    "site_id": loaded.site_ids[plan.site],
                    "url": f"http://{plan.host}/{plan.column}/{item_id}/page.htm",
                    "title": title,
                    "published_on": day,
                    "date_source": "list",
                    "is_attachment": False,
                    "first_seen_at": seen,
                    "last_seen_at": seen,
                    "labels_version": 0,
                    "report_type": None,
                }
            )
            links.append(
                {"column_id": loaded.ids[(plan.site, plan.column)], "item_id": item_id, "first_seen_at": seen}
            )
        conn.execute(insert(Item), rows)
        conn.execute(insert(ColumnItem), links)
        if engine.dialect.name == "postgresql":
            reset_sequences(conn)
    engine.dispose()
