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
    with locks.holding(engine, name="crawl", ttl=HOUR) as holder:
        assert holder == locks.me()
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
