"""The check and stats benchmarks of issue #4: 1,000,000 items in 400 columns, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_check.py [--items 1000000] [--runs 3] [--first-runs 0]
        [--backends sqlite,postgresql] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--readme bench/README.md] [--no-readme] [--profile] [--worktree] [--keep]

The code measured is a clean export of HEAD (`git archive`, first on PYTHONPATH; `--worktree`
measures the work tree instead): other sessions edit the work tree while this runs.

A synthetic institution (3 campuses, 100 sites x 4 columns = 400 columns, kinds mixed, 40
columns carrying a checklist slug) is written to a temp directory and `xxgk init`-ed, once per
backend (SQLite: a file; PostgreSQL: a new database ``xxgk_bench_<hex>``, dropped at the end,
like every copy made of it). Then, in batches of 10,000 (the driver's executemany for SQLite,
psycopg COPY for PostgreSQL; the load is timed on its own and is no goal): ``--items`` items
spread unevenly over the columns and over two years of dates (3 % undated; a few columns blank,
stale or wholly undated), each listed in its column and 3 % in a second column of its site; ten
nightly crawl runs with an outcome for every column (a few columns unreachable for the last
nights, behind a login, gone or unparsable). Titles reuse phrases; about 10 % are checklist
titles (tests/checklist/labelled_titles.yaml) or report types (任职, 招聘).

Measured; every ``xxgk`` time is the wall time of a subprocess with stdout to /dev/null, so
interpreter start-up, imports and loading the config are included:

1. ``xxgk check --format json``, first run (every title classified once): one run per backend,
   on a fresh copy of the loaded database, through ``bench_check.py _cli``, which calls the same
   ``main()`` of ``monitor.cli`` with the parts of the check wrapped in timers (module
   attributes only: classify_new split into reading titles / the classifier / storing labels,
   build_snapshot, rules.judge, the rest of run_check, the commit). ``--first-runs N`` adds N
   plain ``.venv/bin/xxgk`` first runs on further copies (minutes each).
2. Steady state on that database: checks 2 to ``--runs``+1 (nothing new to classify), then
   ``--runs`` times 2,000 new items (one more nightly run) and a check. Goal: under 10 s. The
   split: ``--runs`` more checks in this process (the CLI's calls, in its order), query by query.
3. ``xxgk stats --from --to --format json`` for the last complete statistics year, ``--runs``
   times. Goal: under 2 s. The split: the same calls in this process.

Medians over ``--runs`` (3). PostgreSQL gets ``VACUUM ANALYZE`` after the load and after the
first check (autovacuum does it within minutes in service, and the next nightly check comes a day
later); SQLite gets no ANALYZE, as the product runs none. After the table, the slowest statements
of one steady check and one stats run are printed with their plans (PostgreSQL: EXPLAIN ANALYZE;
SQLite: EXPLAIN QUERY PLAN), and with ``--profile`` or when a goal is missed, the top of a cProfile
of one steady check and one stats run in this process. The Markdown table goes to stdout and,
between markers, into the "Check and stats (issue #4)" section of bench/README.md.
"""

from __future__ import annotations

import abc
import argparse
import contextlib
import cProfile
import datetime as dt
import functools
import importlib
import io
import json
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sections  # bench/sections.py: the script's directory is first on sys.path
import yaml

ROOT = Path(__file__).resolve().parents[1]
XXGK = ROOT / ".venv" / "bin" / "xxgk"
CHECKLIST = ROOT / "config" / "checklist.yaml"
LABELLED = ROOT / "tests" / "checklist" / "labelled_titles.yaml"
TZ = ZoneInfo("Asia/Shanghai")
BATCH = 10_000
NIGHTS = 10
NEW_ITEMS = 2_000
CHECK_GOAL, STATS_GOAL = 10.0, 2.0
TIMEOUT = 900
BEGIN, END = "<!-- bench_check: begin (generated) -->", "<!-- bench_check: end -->"
HEADING = "## Check and stats (issue #4)"

# ----------------------------------------------------------------------------- the institution

CAMPUSES = (
    ("main", "校本部", "bench.edu.cn", 40),
    ("wh", "威海校区", "wh.bench.edu.cn", 30),
    ("sz", "深圳校区", "sz.bench.edu.cn", 30),
)
#: First DNS labels the classifier knows (site priors and exclusions), spread over the campuses.
KNOWN_LABELS = ("hr", "career", "zsb", "yzb", "cwc", "zcc", "xsc", "jjh", "gjc", "zzb", "xxgk", "gh")
SITE_NAMES = ("学院", "研究院", "中心", "处", "部", "馆")
#: Four columns per site; the pattern cycles with the site's number.
PATTERNS = (
    (
        ("xwdt", "新闻动态", "news"),
        ("tzgg", "通知公告", "notice"),
        ("home", "首页", "homepage"),
        ("gk", "概况", "static"),
    ),
    (
        ("xwdt", "新闻动态", "news"),
        ("tzgg", "通知公告", "notice"),
        ("zpxx", "招聘信息", "hr_plan"),
        ("zcwj", "政策文件", "static"),
    ),
    (
        ("xwdt", "新闻动态", "news"),
        ("tzgg", "通知公告", "notice"),
        ("gsgg", "公示公告", "notice"),
        ("home", "首页", "homepage"),
    ),
    (
        ("xwdt", "新闻动态", "news"),
        ("tzgg", "通知公告", "notice"),
        ("xxgk", "信息公开", "static"),
        ("xsdt", "学术动态", "news"),
    ),
)
KIND_WEIGHT = {"news": 5.0, "notice": 3.0, "homepage": 2.0, "hr_plan": 0.5, "static": 0.4}
KIND_AGE = {"news": 14, "homepage": 14, "notice": 183, "hr_plan": 365, "static": None}
CMS = ("webplus", "vsb", "drupal", "auto")


