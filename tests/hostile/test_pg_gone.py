"""Faults of the database during a crawl (issue 11): PostgreSQL connections lost, or the database gone.

The crawl is the real one (``xxgk crawl --full``: the CLI, its crawler child and the crawler's
helper process, which writes the item batches) over the hostile server's ``endless`` column
beside the normal one, into a private PostgreSQL database. From a connection of its own the
test waits until a first batch of items is stored, then

- terminates every other backend of the database once (``pg_terminate_backend``), in the same
  statement that sees a batch in its transaction: that batch is written again on a new
  connection (one warning, one count in the run's stats), the idle connections are replaced by
  the pool's pre-ping, and the crawl ends ``ok`` with what an undisturbed crawl stores;
- forbids connections to the database (``ALLOW_CONNECTIONS false``, which binds superusers too)
  and terminates them: the crawl stops at its next write with a non-zero exit and one line
  naming the database, no traceback. The run cannot be marked failed in a database that refuses
  connections; once it is back, the next crawl marks that run aborted (its crawler is dead),
  takes the lock its holders left and walks the column to the end.

Either way nothing is half-written: every stored item is linked to its column, and no column
has an outcome without its items. The retry itself (``crawls.write_retrying``: once, and only
for a connection lost before the commit) is tested last, on one transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text

from monitor import store
from monitor.errors import StoreError
from monitor.store import crawls
from tests.hostile import harness
from tests.hostile.server import Hostile, Sizes, serving

TODAY = dt.date(2026, 12, 1)
#: 10 rows a page: 450 pages are 4,500 items, two batches of 2,000 and the last (with the outcomes).
PAGES = 450
CRAWL = {"max_pages_per_column": PAGES, "retries": 0, "request_timeout_seconds": 10}
#: Every other backend of the database, terminated.
TERMINATE = """
    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE datname = :db AND pid <> pg_backend_pid()
"""
#: The same, only while the crawler writes a batch in its transaction (not the pool's pre-ping,
#: not COMMIT): looked at and done in one statement, so the batch cannot end in between.
TERMINATE_WHILE_WRITING = f"""
    {TERMINATE} AND EXISTS (
        SELECT 1 FROM pg_stat_activity
        WHERE datname = :db AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
          AND state IN ('active', 'idle in transaction') AND query ILIKE '%items%'
    )
