"""Fixtures of the distributed crawl's tests: a real Redis, real workers as subprocesses, and demo
campuses on loopback behind a counter of concurrent requests per host (on the server side).

Redis is the machine's (127.0.0.1:6379, a database of its own, emptied per test); without it
the tests skip, and fail under XXGK_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy.orm import Session

from monitor import store
from monitor.demo.app import DemoApp
from monitor.demo.model import DemoCampus
from monitor.demo.server import _make_server, bind_sites
from tests.conftest import _unavailable

REDIS = os.environ.get("XXGK_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
CHECKLIST = str(Path(__file__).resolve().parents[2] / "config" / "checklist.yaml")
LATENCY = 0.02  # seconds per answer: requests of one host overlap when they are sent at once


@pytest.fixture
def broker_url() -> Iterator[str]:
    """The URL of an empty Redis database (the test's queue and results)."""
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis not reachable at {REDIS}: {exc}")
    client.flushdb()
    yield REDIS
    client.flushdb()
    client.close()


class Counting:
    """ASGI wrapper: the demo app, answering after LATENCY, counting requests in flight per host."""

    def __init__(self, app: DemoApp, counter: HostCounter) -> None:
        self.app, self.counter = app, counter

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = scope["server"][0]
        self.counter.enter(host)
        try:
            await asyncio.sleep(LATENCY)
            await self.app(scope, receive, send)
        finally:
            self.counter.leave(host)


@dataclass
class HostCounter:
    """Requests in flight per host (the address a request reached), and the most ever seen."""

    now: collections.Counter[str] = field(default_factory=collections.Counter)
    peak: collections.Counter[str] = field(default_factory=collections.Counter)
    served: collections.Counter[str] = field(default_factory=collections.Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self, host: str) -> None:
        with self.lock:
            self.now[host] += 1
            self.served[host] += 1
            self.peak[host] = max(self.peak[host], self.now[host])

    def leave(self, host: str) -> None:
        with self.lock:
            self.now[host] -= 1

    def total(self) -> int:
        with self.lock:
            return sum(self.served.values())


@contextmanager
def serve_counted(campuses: list[DemoCampus], counter: HostCounter) -> Iterator[int]:
    """Serve every campus (its sites on their own addresses) on one free port; the port."""
    with ExitStack() as stack:
        port = 0
        for campus in campuses:
            serving = [s.ip for s in campus.sites() if s.behaviour != "down"]
            down = [s.ip for s in campus.sites() if s.behaviour == "down"]
            sockets, port = bind_sites(serving, down, port=port)
            campus.port = port
            server = _make_server(Counting(DemoApp(campus, record=False), counter))  # type: ignore[arg-type]
            thread = threading.Thread(target=server.run, kwargs={"sockets": sockets}, daemon=True)
            thread.start()
            stack.callback(thread.join, 30)
            stack.callback(setattr, server, "should_exit", True)
            deadline = time.monotonic() + 30
            while not server.started and time.monotonic() < deadline:
                time.sleep(0.05)
            assert server.started, "the demo campus server did not start"
        yield port


def fetches(db_url: str, institution: str) -> list[tuple[str, str, str, int | None, int, int]]:
    """The column outcomes of the institution's latest run, which must have finished (not which of
    two columns listing an item counted it new: the order of their answers decides that, in any
    crawl)."""
    engine = store.connect(db_url)
    try:
        with Session(engine) as session:
            run_row = store.crawls.latest_run(session, institution_key=institution)
            assert run_row is not None
            assert run_row[1] == "finished", run_row
            rows = store.crawls.run_fetches(session, run_id=run_row[0])
    finally:
        engine.dispose()
    return [(r.site, r.column, r.outcome, r.http_status, r.pages, r.items_seen) for r in rows]


def xxgk_argv(config: Path, db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", "--config", str(config), "--db", db_url, *args]


@dataclass
class Workers:
    """`xxgk worker` processes started by a test; each stopped (SIGKILL) at its end if still running."""

    config: Path
    db_url: str
    broker_url: str
    cwd: Path
    job_timeout: int = 60
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, name: str, *, concurrency: int = 1) -> subprocess.Popen[bytes]:
        argv = xxgk_argv(self.config, self.db_url, "worker", "--concurrency", str(concurrency),
                         "--job-timeout", str(self.job_timeout), "--name", name)  # fmt: skip
        log = (self.cwd / f"{name}.log").open("wb")
        process = subprocess.Popen(
            argv, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT, env=env(self.broker_url)
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)


def env(broker_url: str) -> dict[str, str]:
    return {**os.environ, "XXGK_BROKER_URL": broker_url, "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., Workers]]:
    made: list[Workers] = []

    def make(**kwargs: Any) -> Workers:
        found = Workers(cwd=tmp_path, **kwargs)
        made.append(found)
        return found

    yield make
    for found in made:
        found.stop_all()


def crawler_children(pid: int) -> list[int]:
    """The pids of `python -m crawler` processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(stat[1]) == pid and stat[0] != "Z" and b"crawler" in cmdline[:3]:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_until(condition: Callable[[], object], *, timeout: float, every: float = 0.1) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    return None