@dataclass(frozen=True)
class ColumnPlan:
    site: str
    column: str
    kind: str
    host: str
    max_age: int | None
    share: float  # of all items
    blank: bool = False
    stale: bool = False
    all_undated: bool = False
    outcomes: tuple[str, ...] = ()  # per night, oldest first


def institution(checklist_slugs: list[str]) -> tuple[dict[str, Any], list[ColumnPlan]]:
    """The config (as YAML data) and, per column, how it is to be filled."""
    rng = random.Random(4)
    campuses, plans, n, slug_at = [], [], 0, 0
    for campus_id, campus_name, domain, count in CAMPUSES:
        sites = []
        for k in range(count):
            label = (
                KNOWN_LABELS[k] if k < 4 or (campus_id == "main" and k < len(KNOWN_LABELS)) else f"d{n:03d}"
            )
            host = f"{label}.{domain}"
            site_id = f"s{n:03d}"
            columns = []
            for j, (col_id, col_name, kind) in enumerate(PATTERNS[n % len(PATTERNS)]):
                index = n * 4 + j
                column: dict[str, Any] = {
                    "id": col_id,
                    "name": col_name,
                    "url": f"http://{host}/{col_id}/list.htm",
                    "cms": CMS[index % len(CMS)],
                    "kind": kind,
                }
                if index % 10 == 3:  # 40 columns carry a checklist slug
                    column["checklist"] = [checklist_slugs[slug_at % len(checklist_slugs)]]
                    slug_at += 1
                max_age = KIND_AGE[kind]
                if index % 37 == 5 and kind != "static":
                    column["max_age_days"] = max_age = 30
                columns.append(column)
                plans.append(
                    ColumnPlan(
                        site_id, col_id, kind, host, max_age, KIND_WEIGHT[kind] * rng.uniform(0.3, 1.7)
                    )
                )
            sites.append(
                {
                    "id": site_id,
                    "name": f"基准{n:03d}{SITE_NAMES[n % len(SITE_NAMES)]}",
                    "url": host,
                    "owner": [f"{label}@{domain}"],
                    "columns": columns,
                }
            )
            n += 1
        campuses.append({"id": campus_id, "name": campus_name, "sites": sites})
    config = {
        "institution": {
            "id": "bench",
            "name": "基准大学",
            "timezone": "Asia/Shanghai",
            "year_start": "09-01",
            "contact": "xxgk@bench.edu.cn",
        },
        "checklist": str(CHECKLIST),
        "mail": {"office": ["xxgk@bench.edu.cn"]},
        "campuses": campuses,
    }
    return config, _shape(plans, rng)


def _shape(plans: list[ColumnPlan], rng: random.Random) -> list[ColumnPlan]:
    """Blank, stale and wholly undated columns; crawl outcomes per night; shares summing to 1."""
    dynamic = [i for i, p in enumerate(plans) if p.kind != "static"]
    picked = rng.sample(dynamic, 6 + 2 + 5 + 3 + 2 + 2)
    blank, undated, down, login, gone, broken = (
        picked[:6],
        picked[6:8],
        picked[8:13],
        picked[13:16],
        picked[16:18],
        picked[18:20],
    )
    stale = set(rng.sample([i for i in dynamic if i not in picked], round(len(dynamic) * 0.12)))
    ok = ("ok",) * NIGHTS
    shaped = []
    for i, plan in enumerate(plans):
        outcomes = ok
        if i in blank:
            outcomes = ("empty",) * NIGHTS
        elif i in down:
            outcomes = ("ok",) * (NIGHTS - 4) + ("unreachable",) * 4
        elif i in login:
            outcomes = ("auth_required",) * NIGHTS
        elif i in gone:
            outcomes = ("ok",) * (NIGHTS - 1) + ("not_found",)
        elif i in broken:
            outcomes = ("ok",) * (NIGHTS - 2) + ("parse_failed",) * 2
        share = 0.0 if i in blank or i in login else plan.share
        shaped.append(
            ColumnPlan(
                **{
                    **vars(plan),
                    "share": share,
                    "blank": i in blank,
                    "stale": i in stale,
                    "all_undated": i in undated,
                    "outcomes": outcomes,
                }
            )
        )
    total = sum(p.share for p in shaped)
    return [ColumnPlan(**{**vars(p), "share": p.share / total}) for p in shaped]


# ----------------------------------------------------------------------------- titles