"""


@dataclass(frozen=True)
class Stored:
    code: int
    output: str
    run: int
    status: str
    stats: dict[str, object]
    fetches: dict[str, crawls.FetchRow]
    items: dict[str, tuple[str, dt.date | None]]
    unlinked: int  # items stored without a link to any column


def _xxgk(config: Path, db_url: str, *args: str) -> list[str]:
    return [*harness.xxgk(config, db_url), *args]


def _init(config: Path, db_url: str, tmp: Path) -> None:
    subprocess.run(_xxgk(config, db_url, "init"), check=True, capture_output=True, cwd=tmp)


def _start(config: Path, db_url: str, tmp: Path) -> tuple[subprocess.Popen[str], Path]:
    log = tmp / f"crawl-{time.monotonic_ns()}.log"
    with log.open("w", encoding="utf-8") as out:
        child = subprocess.Popen(
            _xxgk(config, db_url, "crawl", "--full", "--today", TODAY.isoformat(), "--timeout", "600"),
            cwd=tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONPATH": str(harness.ROOT)},
            start_new_session=True,  # a test that times out kills the CLI and its crawler at once
        )
    return child, log


def _wait(child: subprocess.Popen[str], timeout: float) -> int:
    try:
        return child.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        raise


def _stored(db_url: str, code: int, log: Path) -> Stored:
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            run = crawls.latest_run(session, institution_key="h")
            assert run is not None
            fetches = {row.column: row for row in crawls.run_fetches(session, run_id=run[0])}
            items = crawls.site_items(session, institution_key="h").get("s", {})
            unlinked = session.scalar(
                text(
                    "SELECT count(*) FROM items i"
                    " WHERE NOT EXISTS (SELECT 1 FROM column_items ci WHERE ci.item_id = i.id)"
                )
            )
    finally:
        engine.dispose()
    output = log.read_text(encoding="utf-8")
    return Stored(code, output, run[0], run[1], run[2], fetches, items, int(unlinked or 0))


def _crawl(config: Path, db_url: str, tmp: Path) -> Stored:
    child, log = _start(config, db_url, tmp)
    return _stored(db_url, _wait(child, 120), log)


def _items(admin: Engine, db: str) -> int:
    """Items stored in database ``db`` so far (0 while its schema is not there)."""
    url = make_url(str(admin.url)).set(database=db)
    engine = store.connect(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM items")).scalar_one())
    finally:
        engine.dispose()


def _until(
    what: str, done: Callable[[], bool], child: subprocess.Popen[str], *, seconds: float, every: float
) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert child.poll() is None, f"the crawl ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within {seconds} s"
        time.sleep(every)


def _terminate(admin: Engine, db: str, *, while_writing: bool = False) -> int:
    """How many backends of ``db`` were terminated."""
    with admin.connect() as conn:
        query = TERMINATE_WHILE_WRITING if while_writing else TERMINATE
        return int(conn.execute(text(query), {"db": db}).scalar_one())


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    with serving(Hostile(Sizes())) as server:
        yield server


@pytest.fixture
def admin(pg_admin: Engine | str, pg_url: str) -> Engine:
    """The AUTOCOMMIT admin engine (``pg_url`` skips the test, or fails it, when there is none)."""
    assert not isinstance(pg_admin, str)
    return pg_admin


def _database(url: str) -> str:
    name = make_url(url).database
    assert name
    return name


def _undisturbed(hostile: Hostile, tmp: Path, admin: Engine) -> Stored:
    """The same crawl into a database of its own, nobody touching it."""
    name = f"{_database(str(admin.url))}_calm_{os.getpid()}_{time.monotonic_ns()}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(str(admin.url)).set(database=name).render_as_string(hide_password=False)
        calm = tmp / "calm"
        calm.mkdir()
        config = harness.write_config(hostile, calm, cases=("endless",), crawl=CRAWL)
        _init(config, url, calm)
        return _crawl(config, url, calm)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _whole(result: Stored, *, pages: int = PAGES) -> None:
    """The crawl stored both columns whole (``pages`` of the endless one), nothing unlinked."""
    assert result.fetches["normal"].outcome == "ok"
    assert result.fetches["normal"].items_seen == 30
    assert result.fetches["endless"].outcome == "ok"
    assert result.fetches["endless"].items_seen == 10 * pages
    assert sum("/endless/" in url for url in result.items) == 10 * pages
    assert sum("/normal/" in url for url in result.items) == 30
    assert result.unlinked == 0


def _no_traceback(output: str) -> None:
    assert "Traceback" not in output, output[-3000:]


def test_lost_connections_mid_batch_retry_it_once_and_the_crawl_ends_as_an_undisturbed_one(
    hostile: Hostile, tmp_path: Path, pg_url: str, admin: Engine
) -> None:
    db = _database(pg_url)
    config = harness.write_config(hostile, tmp_path, cases=("endless",), crawl=CRAWL)
    _init(config, pg_url, tmp_path)
    child, log = _start(config, pg_url, tmp_path)
    try:
        _until("items stored", lambda: _items(admin, db) > 0, child, seconds=60, every=0.05)
        stored_before = _items(admin, db)
        killed = 0

        def mid_batch() -> bool:
            nonlocal killed
            killed = _terminate(admin, db, while_writing=True)
            return killed > 0

        _until("batch being written", mid_batch, child, seconds=60, every=0.002)
        code = _wait(child, 120)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    disturbed = _stored(pg_url, code, log)

    assert killed >= 1
    assert 0 < stored_before < 10 * PAGES  # the terminations were mid-crawl
    assert disturbed.code == 0, disturbed.output[-3000:]
    assert disturbed.status == "finished"
    # the batch whose transaction was killed was written again, once, and said so once
    assert disturbed.stats.get("xxgk/store_retries") == 1, disturbed.stats
    warnings = [line for line in disturbed.output.splitlines() if "connection was lost while storing" in line]
    assert len(warnings) == 1, disturbed.output[-3000:]
    # (the driver's words depend on when the backend died: "terminating connection due to
    # administrator command", or "server closed the connection unexpectedly")
    assert "connection" in warnings[0].split("storing a batch", 1)[1], warnings
    _no_traceback(disturbed.output)
    _whole(disturbed)

    calm = _undisturbed(hostile, tmp_path, admin)
    assert calm.code == 0, calm.output[-3000:]
    assert "xxgk/store_retries" not in calm.stats
    assert disturbed.items == calm.items
    assert disturbed.fetches == calm.fetches  # outcome, pages, items seen and new: all alike


def test_a_database_gone_for_good_stops_the_crawl_at_once_and_the_next_crawl_aborts_its_run(
    hostile: Hostile, tmp_path: Path, pg_url: str, admin: Engine
) -> None:
    db = _database(pg_url)
    # a column that would take minutes: the crawl must stop long before its end
    crawl = {**CRAWL, "max_pages_per_column": 10_000}
    config = harness.write_config(hostile, tmp_path, cases=("endless",), crawl=crawl)
    _init(config, pg_url, tmp_path)
    child, log = _start(config, pg_url, tmp_path)
    try:
        _until("items stored", lambda: _items(admin, db) > 0, child, seconds=60, every=0.05)
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false'))
        gone = time.monotonic()
        _terminate(admin, db)
        code = _wait(child, 60)
        stopped = time.monotonic() - gone
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true'))
    output = log.read_text(encoding="utf-8")

    assert code != 0, output[-3000:]
    # The crawl notices at its next write, the next batch of 2,000 items (200 pages here): 8 s
    # and 398 of the 10,000 pages when measured; not --timeout (600 s), not the column's end.
    assert stopped < 20, (stopped, output[-3000:])
    _no_traceback(output)
    errors = [line for line in output.splitlines() if line.startswith("xxgk: error:")]
    assert len(errors) == 1, output[-3000:]
    assert db in errors[0], errors
    assert "not currently accepting connections" in errors[0], errors
    assert "stopping the crawl" in output, output[-3000:]
    assert hostile.seen["endless"] < 1_000

    # nothing half-written: what was committed is linked; no outcome without its items
    left = _stored(pg_url, code, log)
    assert left.status == "running"  # a database that refuses connections cannot be told otherwise
    assert left.unlinked == 0
    assert "endless" not in left.fetches

    # the database back: the next crawl takes the lock, aborts the dead run and walks the column
    # (250 pages: past the 2,000 items the stopped crawl committed, and quicker than PAGES)
    again_config = harness.write_config(
        hostile, tmp_path, cases=("endless",), crawl={**CRAWL, "max_pages_per_column": 250}
    )
    again = _crawl(again_config, pg_url, tmp_path)
    assert again.code == 0, again.output[-3000:]
    assert again.status == "finished"
    _whole(again, pages=250)
    engine = store.connect(pg_url)
    try:
        with store.sessions(engine)() as session:
            rows = session.execute(text("SELECT id, status FROM crawl_runs ORDER BY id")).all()
            statuses = {run_id: status for run_id, status in rows}
    finally:
        engine.dispose()
    assert statuses == {left.run: "aborted", again.run: "finished"}


# ----------------------------------------------------------------------------- the retry itself


def _backend_killed(admin: Engine, session: store.Session) -> None:
    """Terminate ``session``'s backend from the admin connection, mid-transaction."""
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()


