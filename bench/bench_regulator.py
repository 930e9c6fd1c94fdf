"""The regulator's benchmarks of issue 14 (part A), on PostgreSQL.

    .venv/bin/python bench/bench_regulator.py [--check-institutions 100] [--items-per-column 100]
        [--page-institutions 3000] [--requests 300] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

1. ``xxgk check``: a config folder of ``--check-institutions`` synthetic institutions, 11 sites x
   3 columns each (33 columns, as 100,000 columns are about 3,000 universities), ``xxgk init``,
   then ``--items-per-column`` items per column, one finished crawl run per institution with an
   ``ok`` outcome per column, all generated in PostgreSQL (``generate_series``), titles marked as
   classified (so the check's time is judging, not the title classifier) and one in 25 labelled
   as evidence of one of six checklist items. Timed as subprocesses of the real CLI:
   ``xxgk check --institution inst0001`` (one institution) and ``xxgk check`` (every
   institution: batched, ``checks.BATCH`` per batch of queries).
2. The regulator page: a folder of ``--page-institutions`` institutions (33 columns each:
   3,000 are 99,000 columns), their ``institutions`` rows, and 14 days of stored checks each
   (synthetic summaries), then the dashboard over the folder (``create_app(deployment=...)``,
   uvicorn on loopback) with a regulator login: the first ``/regulator`` (builds the ranking),
   then ``--requests`` sequential requests each of ``/regulator`` and ``/api/regulator``: p50,
   p95, max. The page reads stored summaries only, so its cost does not depend on the items.

Both databases are made fresh (``xxgk_bench_reg_<hex>``) and dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
import yaml
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor import store  # noqa: E402
from monitor.checklist import Classifier  # noqa: E402
from monitor.deployment import load_deployment  # noqa: E402
from monitor.store import users  # noqa: E402
from monitor.web import create_app  # noqa: E402
from monitor.web.security import hash_password  # noqa: E402

SITES, COLUMNS = 11, 3
PASSWORD = "bench regulator password"


def institution_yaml(i: int) -> dict[str, object]:
    key = f"inst{i:04d}"
    sites = [
        {
            "id": f"s{j}",
            "name": f"网站{j}",
            "url": f"s{j}.{key}.edu.cn",
            "columns": [
                {
                    "id": f"c{k}",
                    "name": f"栏目{k}",
                    "url": f"http://s{j}.{key}.edu.cn/c{k}/list.htm",
                    "cms": "webplus",
                    "kind": "news" if k == 0 else "notice",
                }
                for k in range(COLUMNS)
            ],
        }
        for j in range(SITES)
    ]
    return {
        "institution": {"id": key, "name": f"大学{i:04d}", "contact": f"xxgk@{key}.edu.cn"},
        "checklist": str(ROOT / "config" / "checklist.yaml"),
        "mail": {"office": [f"office@{key}.edu.cn"]},
        "campuses": [{"id": "main", "name": "校本部", "sites": sites}],
    }


def write_folder(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, count + 1):
        data = institution_yaml(i)
        (folder / f"inst{i:04d}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def fresh_database(admin_url: str) -> tuple[str, str]:
    name = f"xxgk_bench_reg_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def xxgk(folder: Path, url: str, *args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(folder), "--db", url, *args],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"xxgk {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return time.perf_counter() - start


LOAD_ITEMS = """
INSERT INTO items (site_id, url, title, published_on, date_source, is_attachment, first_seen_at,
                   last_seen_at, labels_version)
SELECT c.site_id, 'http://b/' || c.id || '/' || g, '关于开展第' || g || '期工作的通知',
       current_date - ((g * 7 + c.id) % 500), 'list', false, now() - interval '2 days', now(), :version
FROM columns c CROSS JOIN generate_series(1, :n) AS g
"""
LOAD_COLUMN_ITEMS = """
INSERT INTO column_items (column_id, item_id, first_seen_at)
SELECT split_part(url, '/', 4)::int, id, first_seen_at FROM items
"""
LOAD_RUNS = """
INSERT INTO crawl_runs (institution_id, started_at, finished_at, status, "full", sites, stats)
SELECT id, now() - interval '1 day', now() - interval '23 hours', 'finished', false, '[]', '{}'
FROM institutions
"""
LOAD_FETCHES = """
INSERT INTO column_fetches (crawl_run_id, column_id, outcome, http_status, pages, items_seen,
                            items_new, started_at, finished_at, pages_failed, articles)
SELECT r.id, c.id, 'ok', 200, 1, :n, 0, r.started_at, r.finished_at, 0, 0
FROM columns c JOIN sites s ON s.id = c.site_id JOIN crawl_runs r ON r.institution_id = s.institution_id
"""

#: One item in 25 labelled as evidence of one of six checklist items (as the classifier would:
#: a few per column per item), so the check's evidence queries have rows to rank.
LOAD_LABELS = """
INSERT INTO item_labels (item_id, slug, score, published_on)
SELECT id, (ARRAY['basic-info', 'charter-and-rules', 'admission-charter-plan', 'admission-results',
                  'development-plan', 'disclosure-annual-report'])[1 + id % 6], 0.9, published_on