UNITS = (
    "计算学部",
    "航天学院",
    "机电工程学院",
    "材料科学与工程学院",
    "能源科学与工程学院",
    "电气工程及自动化学院",
    "仪器科学与工程学院",
    "数学学院",
    "物理学院",
    "经济与管理学院",
    "建筑与设计学院",
    "土木工程学院",
    "环境学院",
    "生命科学与技术学院",
    "化工与化学学院",
    "外国语学院",
    "马克思主义学院",
    "图书馆",
    "校医院",
    "后勤集团",
    "网络与信息中心",
    "校团委",
    "档案馆",
    "博物馆",
    "体育部",
    "海洋工程学院",
    "信息科学与工程学院",
)
TOPICS = (
    "人工智能创新",
    "空间科学前沿",
    "智能制造",
    "碳达峰碳中和",
    "新工科建设",
    "科技创新",
    "先进材料",
    "机器人技术",
    "集成电路",
    "绿色能源",
    "数字经济",
    "智慧城市",
    "生物医学工程",
    "海洋装备",
    "精密仪器",
    "量子信息",
    "低空经济",
    "卫星遥感",
    "工程伦理",
    "校园文化",
)
PARTNERS = (
    "哈尔滨市",
    "威海市",
    "深圳市南山区",
    "中国航天科技集团",
    "华为技术有限公司",
    "中国商飞",
    "莫斯科国立鲍曼技术大学",
    "新加坡国立大学",
    "国家电网",
    "比亚迪股份有限公司",
)
CONTESTS = (
    "全国大学生数学竞赛",
    "“挑战杯”全国大学生课外学术科技作品竞赛",
    "全国大学生机器人大赛",
    "中国国际大学生创新大赛",
    "全国大学生结构设计竞赛",
    "ACM国际大学生程序设计竞赛",
)
HOLIDAYS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
BUILDINGS = ("一校区主楼", "二校区东配楼", "科学园", "图书馆新馆", "学生公寓12号楼", "体育馆")
NEWS = (
    "{u}举办{y}年{t}学术论坛",
    "{u}召开{y}年{t}工作推进会",
    "{u}开展“{t}”主题活动",
    "{u}举行{t}启动仪式",
    "{u}与{p}签署战略合作协议",
    "{p}代表团来访{u}",
    "{u}学子在第{n}届{c}中获佳绩",
    "{u}团队在{t}领域取得新进展",
    "{u}举办“{t}”系列讲座第{n}讲",
    "{u}师生参加{y}年{t}学术年会",
    "{u}召开{y}年{t}专题研讨会",
    "校领导赴{u}调研{t}工作",
)
NOTICES = (
    "关于{y}年{h}放假安排的通知",
    "关于举办{y}年{t}讲座的通知",
    "关于{b}临时停电的通知",
    "{u}关于{t}报告会时间调整的通知",
    "关于组织参加第{n}届{c}的通知",
    "{u}{y}年{t}活动预告",
    "关于{b}停水的通知",
    "{u}“{t}”沙龙第{n}期预告",
)
REPORT_TITLES = (
    "关于{u}{y}年公开招聘专职辅导员的公告",
    "{u}{y}年公开招聘专任教师公告",
    "{y}年拟聘用人员名单公示",
    "关于{u}领导干部任职的通知",
    "关于干部任免的通知（{y}第{n}号）",
    "{u}干部考察预告",
)


@functools.cache
def title_pools(seed: int = 4) -> tuple[list[str], list[str]]:
    """(titles no checklist item speaks of, titles of checklist items or report types)."""
    from monitor.checklist import Classifier
    from monitor.config import load_checklist

    classifier = Classifier(load_checklist(CHECKLIST))
    rng = random.Random(seed)
    candidates = set()
    for _ in range(40_000):
        template = rng.choice(NEWS + NOTICES)
        candidates.add(
            template.format(
                u=rng.choice(UNITS),
                t=rng.choice(TOPICS),
                p=rng.choice(PARTNERS),
                c=rng.choice(CONTESTS),
                h=rng.choice(HOLIDAYS),
                b=rng.choice(BUILDINGS),
                y=rng.choice((2024, 2025, 2026)),
                n=rng.randint(1, 30),
            )
        )
    plain = sorted(t for t in candidates if not classifier.classify(t))
    labelled = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    matching = sorted({row["title"] for row in labelled if row["slug"] != "none"})
    matching += [
        template.format(u=rng.choice(UNITS), y=rng.choice((2024, 2025, 2026)), n=rng.randint(1, 30))
        for template in REPORT_TITLES
        for _ in range(20)
    ]
    return plain, matching


# ----------------------------------------------------------------------------- loading


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


# ----------------------------------------------------------------------------- backends


class Backend(abc.ABC):
    """A database the bench loads once and copies for each measured command."""

    name = ""

    @abc.abstractmethod
    def create_base(self) -> str:
        """The URL of the empty base database."""

    @abc.abstractmethod
    def copy(self, tag: str) -> str:
        """The URL of a fresh copy of the loaded base."""

    @abc.abstractmethod
    def drop(self, url: str) -> None:
        """Remove a copy."""

    @abc.abstractmethod
    def size_mb(self, url: str) -> float:
        """The database's size on disk."""

    @abc.abstractmethod
    def version(self) -> str:
        """The server's version string."""

    def close(self) -> None:  # noqa: B027 - optional hook: most backends hold nothing
        """Release what the backend holds (nothing by default)."""