def test_a_write_whose_connection_dies_once_is_written_once_more_and_only_once(
    pg_url: str, admin: Engine
) -> None:
    engine = store.connect(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE batch (n int)"))
        calls: list[int] = []

        def write(session: store.Session) -> int:
            calls.append(len(calls))
            session.execute(text("INSERT INTO batch VALUES (1)"))
            if len(calls) == 1:
                _backend_killed(admin, session)
                session.execute(text("INSERT INTO batch VALUES (2)"))  # the dead connection raises here
            return len(calls)

        value, retried = crawls.write_retrying(store.sessions(engine), write, url=pg_url)
        assert (value, len(calls)) == (2, 2)
        assert retried is not None
        assert "terminating connection" in retried or "closed the connection" in retried, retried
        with engine.connect() as conn:
            assert conn.execute(text("SELECT n FROM batch")).scalars().all() == [
                1
            ]  # the first one rolled back
    finally:
        engine.dispose()


def test_a_write_whose_connection_dies_twice_is_one_store_error_and_nothing_written(
    pg_url: str, admin: Engine
) -> None:
    engine = store.connect(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE batch (n int)"))

        def write(session: store.Session) -> None:
            session.execute(text("INSERT INTO batch VALUES (1)"))
            _backend_killed(admin, session)
            session.execute(text("INSERT INTO batch VALUES (2)"))

        with pytest.raises(StoreError, match=f"database .*{_database(pg_url)}: "):
            crawls.write_retrying(store.sessions(engine), write, url=pg_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM batch")).scalar_one() == 0
    finally:
        engine.dispose()
