"""Named locks on both databases: busy, expired, and left behind by a dead process."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys

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
