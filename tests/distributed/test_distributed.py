"""`xxgk crawl --full --distributed` over real workers on a real Redis equals a local crawl.

Four copies of the demo campus are four institutions of one folder (each on its own loopback
addresses). They are crawled once locally, then over two workers, one of which is SIGKILLed in
the middle of a job and replaced: that job runs again on another worker once Redis's visibility
timeout has passed, and every institution's stats, column outcomes, pages and items equal the
local crawl's; no host saw more requests at once than ``per_host_concurrency``.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor import store
from monitor.demo.institutions import demo_copies, write_folder
from monitor.store.models import ColumnFetch, CrawlRun
from tests.distributed.conftest import (
    CHECKLIST,
    HostCounter,
    alive,
    crawler_children,
    env,
    fetches,
    serve_counted,
    wait_until,
    xxgk_argv,
)

TODAY = dt.date(2026, 11, 26)
COPIES = 4
PER_HOST = 2
JOB_COLUMNS = 12  # about three jobs per institution
JOB_TIMEOUT = 60  # the visibility timeout is this and 45 s: the killed job runs again after it


def tightened(config: str) -> str:
    """Stricter politeness than the demo's, for the count to bite; no link checks (issue 12's, which
    fetch every link of every page and are no part of what is compared here)."""
    config = config.replace("per_host_concurrency: 4", f"per_host_concurrency: {PER_HOST}")
    return config.replace("\ncrawl:\n", "\nchecks:\n  link_checks: false\ncrawl:\n", 1)


def run(
    argv: list[str], *, cwd: Path, broker_url: str, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env(broker_url), capture_output=True, text=True, timeout=timeout)


def stats_json(
    folder: Path, db_url: str, institution: str, *, cwd: Path, broker_url: str
) -> dict[str, object]:
    start, end = (TODAY - dt.timedelta(days=364)).isoformat(), TODAY.isoformat()
    argv = xxgk_argv(folder, db_url, "stats", "--institution", institution, "--from", start, "--to", end,
                     "--format", "json")  # fmt: skip
    done = run(argv, cwd=cwd, broker_url=broker_url)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_four_institutions_over_two_workers_one_killed_equal_a_local_crawl(
    tmp_path: Path, broker_url: str, workers, pg_url: str
) -> None:
    counter = HostCounter()
    local_db, shared_db = f"sqlite:///{tmp_path / 'local.db'}", pg_url
    campuses = demo_copies(COPIES, today=TODAY)
    with serve_counted(campuses, counter) as port:
        folder = write_folder(campuses, tmp_path / "deployment", port=port, checklist_path=CHECKLIST)
        for file in folder.glob("demo*.yaml"):
            file.write_text(tightened(file.read_text(encoding="utf-8")), encoding="utf-8")
        ids = [campus.id for campus in campuses]
        (tmp_path / "local").mkdir()
        (tmp_path / "shared").mkdir()

        local = run(xxgk_argv(folder, local_db, "crawl", "--full", "--today", TODAY.isoformat()),
                    cwd=tmp_path / "local", broker_url=broker_url)  # fmt: skip
        assert local.returncode == 0, local.stderr[-2000:]

        assert run(xxgk_argv(folder, shared_db, "init"), cwd=tmp_path, broker_url=broker_url).returncode == 0
        pool = workers(config=folder, db_url=shared_db, broker_url=broker_url, job_timeout=JOB_TIMEOUT)
        doomed = pool.start("doomed")
        pool.start("steady")
        served_before = counter.total()
        coordinator = subprocess.Popen(
            xxgk_argv(folder, shared_db, "crawl", "--full", "--distributed", "--job-columns",
                      str(JOB_COLUMNS), "--today", TODAY.isoformat()),
            cwd=tmp_path / "shared", env=env(broker_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        try:
            child = wait_until(lambda: crawler_children(doomed.pid), timeout=120)
            assert child, "the doomed worker never started a crawler"
            # mid-job: its crawler has fetched, and is still fetching
            assert wait_until(lambda: counter.total() - served_before > 40, timeout=120)
            assert crawler_children(doomed.pid), "the job ended before the kill; nothing was tested"
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=30)
            # its crawler does not go on unwatched (SIGTERM from its dead parent)
            assert wait_until(lambda: not any(alive(pid) for pid in child), timeout=60)  # type: ignore[union-attr]
            pool.start("replacement")
            _out, err = coordinator.communicate(timeout=600)
        finally:
            if coordinator.poll() is None:
                coordinator.kill()
        assert coordinator.returncode == 0, err[-3000:]
        assert "handed out again" in err, err[-2000:]
        again = int(err.split(" handed out again")[0].rsplit(" ", 1)[-1])
        assert again >= 1, err[-2000:]

    for institution in ids:
        assert stats_json(folder, shared_db, institution, cwd=tmp_path, broker_url=broker_url) == stats_json(
            folder, local_db, institution, cwd=tmp_path, broker_url=broker_url
        )
        assert fetches(shared_db, institution) == fetches(local_db, institution)
    engine = store.connect(shared_db)
    try:
        with Session(engine) as session:
            runs = session.scalars(select(CrawlRun)).all()
            assert len(runs) == COPIES
            assert {r.status for r in runs} == {"finished"}
            per_column = session.execute(
                select(ColumnFetch.column_id, func.count()).group_by(ColumnFetch.column_id)
            ).all()
            assert per_column
            assert {n for _, n in per_column} == {1}
    finally:
        engine.dispose()
    over = {host: n for host, n in counter.peak.items() if n > PER_HOST}
    assert not over, f"hosts that saw more than {PER_HOST} requests at once: {over}"
    assert max(counter.peak.values()) >= 1
