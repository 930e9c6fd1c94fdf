"""The broker going away: `xxgk crawl --distributed` says so in one line and exits non-zero, in
bounded time, and leaves no crawl run ``running``.

- nothing listens at XXGK_BROKER_URL: one line, exit 1, and no run recorded at all;
- the broker dies mid-crawl (a private redis-server of the test's own, SIGKILLed while a worker's
  crawler is fetching): one line naming the lost broker, exit 1 within :data:`BOUND` seconds,
  and the institution's run ``aborted`` (what the job stored stays, as after a killed crawl).
"""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor import store
from monitor.demo import build_campus, demo_config_yaml
from monitor.store.models import CrawlRun
from tests.conftest import _unavailable
from tests.distributed.conftest import (
    CHECKLIST,
    HostCounter,
    crawler_children,
    env,
    serve_counted,
    wait_until,
    xxgk_argv,
)

TODAY = dt.date(2026, 11, 26)
BOUND = 60.0  # seconds from the broker's death to the coordinator's exit


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of this test's own on a free port (no persistence): its URL and process."""
    binary = shutil.which("redis-server")
    if binary is None:
        _unavailable("redis-server is not installed")
    port = free_port()
    argv = [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--bind", "127.0.0.1", "--dir", str(tmp_path)]  # fmt: skip
    log = (tmp_path / "redis.log").open("wb")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        if not wait_until(lambda: _pings(client), timeout=20):
            pytest.fail(f"the private redis-server on port {port} did not start")
        yield url, process
    finally:
        client.close()
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        log.close()


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def demo_config(tmp_path: Path, port: int) -> Path:
    campus = build_campus(today=TODAY)
    path = tmp_path / "demo.yaml"
    path.write_text(demo_config_yaml(campus, port=port, checklist_path=CHECKLIST), encoding="utf-8")
    return path


def runs(db_url: str) -> list[tuple[int, str]]:
    engine = store.connect(db_url)
    try:
        with Session(engine) as session:
            return [(r.id, r.status) for r in session.scalars(select(CrawlRun).order_by(CrawlRun.id))]
    finally:
        engine.dispose()


def assert_one_clean_line(stderr: str, *, says: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr[-3000:]
    errors = [line for line in lines if line.startswith("xxgk: error:")]
    assert len(errors) == 1, stderr[-3000:]
    assert says in errors[0], errors[0]


def test_no_broker_listening_is_one_line_and_records_nothing(tmp_path: Path) -> None:
    config = demo_config(tmp_path, port=free_port())  # the sites are never asked
    db_url = f"sqlite:///{tmp_path / 'xxgk.db'}"
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    assert subprocess.run(xxgk_argv(config, db_url, "init"), cwd=tmp_path, env=env(dead)).returncode == 0
    started = time.monotonic()
    done = subprocess.run(
        xxgk_argv(config, db_url, "crawl", "--distributed", "--today", TODAY.isoformat()),
        cwd=tmp_path, env=env(dead), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-3000:]
    assert time.monotonic() - started < 30
    assert_one_clean_line(done.stderr, says=f"cannot reach the broker at {dead}")
    assert len([line for line in done.stderr.splitlines() if line.strip()]) == 1, done.stderr
    assert runs(db_url) == []


@dataclass
class Crawling:
    """A distributed ``crawl --full`` of the demo campus under way: its coordinator and worker."""

    coordinator: subprocess.Popen[str]
    worker: Any  # the workers fixture's process
    counter: HostCounter


@contextmanager
def crawling(tmp_path: Path, broker_url: str, workers: Any, pg_url: str) -> Iterator[Crawling]:
    """Serve the campus, start one worker and the coordinator, and yield once a crawler runs on
    the worker; the coordinator is killed at the end if it still runs."""
    counter = HostCounter()
    campus = build_campus(today=TODAY)
    with serve_counted([campus], counter) as port:
        config = tmp_path / "demo.yaml"
        config.write_text(demo_config_yaml(campus, port=port, checklist_path=CHECKLIST), encoding="utf-8")
        init = subprocess.run(xxgk_argv(config, pg_url, "init"), cwd=tmp_path, env=env(broker_url))
        assert init.returncode == 0
        pool = workers(config=config, db_url=pg_url, broker_url=broker_url, job_timeout=120)
        worker = pool.start("lonely")
        coordinator = subprocess.Popen(
            xxgk_argv(config, pg_url, "crawl", "--full", "--distributed", "--today", TODAY.isoformat()),
            cwd=tmp_path, env=env(broker_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=_interruptible,
        )  # fmt: skip
        try:
            assert wait_until(lambda: crawler_children(worker.pid), timeout=120), "no crawler started"
            yield Crawling(coordinator, worker, counter)
        finally:
            if coordinator.poll() is None:
                coordinator.kill()
                coordinator.wait()


def _interruptible() -> None:
    """In the coordinator's child before exec: SIGINT back to its default, as in a terminal. A
    shell's background job (the suite run by a script with ``&``) ignores SIGINT, a child inherits
    that, and Python then never raises KeyboardInterrupt: Ctrl-C would test nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_the_broker_dying_mid_crawl_ends_it_with_one_line_and_no_run_left_running(
    tmp_path: Path, private_redis: tuple[str, subprocess.Popen[bytes]], workers, pg_url: str
) -> None:
    broker_url, broker = private_redis
    with crawling(tmp_path, broker_url, workers, pg_url) as run:
        coordinator, worker = run.coordinator, run.worker
        assert wait_until(lambda: run.counter.total() > 20, timeout=120), "the crawler fetched nothing"
        assert crawler_children(worker.pid), "the job ended before the broker died; nothing was tested"
        assert [status for _, status in runs(pg_url)] == ["running"]
        broker.send_signal(signal.SIGKILL)
        broker.wait(timeout=30)
        killed = time.monotonic()
        _out, err = coordinator.communicate(timeout=BOUND + 30)
        took = time.monotonic() - killed
    assert coordinator.returncode == 1, err[-3000:]
    assert took < BOUND, f"the coordinator took {took:.0f} s to give up"
    assert_one_clean_line(err, says=f"lost the broker at {broker_url} mid-crawl")
    others = [line for line in err.splitlines() if line.strip() and not line.startswith("xxgk: error:")]
    assert len(others) == 1, err[-3000:]  # no retry chatter, no log lines
    assert " queued; " in others[0], err[-3000:]
    assert [status for _, status in runs(pg_url)] == ["aborted"]
    assert worker.poll() is None  # the worker waits for its broker to come back


def test_ctrl_c_of_the_coordinator_aborts_the_runs_in_one_line(
    tmp_path: Path, private_redis: tuple[str, subprocess.Popen[bytes]], workers, pg_url: str
) -> None:
    """SIGINT (Ctrl-C) while a worker crawls: the coordinator exits 1 at once with one line, the run
    is ``aborted`` (not left ``running``), and the worker stays up for the next night."""
    broker_url, _ = private_redis
    with crawling(tmp_path, broker_url, workers, pg_url) as run:
        coordinator, worker = run.coordinator, run.worker
        assert [status for _, status in runs(pg_url)] == ["running"]
        coordinator.send_signal(signal.SIGINT)
        stopped = time.monotonic()
        _out, err = coordinator.communicate(timeout=BOUND + 30)
        took = time.monotonic() - stopped
    assert coordinator.returncode == 1, err[-3000:]
    assert took < 15, f"the coordinator took {took:.0f} s to stop"
    assert_one_clean_line(err, says="interrupted: the jobs not yet started were withdrawn")
    assert [status for _, status in runs(pg_url)] == ["aborted"]
    assert worker.poll() is None
