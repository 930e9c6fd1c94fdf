"""`schedule.distributed: true`: the nightly job's crawl runs as jobs on the `xxgk worker`s (the path
of `xxgk crawl --distributed`), waits for them, and the scan, check, reports and delivery run as
before; the crawl stores what a local crawl of the same config stores.

With a real Redis (tests/distributed/conftest.py's database of its own) and a real `xxgk worker`
subprocess on the shared PostgreSQL database; the demo campus (link checks off: their requests
are no part of what is compared). Without Redis or PostgreSQL the tests skip.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor import jobs, store
from monitor.config import load_config
from monitor.demo import DemoServer, build_campus, demo_config_yaml
from monitor.errors import ConfigError
from monitor.store.models import CrawlRun
from tests.distributed import conftest as distributed
from tests.distributed import test_faults
from tests.distributed.conftest import CHECKLIST, Workers, crawler_children, env, wait_until, xxgk_argv
from tests.distributed.test_distributed import fetches

# the distributed tests' fixtures: a Redis database of their own, `xxgk worker` subprocesses, and
# a redis-server of the test's own (to be killed)
broker_url = distributed.broker_url
workers = distributed.workers
private_redis = test_faults.private_redis

TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the nightly job crawls as of today
STEPS = ["crawl", "scan", "check", "reports", "delivery"]
SITES = 4


def distributed_config(text: str, *, sites: int | None = SITES) -> str:
    """The demo's config with ``schedule.distributed: true``, no link checks, and only the first
    ``sites`` sites of its first campus (a small night: the path is what is tested; None: all)."""
    data = yaml.safe_load(text)
    data["schedule"]["distributed"] = True
    data["checks"] = {"link_checks": False}
    if sites is not None:
        data["campuses"] = data["campuses"][:1]
        data["campuses"][0]["sites"] = data["campuses"][0]["sites"][:sites]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The demo campus served on loopback; its config's text."""
    campus = build_campus(today=TODAY)
    with DemoServer(campus) as server:
        yield demo_config_yaml(campus, port=server.port, checklist_path=CHECKLIST)


@pytest.fixture
def demo(served: str, tmp_path: Path) -> Path:
    """The config file of :data:`SITES` demo sites with ``schedule.distributed: true``."""
    path = tmp_path / "demo.yaml"
    path.write_text(distributed_config(served), encoding="utf-8")
    return path


def xxgk(config: Path, db_url: str, *args: str, cwd: Path, broker: str) -> subprocess.CompletedProcess[str]:
    argv = xxgk_argv(config, db_url, *args)
    return subprocess.run(argv, cwd=cwd, env=env(broker), capture_output=True, text=True, timeout=600)