class SQLiteBackend(Backend):
    name = "SQLite"

    def __init__(self, work: Path) -> None:
        self.work = work
        self.base = work / "base.db"

    def create_base(self) -> str:
        return f"sqlite:///{self.base}"

    def checkpoint(self) -> None:
        with contextlib.closing(sqlite3.connect(self.base)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def copy(self, tag: str) -> str:
        self.checkpoint()
        target = self.work / f"{tag}.db"
        shutil.copyfile(self.base, target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def size_mb(self, url: str) -> float:
        path = Path(url.removeprefix("sqlite:///"))
        return (
            sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())
            / 2**20
        )

    def version(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"


class PostgresBackend(Backend):
    name = "PostgreSQL"

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy import create_engine

        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.base = f"xxgk_bench_{uuid.uuid4().hex[:8]}"
        self.made: list[str] = []

    def _url(self, name: str) -> str:
        head, _, _ = self.admin_url.rpartition("/")
        return f"{head}/{name}"

    def create_base(self) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.base}"')
        self.made.append(self.base)
        return self._url(self.base)

    def copy(self, tag: str) -> str:
        name = f"{self.base}_{tag}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.base}" STRATEGY FILE_COPY')
        self.made.append(name)
        return self._url(name)

    def drop(self, url: str) -> None:
        name = url.rpartition("/")[2]
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.made:
            self.made.remove(name)

    def size_mb(self, url: str) -> float:
        name = url.rpartition("/")[2]
        with self.admin.connect() as conn:
            return conn.exec_driver_sql(f"SELECT pg_database_size('{name}')").scalar() / 2**20

    def version(self) -> str:
        with self.admin.connect() as conn:
            return "PostgreSQL " + conn.exec_driver_sql("SHOW server_version").scalar().split()[0]

    def close(self) -> None:
        for name in list(self.made):
            self.drop(self._url(name))
        self.admin.dispose()


# ----------------------------------------------------------------------------- measuring


def cli(config: Path, url: str, *args: str, timers: Path | None = None) -> float:
    """Wall seconds of one `xxgk` subprocess, its stdout to /dev/null (as `> /dev/null`).

    With `timers`, the same command runs through `bench_check.py _cli`: the same `main()` of
    `monitor.cli` behind the same imports, with the parts of the check wrapped in timers, which
    are written to that file.
    """
    command = [str(XXGK)] if timers is None else [sys.executable, __file__, "_cli", str(timers)]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "--config", str(config), "--db", url, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"xxgk {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


class Timers:
    """Seconds and calls per name, filled by the wrappers of `instrument`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.calls[name] = self.calls.get(name, 0) + 1

    def timed(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - started)

        return wrapper

    def timed_batches(self, name: str, fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            batches = fn(*args, **kwargs)
            while True:
                started = time.perf_counter()
                try:
                    batch = next(batches)
                except StopIteration:
                    self.add(name, time.perf_counter() - started)
                    return
                self.add(name, time.perf_counter() - started)
                yield batch

        return wrapper

    def get(self, name: str) -> float:
        return self.seconds.get(name, 0.0)


@contextlib.contextmanager
def instrument(timers: Timers) -> Iterator[None]:
    """Wrap the parts of `xxgk check` and `xxgk stats` in timers, for the duration.

    Only module attributes are replaced (the callers look them up at call time), and the commit
    of SQLAlchemy's SessionTransaction; the product's code is not changed.
    """
    from sqlalchemy.orm.session import SessionTransaction

    import monitor.checks
    import monitor.cli.compliance
    import monitor.rules
    import monitor.store
    import monitor.store.checks

    cli_main = importlib.import_module("monitor.cli.main")  # `monitor.cli.main` is the click group
    patches = [
        (cli_main, "load_config", "load_config"),
        (monitor.store, "connect", "connect"),
        (monitor.store, "ensure_current", "ensure_current"),
        (monitor.checks, "run_check", "run_check"),
        (monitor.checks, "classify_new", "classify_new"),
        (monitor.checks, "build_snapshot", "build_snapshot"),
        (monitor.rules, "judge", "rules.judge"),
        (monitor.store.checks, "store_labels", "store_labels"),
        (monitor.store.checks, "column_facts", "column_facts"),
        (monitor.store.checks, "recent_outcomes", "recent_outcomes"),
        (monitor.store.checks, "evidence", "evidence"),
        (monitor.store.checks, "report_type_counts", "report_type_counts"),
        (monitor.store.checks, "open_keys", "open_keys"),
        (monitor.store.checks, "start_check", "start_check"),
        (monitor.store.checks, "save_findings", "save_findings"),
        (monitor.store.checks, "finish_check", "finish_check"),
        (monitor.store, "count_items_by_site", "count_items_by_site"),
        (monitor.store, "manual_counts", "manual_counts"),
        (monitor.checks, "check_document", "check_document"),
        (monitor.cli.compliance, "check_document", "check_document"),
        (SessionTransaction, "commit", "commit"),
    ]
    patches = [(owner, attr, name) for owner, attr, name in patches if attr in owner.__dict__]
    saved = [(owner, attr, owner.__dict__[attr]) for owner, attr, _ in patches]
    saved.append((monitor.store.checks, "unlabelled", monitor.store.checks.unlabelled))
    try:
        for owner, attr, name in patches:
            setattr(owner, attr, timers.timed(name, getattr(owner, attr)))
        monitor.store.checks.unlabelled = timers.timed_batches("unlabelled", monitor.store.checks.unlabelled)
        yield
    finally:
        for owner, attr, original in saved:
            setattr(owner, attr, original)


class Statements:
    """Every SQL statement run while attached, with its parameters and seconds (for EXPLAIN)."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, str, Any]] = []

    @contextlib.contextmanager
    def attached(self) -> Iterator[None]:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            conn.info["bench_started"] = time.perf_counter()

        def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            self.seen.append((time.perf_counter() - conn.info.pop("bench_started"), statement, parameters))

        event.listen(Engine, "before_cursor_execute", before)
        event.listen(Engine, "after_cursor_execute", after)
        try:
            yield
        finally:
            event.remove(Engine, "before_cursor_execute", before)
            event.remove(Engine, "after_cursor_execute", after)

    def selects(self) -> list[tuple[str, Any]]:
        return [
            (statement, parameters)
            for _, statement, parameters in self.seen
            if statement.startswith("SELECT")
        ]


def explain(url: str, statements: list[tuple[str, Any]], n: int) -> str:
    """The `n` slowest of `statements`, each run again to its last row (a SQLite cursor returns at
    the first row), with its plan: PostgreSQL EXPLAIN (ANALYZE, BUFFERS), SQLite EXPLAIN QUERY PLAN."""
    from monitor import store

    engine = store.connect(url)
    out = []
    with engine.connect() as conn:
        postgres = engine.dialect.name == "postgresql"
        timed = []
        for statement, parameters in statements:
            started = time.perf_counter()
            conn.exec_driver_sql(statement, parameters).all()
            timed.append((time.perf_counter() - started, statement, parameters))
        for seconds, statement, parameters in sorted(timed, key=lambda s: s[0], reverse=True)[:n]:
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            plan = "\n".join(str(r[0]) if postgres else f"{'  ' * (r[1] > 0)}{r[3]}" for r in rows)
            short = " ".join(statement.split())
            out.append(
                f"-- {seconds * 1000:.0f} ms: {short[:600]}{' …' if len(short) > 600 else ''}\n{plan}\n"
            )
        conn.rollback()
    engine.dispose()
    return "\n".join(out)


@dataclass
class Split:
    total: float
    timers: Timers
    summary: dict[str, Any] = field(default_factory=dict)


def check_in_process(
    config_path: Path, url: str, *, profile: Path | None = None, statements: Statements | None = None
) -> Split:
    """One `xxgk check` as the CLI runs it (same session, same calls), in this process, timed."""
    from monitor import checks, store
    from monitor.cli import compliance
    from monitor.config import load_config

    timers = Timers()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with instrument(timers), statements.attached() if statements else contextlib.nullcontext():
        if profiler:
            profiler.enable()
        config = timers.timed("load_config", load_config)(config_path)
        today = dt.datetime.now(config.institution.tz).date()
        engine = store.connect(url)
        store.ensure_current(engine)
        with store.sessions(engine).begin() as session:
            result = checks.run_check(session, config, at=today, today=today)
        engine.dispose()
        document = getattr(checks, "check_document", None) or compliance.check_document
        json.dumps(document(result), ensure_ascii=False, indent=2)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
    total = time.perf_counter() - started
    return Split(total, timers, checks.summary(result.judgement, result.states, result.resolved))


def stats_in_process(
    config_path: Path,
    url: str,
    start: dt.date,
    end: dt.date,
    *,
    profile: Path | None = None,
    statements: Statements | None = None,
) -> Split:
    """One `xxgk stats --format json` as the CLI runs it (the same calls in the same order), timed."""
    from monitor import checks, stats, store
    from monitor.config import load_config

    timers = Timers()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with instrument(timers), statements.attached() if statements else contextlib.nullcontext():
        if profiler:
            profiler.enable()
        config = timers.timed("load_config", load_config)(config_path)
        engine = store.connect(url)
        store.ensure_current(engine)
        with store.sessions(engine).begin() as session:
            key = config.institution.id
            checks.classify_new(session, config)
            counts = store.count_items_by_site(session, institution_key=key, start=start, end=end)
            manual = store.manual_counts(session, institution_key=key, start=start, end=end)
            before = (checks.year_before(start), checks.year_before(end))
            last_year = store.count_items_by_site(
                session, institution_key=key, start=before[0], end=before[1]
            )
            by_type = store.checks.report_type_counts(session, institution_key=key, start=start, end=end)
        engine.dispose()
        t = time.perf_counter()
        tables = stats.build_tables(
            config, start=start, end=end, counts=counts, manual=manual, last_year=last_year, by_type=by_type
        )
        stats.to_json(tables)
        timers.add("output", time.perf_counter() - t)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
    return Split(time.perf_counter() - started, timers, {"total": tables.total, "by_type": by_type})


def timed_cli_child(timers_path: str, argv: list[str]) -> None:
    """`bench_check.py _cli FILE XXGK-ARGS…`: run `xxgk` with its parts timed; the timers to FILE."""
    started = time.perf_counter()
    from monitor.cli import main as xxgk

    imported = time.perf_counter()
    timers = Timers()
    code = 0
    with instrument(timers):
        try:
            xxgk.main(args=argv, prog_name="xxgk", standalone_mode=False)
        except SystemExit as exc:
            code = int(exc.code or 0)
    done = time.perf_counter()
    Path(timers_path).write_text(
        json.dumps(
            {
                "import": imported - started,
                "main": done - imported,
                "seconds": timers.seconds,
                "calls": timers.calls,
            }
        )
    )
    sys.stdout.flush()
    os._exit(code)  # as the CLI would exit, minus interpreter teardown (timed from outside anyway)


def read_split(path: Path) -> Split:
    data = json.loads(path.read_text())
    timers = Timers()
    timers.seconds, timers.calls = data["seconds"], data["calls"]
    timers.seconds["import"] = data["import"]
    return Split(data["main"], timers)


def labelled_share(url: str) -> tuple[int, int, int]:
    """(items, items with a checklist label, items with a report type)."""
    from sqlalchemy import func, select

    from monitor import store
    from monitor.store.models import Item, ItemLabel

    engine = store.connect(url)
    with engine.connect() as conn:
        items = conn.scalar(select(func.count()).select_from(Item))
        labelled = conn.scalar(select(func.count(func.distinct(ItemLabel.item_id))))
        typed = conn.scalar(select(func.count()).select_from(Item).where(Item.report_type.is_not(None)))
    engine.dispose()
    return items, labelled, typed


def top_of_profile(path: Path, n: int = 30) -> str:
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("cumulative").print_stats(n)
    stats.sort_stats("tottime").print_stats(n)
    return out.getvalue()


@dataclass
class Result:
    backend: str
    version: str
    loaded: Loaded
    init: float = 0.0
    first: list[float] = field(default_factory=list)
    first_split: Split | None = None
    steady: list[float] = field(default_factory=list)
    steady_splits: list[Split] = field(default_factory=list)
    new: list[float] = field(default_factory=list)
    new_split: Split | None = None
    stats: list[float] = field(default_factory=list)
    stats_splits: list[Split] = field(default_factory=list)
    startup: list[float] = field(default_factory=list)
    shares: tuple[int, int, int] = (0, 0, 0)
    vacuum_after_first: float = 0.0
    size_after: float = 0.0
    profiles: dict[str, Path] = field(default_factory=dict)
    plans: dict[str, str] = field(default_factory=dict)


def run_backend(
    backend: Backend, args: argparse.Namespace, work: Path, config_path: Path, plans: list[ColumnPlan]
) -> Result:
    from monitor import stats as stats_module
    from monitor import store

    def log(*parts: Any) -> None:
        print(f"[{backend.name} {time.strftime('%H:%M:%S')}]", *parts, file=sys.stderr, flush=True)

    today = dt.datetime.now(TZ).date()
    base = backend.create_base()
    t = time.perf_counter()
    subprocess.run(
        [str(XXGK), "--config", str(config_path), "--db", base, "init"],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=TIMEOUT,
    )
    init = time.perf_counter() - t
    loaded = load(base, plans, items=args.items, today=today)
    loaded.size_mb = backend.size_mb(base)
    result = Result(backend.name, backend.version(), loaded, init=init)
    log(f"loaded {loaded.items:,} items, {loaded.links:,} links in {loaded.seconds:.1f} s")
    result.startup = [cli(config_path, base, "--version") for _ in range(args.runs)]
    # 1. first run: every title classified once
    for n in range(args.first_runs):
        url = backend.copy(f"first{n}")
        result.first.append(cli(config_path, url, "check", "--format", "json"))
        log(f"first check (xxgk) {n + 1}: {result.first[-1]:.1f} s")
        backend.drop(url)
    main_url = backend.copy("main")
    timers = work / f"first-{backend.name}.json"
    result.first.append(cli(config_path, main_url, "check", "--format", "json", timers=timers))
    result.first_split = read_split(timers)
    log(f"first check (timed): {result.first[-1]:.1f} s")
    result.shares = labelled_share(main_url)
    if isinstance(backend, PostgresBackend):
        engine = store.connect(main_url)
        result.vacuum_after_first = vacuum(engine)
        engine.dispose()
    # 2. steady state
    for n in range(args.runs):
        result.steady.append(cli(config_path, main_url, "check", "--format", "json"))
        log(f"steady check {n + 1}: {result.steady[-1]:.1f} s")
    result.steady_splits = [check_in_process(config_path, main_url) for _ in range(args.runs)]
    statements = Statements()
    check_in_process(config_path, main_url, statements=statements)
    result.plans["check"] = explain(main_url, statements.selects(), 4)
    for n in range(args.runs):
        add_new_items(main_url, plans, loaded, count=NEW_ITEMS, seed=100 + n)
        result.new.append(cli(config_path, main_url, "check", "--format", "json"))
        log(f"check after {NEW_ITEMS} new items {n + 1}: {result.new[-1]:.1f} s")
    add_new_items(main_url, plans, loaded, count=NEW_ITEMS, seed=200)
    result.new_split = check_in_process(config_path, main_url)
    # 3. stats for the last complete statistics year
    start, end = stats_module.statistics_year("09-01", today=today)
    for n in range(args.runs):
        result.stats.append(
            cli(config_path, main_url, "stats", "--from", str(start), "--to", str(end), "--format", "json")
        )
        log(f"stats {n + 1}: {result.stats[-1]:.2f} s")
    result.stats_splits = [stats_in_process(config_path, main_url, start, end) for _ in range(args.runs)]
    statements = Statements()
    stats_in_process(config_path, main_url, start, end, statements=statements)
    result.plans["stats"] = explain(main_url, statements.selects(), 3)
    slug = backend.name.lower()
    if args.profile or med(result.steady) > CHECK_GOAL:
        path = work / f"profile-check-{slug}.prof"
        check_in_process(config_path, main_url, profile=path)
        result.profiles["steady check"] = path
    if args.profile or med(result.stats) > STATS_GOAL:
        path = work / f"profile-stats-{slug}.prof"
        stats_in_process(config_path, main_url, start, end, profile=path)
        result.profiles["stats"] = path
    result.size_after = backend.size_mb(main_url)
    backend.drop(main_url)
    backend.drop(base)
    return result


# ----------------------------------------------------------------------------- the table


def med(values: list[float]) -> float:
    return statistics.median(values)


def runs(values: list[float], digits: int = 1) -> str:
    return "" if len(values) < 2 else f" (runs: {', '.join(f'{v:.{digits}f}' for v in values)})"


def classify_parts(split: Split) -> tuple[float, float, float]:
    """(reading titles, the classifier, storing labels) of classify_new."""
    t = split.timers
    read, write = t.get("unlabelled"), t.get("store_labels")
    return read, t.get("classify_new") - read - write, write


def snapshot_rest(split: Split) -> float:
    t = split.timers
    return t.get("build_snapshot") - sum(t.get(n) for n in SNAPSHOT_QUERIES)


def rest_of_run_check(split: Split) -> float:
    t = split.timers
    return t.get("run_check") - t.get("classify_new") - t.get("build_snapshot") - t.get("rules.judge")


def goal(value: float, limit: float) -> str:
    verdict = "met" if value < limit else f"missed by {value - limit:.1f} s ({value / limit:.1f}×)"
    return f"**{value:.1f} s**: {verdict}"


SNAPSHOT_QUERIES = ("column_facts", "recent_outcomes", "count_items_by_site", "manual_counts", "evidence")


def table(results: list[Result]) -> str:
    lines = [
        "| measure | " + " | ".join(r.backend for r in results) + " |",
        "|---" * (len(results) + 1) + "|",
    ]

    def row(label: str, cell: Callable[[Result], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")

    def split_row(
        label: str, value: Callable[[Split], float], splits: Callable[[Result], list[Split]]
    ) -> None:
        row(label, lambda r: f"{med([value(s) for s in splits(r)]):.2f} s")

    def first(r: Result) -> list[Split]:
        return [r.first_split] if r.first_split else []

    def steady(r: Result) -> list[Split]:
        return r.steady_splits

    def new(r: Result) -> list[Split]:
        return [r.new_split] if r.new_split else []

    def in_stats(r: Result) -> list[Split]:
        return r.stats_splits

    def t(name: str) -> Callable[[Split], float]:
        return lambda s: s.timers.get(name)

    row("**Load** (not part of any goal)", lambda r: "")
    row("`xxgk init` (migrations, 400 columns)", lambda r: f"{r.init:.1f} s")
    row(
        "items / column_items / crawl runs / column_fetches",
        lambda r: f"{r.loaded.items:,} / {r.loaded.links:,} / {r.loaded.runs} / {r.loaded.fetches:,}",
    )
    row(
        "load (batches of 10,000)",
        lambda r: (
            f"{r.loaded.seconds:.1f} s ({'COPY' if r.backend == 'PostgreSQL' else 'executemany'})"
            + (f" + VACUUM ANALYZE {r.loaded.vacuum:.1f} s" if r.loaded.vacuum else "")
        ),
    )
    row(
        "database size after the load / at the end",
        lambda r: f"{r.loaded.size_mb:,.0f} / {r.size_after:,.0f} MiB",
    )
    row(
        "`xxgk --version` (interpreter start-up + imports)",
        lambda r: f"{med(r.startup):.2f} s{runs(r.startup, 2)}",
    )
    row(
        "**`xxgk check`, first run** (every title classified)",
        lambda r: f"**{med(r.first):.1f} s**{runs(r.first)}",
    )
    row(
        "items labelled with a checklist item / with a report type",
        lambda r: (
            f"{r.shares[1]:,} ({r.shares[1] / r.shares[0]:.1%}) / "
            f"{r.shares[2]:,} ({r.shares[2] / r.shares[0]:.1%})"
        ),
    )
    split_row("— importing `monitor.cli`", t("import"), first)
    split_row(
        "— load_config + connect + ensure_current",
        lambda s: s.timers.get("load_config") + s.timers.get("connect") + s.timers.get("ensure_current"),
        first,
    )
    split_row("— classify_new", t("classify_new"), first)
    split_row(
        "&nbsp;&nbsp;&nbsp;reading titles (`unlabelled`, 5,000 a batch)",
        lambda s: classify_parts(s)[0],
        first,
    )
    split_row(
        "&nbsp;&nbsp;&nbsp;classifier (`Classifier()`, `classify`, `report_type`)",
        lambda s: classify_parts(s)[1],
        first,
    )
    split_row("&nbsp;&nbsp;&nbsp;storing labels (`store_labels`)", lambda s: classify_parts(s)[2], first)
    split_row("— build_snapshot", t("build_snapshot"), first)
    split_row("— rules.judge", t("rules.judge"), first)
    split_row("— rest of run_check (`open_keys`, `save_findings` …)", rest_of_run_check, first)
    split_row("— commit", t("commit"), first)
    row(
        f"**`xxgk check`, steady state** (checks 2–{args_runs(results) + 1}, nothing to classify; "
        "goal < 10 s)",
        lambda r: f"{goal(med(r.steady), CHECK_GOAL)}{runs(r.steady)}",
    )
    row(
        f"… each after {NEW_ITEMS:,} new items (a new nightly run before each check)",
        lambda r: f"{goal(med(r.new), CHECK_GOAL)}{runs(r.new)}",
    )
    split_row("steady, in process (median): the whole check", lambda s: s.total, steady)
    split_row("— load_config", t("load_config"), steady)
    split_row(
        "— connect + ensure_current (`alembic_version` against HEAD_REVISION)",
        lambda s: s.timers.get("connect") + s.timers.get("ensure_current"),
        steady,
    )
    split_row("— classify_new (nothing new: the `unlabelled` query)", t("classify_new"), steady)
    for name in SNAPSHOT_QUERIES:
        calls = " (×2: this year, last year)" if name == "count_items_by_site" else ""
        split_row(f"— build_snapshot: `{name}`{calls}", t(name), steady)
    split_row("— build_snapshot: the rest (Python)", snapshot_rest, steady)
    split_row("— rules.judge", t("rules.judge"), steady)
    split_row("— rest of run_check (`save_findings` …)", rest_of_run_check, steady)
    split_row("— commit", t("commit"), steady)
    split_row(
        "— `check_document` + JSON",
        lambda s: (
            s.total
            - sum(
                s.timers.get(n) for n in ("load_config", "connect", "ensure_current", "run_check", "commit")
            )
        ),
        steady,
    )
    split_row(f"after {NEW_ITEMS:,} new items, in process: classify_new", t("classify_new"), new)
    row(
        "**`xxgk stats`**, last statistics year, `--format json` (goal < 2 s)",
        lambda r: f"{goal(med(r.stats), STATS_GOAL)}{runs(r.stats, 2)}",
    )
    split_row("in process (median): the whole command", lambda s: s.total, in_stats)
    split_row("— load_config", t("load_config"), in_stats)
    split_row(
        "— connect + ensure_current",
        lambda s: s.timers.get("connect") + s.timers.get("ensure_current"),
        in_stats,
    )
    split_row("— classify_new (nothing new)", t("classify_new"), in_stats)
    split_row("— `count_items_by_site` ×2 (the year, the year before)", t("count_items_by_site"), in_stats)
    split_row("— `report_type_counts`", t("report_type_counts"), in_stats)
    split_row("— tables + JSON", t("output"), in_stats)
    return "\n".join(lines)


def args_runs(results: list[Result]) -> int:
    return len(results[0].steady) if results else 0


def machine(results: list[Result]) -> str:
    def run(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
        except OSError:
            return ""

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in run(["lscpu"]).splitlines()
            if line.startswith("Model name")
        ),
        platform.processor(),
    )
    memory = next(
        (line.split()[1] for line in run(["free", "-h"]).splitlines() if line.startswith("Mem:")), "?"
    )
    import psycopg
    import sqlalchemy

    versions = ", ".join(r.version for r in results)
    return (
        f"{os.cpu_count()} CPUs (`nproc`), {cpu}, {memory} RAM (`free -h`); "
        f"Python {platform.python_version()}, "
        f"{versions}, SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__}; "
        f"{dt.date.today().isoformat()}"
    )


def git_head() -> str:
    command = ["git", "rev-parse", "--short", "HEAD"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def code_version(args: argparse.Namespace) -> str:
    if not args.worktree:
        return f"a clean export of commit {args.head} (`git archive {args.head} monitor alembic crawler`)"
    command = ["git", "status", "--short", "monitor", "alembic"]
    dirty = subprocess.run(command, cwd=ROOT, capture_output=True, text=True).stdout
    return (
        f"the work tree at {args.head} ({len(dirty.splitlines())} files changed under monitor/ and alembic/)"
    )


def section(results: list[Result], args: argparse.Namespace, body: str, plans: list[ColumnPlan]) -> str:
    argv = [a for a in sys.argv[1:] if not a.startswith("--readme")]
    cmd = ".venv/bin/python bench/bench_check.py " + " ".join(argv)
    kinds: dict[str, int] = {}
    for p in plans:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    verdicts = ", ".join(
        f"{r.backend}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(r.steady_splits[0].summary["columns"].items()))
        for r in results[:1]
    )
    findings = results[0].steady_splits[0].summary["findings"] if results else {}
    first_labels = results[0].first_split.timers.calls.get("store_labels", 0) if results else 0
    return "\n".join(
        [
            BEGIN,
            f"Measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `{cmd.strip()}`. "
            "Every `xxgk` time is the wall time of a subprocess with stdout to /dev/null, so interpreter "
            "start-up, imports and loading the config are in it; "
            f"medians of {args.runs} runs unless one value is shown. "
            "The first run is one run per backend (it classifies every title: minutes), through "
            "`bench_check.py _cli`, which calls the same `monitor.cli` `main()` with the parts timed; "
            f"{f'plus {args.first_runs} plain `xxgk` run(s) on fresh copies; ' if args.first_runs else ''}"
            "the steady and stats splits are the same calls made in the bench process.",
            "",
            f"- Machine: {machine(results)}.",
            f"- Code: {code_version(args)}.",
            f"- Data: 3 campuses, 100 sites, {len(plans)} columns ("
            + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
            + f"), 40 of them with a checklist slug; {args.items:,} items over two years (3 % undated), "
            f"{NIGHTS} nightly crawl runs. Verdicts of a steady check ({verdicts}); findings {findings}. "
            f"The first check labels in {first_labels} batches of 5,000.",
            "",
            body,
            END,
        ]
    )


# ----------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--first-runs",
        type=int,
        default=0,
        help="plain `xxgk check` first runs on fresh copies, besides the timed one (minutes each)",
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--pg",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="an admin URL; the bench creates and drops its own databases",
    )
    parser.add_argument("--readme", type=Path, default=ROOT / "bench" / "README.md")
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    parser.add_argument("--profile", action="store_true", help="profile one steady check and one stats run")
    parser.add_argument(
        "--worktree", action="store_true", help="measure the work tree, not a clean export of HEAD"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory (config, profiles)")
    return parser.parse_args()


def export_head(target: Path, commit: str) -> Path:
    """A clean export of the packages at `commit`: other sessions edit the work tree meanwhile."""
    target.mkdir(parents=True)
    command = ["git", "archive", commit, "monitor", "alembic", "crawler"]
    archive = subprocess.run(command, cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "_cli":
        timed_cli_child(sys.argv[2], sys.argv[3:])
        return
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-check-"))
    args.head = git_head()
    src = ROOT if args.worktree else export_head(work / "src", args.head)
    sys.path.insert(0, str(src))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    from monitor.config import load_checklist

    backends: list[Backend] = []
    try:
        slugs = [item.slug for item in load_checklist(CHECKLIST).items]
        config, plans = institution(slugs)
        config_path = work / "bench.yaml"
        config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        results = []
        for name in args.backends.split(","):
            backend: Backend = SQLiteBackend(work) if name == "sqlite" else PostgresBackend(args.pg)
            backends.append(backend)
            results.append(run_backend(backend, args, work, config_path, plans))
            backend.close()
        generated = section(results, args, table(results), plans)
        print(generated)
        if not args.no_readme:
            sections.write(args.readme, generated, heading=HEADING, begin=BEGIN, end=END)
        for result in results:
            for what, plan in result.plans.items():
                print(
                    f"\nThe slowest statements of one {what} on {result.backend}, with their plans:\n\n{plan}"
                )
            for what, path in result.profiles.items():
                print(f"\ncProfile of one {what} on {result.backend} ({path}):")
                print(top_of_profile(path))
    finally:
        for backend in backends:
            with contextlib.suppress(Exception):
                backend.close()
        if args.keep or args.profile:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