FROM items WHERE id % 25 = 0
"""


def load_items(url: str, per_column: int) -> float:
    start = time.perf_counter()
    engine = store.connect(url)
    with engine.begin() as conn:
        conn.execute(text(LOAD_ITEMS), {"n": per_column, "version": Classifier.VERSION})
        conn.execute(text(LOAD_COLUMN_ITEMS))
        conn.execute(text(LOAD_RUNS))
        conn.execute(text(LOAD_FETCHES), {"n": per_column})
        conn.execute(text(LOAD_LABELS))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - start


def bench_check(admin_url: str, count: int, per_column: int, work: Path) -> dict[str, float]:
    folder = write_folder(work / "check", count)
    name, url = fresh_database(admin_url)
    try:
        found = {"institutions": count, "columns": count * SITES * COLUMNS}
        found["items"] = found["columns"] * per_column
        found["init_s"] = xxgk(folder, url, "init")
        found["load_s"] = load_items(url, per_column)
        found["one_s"] = xxgk(folder, url, "check", "--institution", "inst0001")
        found["one_again_s"] = xxgk(folder, url, "check", "--institution", "inst0002")
        found["all_s"] = xxgk(folder, url, "check")
        found["help_s"] = xxgk(folder, url, "rules")  # start-up of the CLI alone (no config read)
        return found
    finally:
        drop_database(admin_url, name)


CHECK_RUNS = """
INSERT INTO check_runs (institution_id, at, created_at, summary)
SELECT i.id, current_date - d, now() - d * interval '1 day',
       jsonb_build_object(
         'columns', jsonb_build_object('fresh', 18 + (i.id + d) % 12, 'stale', 10 - (i.id + d) % 10,
                                       'blank', 2, 'could_not_check', (i.id + d) % 4),
         'checklist', jsonb_build_object('ok', 25 + i.id % 20, 'missing', 20 - i.id % 20, 'stale', 5),
         'findings', jsonb_build_object('new', 1, 'ongoing', 3, 'resolved', 0),
         'content', jsonb_build_object('high', i.id % 3, 'medium', i.id % 2))
FROM institutions i CROSS JOIN generate_series(13, 0, -1) AS d
ORDER BY d DESC, i.id
"""


def serve(app: object) -> tuple[uvicorn.Server, threading.Thread, str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def timed(client: httpx.Client, path: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - start)
        if answer.status_code != 200:
            raise SystemExit(f"{path}: HTTP {answer.status_code}")
    return times


def bench_page(admin_url: str, count: int, requests: int, work: Path) -> dict[str, float]:
    folder = write_folder(work / "page", count)
    name, url = fresh_database(admin_url)
    try:
        engine = store.connect(url)
        store.upgrade(engine)
        with engine.begin() as conn:
            for i in range(1, count + 1):
                conn.execute(
                    text("INSERT INTO institutions (key, name, timezone) VALUES (:k, :n, 'Asia/Shanghai')"),
                    {"k": f"inst{i:04d}", "n": f"大学{i:04d}"},
                )
            conn.execute(text(CHECK_RUNS))
        with store.sessions(engine).begin() as session:
            users.add_user(
                session, institution_key=None, name="reg", role="regulator",
                password_hash=hash_password(PASSWORD), sites=(), now=dt.datetime.now(dt.UTC),
            )  # fmt: skip
        engine.dispose()
        start = time.perf_counter()
        deployment = load_deployment(folder)
        found = {
            "institutions": count,
            "columns": count * SITES * COLUMNS,
            "config_s": time.perf_counter() - start,
        }
        app = create_app(deployment=deployment, db_url=url, secret=secrets.token_hex(16))
        server, thread, base = serve(app)
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                page = client.get("/login")
                csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
                client.post("/login", data={"username": "reg", "password": PASSWORD, "csrf": csrf})
                found["cold_s"] = timed(client, "/regulator", 1)[0]
                for path, label in (("/regulator", "html"), ("/api/regulator", "json"),
                                    (f"/regulator?page={-(-count // 100)}", "html_last")):  # fmt: skip
                    times = sorted(timed(client, path, requests))
                    found[f"{label}_p50_ms"] = 1000 * statistics.median(times)
                    found[f"{label}_p95_ms"] = 1000 * times[int(0.95 * len(times)) - 1]
                    found[f"{label}_max_ms"] = 1000 * times[-1]
        finally:
            server.should_exit = True
            thread.join(timeout=10)
        return found
    finally:
        drop_database(admin_url, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-institutions", type=int, default=100)
    parser.add_argument("--items-per-column", type=int, default=100)
    parser.add_argument("--page-institutions", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--pg",
        default=os.environ.get("XXGK_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--skip-check", action="store_true")
    parser.add_argument("--skip-page", action="store_true")
    args = parser.parse_args()
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {dt.date.today()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_check:
            print(
                "check:",
                bench_check(args.pg, args.check_institutions, args.items_per_column, Path(tmp)),
                flush=True,
            )
        if not args.skip_page:
            print("page:", bench_page(args.pg, args.page_institutions, args.requests, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
