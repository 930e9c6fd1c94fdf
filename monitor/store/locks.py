"""Named locks in the database, so that a manual crawl and the nightly run never overlap.

A lock row names its holder ("host:pid") and an expiry. It can be taken when no row exists,
when it has expired, or when its holder is a process on this host that no longer runs (a crawl
killed with SIGKILL leaves its row behind).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.errors import MonitorError
from monitor.store.models import Lock


class Busy(MonitorError):
    """The lock is held by another live process (its holder is in the message)."""

    def __init__(self, name: str, holder: str) -> None:
        super().__init__(f"busy: a {name} is running ({holder}); try again when it has finished")
        self.holder = holder


def me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire(
    session: Session, *, name: str, ttl: dt.timedelta, now: dt.datetime, holder: str | None = None
) -> str | None:
    """Take the lock; None on success, else who holds it. Commits its own short transaction."""
    holder = holder or me()
    row = session.get(Lock, name, with_for_update=True)
    if row is not None and row.holder != holder and row.expires_at > now and not _dead(row.holder):
        session.rollback()
        return row.holder
    if row is None:
        session.add(Lock(name=name, holder=holder, acquired_at=now, expires_at=now + ttl))
    else:
        row.holder, row.acquired_at, row.expires_at = holder, now, now + ttl
    try:
        session.commit()
    except IntegrityError:  # another process inserted it first
        session.rollback()
        return session.scalar(select(Lock.holder).where(Lock.name == name)) or "another process"
    return None


def release(session: Session, *, name: str, holder: str | None = None) -> None:
    session.execute(delete(Lock).where(Lock.name == name, Lock.holder == (holder or me())))
    session.commit()


@contextmanager
def holding(
    engine: Engine, *, name: str, ttl: dt.timedelta, wait: float = 0.0, poll: float = 30.0
) -> Iterator[str]:
    """Hold the lock for the block (its holder id is yielded), released however the block ends.

    While another live process holds it, wait up to `wait` seconds, looking every `poll`
    seconds; then raise :class:`Busy`.
    """
    holder = me()
    deadline = time.monotonic() + wait
    while True:
        with Session(engine) as session:
            busy = acquire(session, name=name, ttl=ttl, now=dt.datetime.now(dt.UTC), holder=holder)
        if busy is None:
            break
        left = deadline - time.monotonic()
        if left <= 0:
            raise Busy(name, busy)
        time.sleep(min(poll, left))
    try:
        yield holder
    finally:
        with Session(engine) as session:
            release(session, name=name, holder=holder)
