"""Named locks on both databases: busy, expired, and left behind by a dead process."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from monitor.store import locks

NOW = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def test_a_held_lock_is_busy_for_others(session: Session) -> None:
    assert locks.acquire(session, name="crawl", ttl=HOUR, now=NOW) is None
    assert locks.acquire(session, name="crawl", ttl=HOUR, now=NOW, holder="elsewhere:1") == locks.me()
    locks.release(session, name="crawl")
    assert locks.acquire(session, name="crawl", ttl=HOUR, now=NOW, holder="elsewhere:1") is None


def test_an_expired_lock_can_be_taken(session: Session) -> None:
    assert locks.acquire(session, name="crawl", ttl=HOUR, now=NOW, holder="elsewhere:1") is None
    assert locks.acquire(session, name="crawl", ttl=HOUR, now=NOW + 2 * HOUR) is None


def test_a_lock_left_by_a_dead_process_on_this_host_can_be_taken(session: Session) -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = f"{socket.gethostname()}:{child.stdout.strip()}"
    assert locks.acquire(session, name="crawl", ttl=HOUR, now=NOW, holder=dead) is None
    assert locks.acquire(session, name="crawl", ttl=HOUR, now=NOW) is None


def test_holding_releases_the_lock_however_the_block_ends(engine: Engine) -> None:
    with pytest.raises(RuntimeError), locks.holding(engine, name="crawl", ttl=HOUR):
        raise RuntimeError("the crawl failed")
    with locks.holding(engine, name="crawl", ttl=HOUR) as held:
        assert held.holder == locks.me()
    with Session(engine) as session:
        assert locks.acquire(session, name="crawl", ttl=HOUR, now=NOW, holder="elsewhere:1") is None


def test_holding_a_busy_lock_waits_then_names_the_holder(engine: Engine) -> None:
    with Session(engine) as session:
        far = dt.datetime.now(dt.UTC)
        assert locks.acquire(session, name="crawl", ttl=HOUR, now=far, holder="elsewhere:1") is None
    with (
        pytest.raises(locks.Busy) as raised,
        locks.holding(engine, name="crawl", ttl=HOUR, wait=0.2, poll=0.05),
    ):
        pytest.fail("the block must not run while another process holds the lock")
    assert str(raised.value) == "busy: a crawl is running (elsewhere:1); try again when it has finished"


def test_a_lock_naming_a_running_child_stays_busy_after_its_holder_died(engine: Engine) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    host = socket.gethostname()
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as child:
        try:
            with Session(engine) as session:
                holder = f"{host}:{gone.stdout.strip()}+{child.pid}"
                assert locks.acquire(session, name="crawl", ttl=HOUR, now=NOW, holder=holder) is None
                assert locks.acquire(session, name="crawl", ttl=HOUR, now=NOW) == holder
            child.kill()
            child.wait()
            with Session(engine) as session:  # both gone: the lock can be taken
                assert locks.acquire(session, name="crawl", ttl=HOUR, now=NOW) is None
        finally:
            child.kill()


def test_include_names_the_child_and_the_lock_is_released_with_it(engine: Engine) -> None:
    with locks.holding(engine, name="crawl", ttl=HOUR) as held:
        held.include(4242)
        assert held.holder == f"{locks.me()}+4242"
        with Session(engine) as session:
            assert (
                locks.acquire(session, name="crawl", ttl=HOUR, now=dt.datetime.now(dt.UTC), holder="x:1")
                == held.holder
            )
    with Session(engine) as session:
        assert locks.acquire(session, name="crawl", ttl=HOUR, now=NOW, holder="elsewhere:1") is None