def stats_json(config: Path, db_url: str, *, cwd: Path, broker: str) -> dict[str, object]:
    start = (TODAY - dt.timedelta(days=364)).isoformat()
    done = xxgk(config, db_url, "stats", "--from", start, "--to", TODAY.isoformat(), "--format", "json",
                cwd=cwd, broker=broker)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def runs(db_url: str) -> list[tuple[str, dict[str, object]]]:
    engine = store.connect(db_url)
    try:
        with Session(engine) as session:
            return [(r.status, r.stats) for r in session.scalars(select(CrawlRun).order_by(CrawlRun.id))]
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_key_defaults_to_false_and_takes_only_a_boolean(tmp_path: Path) -> None:
    campus = build_campus(today=TODAY)
    text = demo_config_yaml(campus, port=8800, checklist_path=CHECKLIST)
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_config(path).schedule.distributed is False
    path.write_text(distributed_config(text), encoding="utf-8")
    assert load_config(path).schedule.distributed is True
    path.write_text(text.replace("\nschedule:\n", "\nschedule:\n  distributed: maybe\n", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"schedule\.distributed: expected true or false"):
        load_config(path)
    path.write_text(text.replace("\nschedule:\n", "\nschedule:\n  distribute: true\n", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"schedule\.distribute: unknown key"):
        load_config(path)


def test_the_nightly_job_crawls_on_the_workers_and_stores_what_a_local_crawl_stores(
    demo: Path, tmp_path: Path, broker_url: str, workers, pg_url: str
) -> None:
    local_db = f"sqlite:///{tmp_path / 'local.db'}"
    local = xxgk(demo, local_db, "crawl", cwd=tmp_path, broker=broker_url)  # the same file, crawled here
    assert local.returncode == 0, local.stderr[-2000:]
    assert xxgk(demo, pg_url, "init", cwd=tmp_path, broker=broker_url).returncode == 0
    pool: Workers = workers(config=demo, db_url=pg_url, broker_url=broker_url)
    worker = pool.start("night")

    jobs.configure(
        jobs.Runtime(config_path=demo, db_url=pg_url, broker_url=broker_url, outbox_dir=tmp_path / "outbox")
    )
    done = jobs.nightly()

    assert done.failures == [], done.failures
    assert [line.split(":")[0] for line in done.steps] == STEPS
    assert done.steps[0] == "crawl: ok (1 jobs on the workers, 0 handed out again)"
    assert worker.poll() is None  # the worker crawled it, and waits for the next night
    (status, stats), *more = runs(pg_url)
    assert not more
    assert status == "finished"
    assert stats["xxgk/jobs"] == 1  # the coordinator's merge of its jobs' stats: not a local crawl
    crawled = fetches(pg_url, "demo")
    assert len({site for site, *_ in crawled}) == SITES
    assert sum(items for *_, items in crawled) > 0
    assert crawled == fetches(local_db, "demo")
    assert stats_json(demo, pg_url, cwd=tmp_path, broker=broker_url) == stats_json(
        demo, local_db, cwd=tmp_path, broker=broker_url
    )
    assert "findings" in done.steps[2]
    assert list((tmp_path / "outbox").glob("*.eml"))  # the reports went out as before


def test_without_a_broker_the_crawl_step_fails_in_one_line_and_the_night_goes_on(
    demo: Path, tmp_path: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'xxgk.db'}"
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    assert xxgk(demo, db_url, "init", cwd=tmp_path, broker=dead).returncode == 0
    jobs.configure(
        jobs.Runtime(config_path=demo, db_url=db_url, broker_url=dead, outbox_dir=tmp_path / "outbox")
    )
    done = jobs.nightly()
    assert len(done.failures) == 1, done.failures
    assert done.failures[0].startswith(f"crawl: CrawlError: cannot reach the broker at {dead}: ")
    assert [line.split(":")[0] for line in done.steps] == STEPS[1:]  # the next steps ran anyway
    assert runs(db_url) == []  # nothing recorded, nothing left running


def test_the_broker_dying_mid_night_fails_the_crawl_step_in_one_line_and_the_night_goes_on(
    served: str, tmp_path: Path, private_redis: tuple[str, subprocess.Popen[bytes]], workers, pg_url: str
) -> None:
    broker, server = private_redis
    config = tmp_path / "demo.yaml"
    config.write_text(distributed_config(served, sites=None), encoding="utf-8")  # long enough to be cut
    assert xxgk(config, pg_url, "init", cwd=tmp_path, broker=broker).returncode == 0
    worker = workers(config=config, db_url=pg_url, broker_url=broker, job_timeout=120).start("night")
    jobs.configure(
        jobs.Runtime(config_path=config, db_url=pg_url, broker_url=broker, outbox_dir=tmp_path / "outbox")
    )
    ended: list[jobs.StepLog] = []
    night = threading.Thread(target=lambda: ended.append(jobs.nightly()), daemon=True)
    night.start()
    assert wait_until(lambda: crawler_children(worker.pid), timeout=120), "the worker started no crawler"
    assert [status for status, _ in runs(pg_url)] == ["running"]
    server.kill()
    server.wait(timeout=30)
    night.join(timeout=test_faults.BOUND + 120)  # the scan, check and reports run after the crawl
    assert not night.is_alive(), "the nightly job hangs on its lost broker"
    (done,) = ended
    assert len(done.failures) == 1, done.failures
    assert done.failures[0].startswith(f"crawl: CrawlError: lost the broker at {broker} mid-crawl: ")
    assert [line.split(":")[0] for line in done.steps] == STEPS[1:]
    assert [status for status, _ in runs(pg_url)] == ["aborted"]
