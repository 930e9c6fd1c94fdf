"""Named locks in the database, so that a manual crawl and the nightly run never overlap.

A lock row names its holder ("host:pid") and an expiry. It can be taken when no row exists,
when it has expired, or when its holder is a process on this host that no longer runs (a crawl
killed with SIGKILL leaves its row behind). A holder that starts a child to do the work names it
too (:meth:`Held.include`: "host:pid+child"): the lock is then held while either runs, so a crawler
orphaned by its parent's SIGKILL still keeps a second crawl out until it has stopped. A lock
that cannot be released (the database gone) stays with holders that have ended, so the next
process takes it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.errors import MonitorError, StoreError
from monitor.store.engine import translate_errors
from monitor.store.models import Lock

log = logging.getLogger(__name__)


class Busy(MonitorError):
    """The lock is held by another live process (its holder is in the message)."""

    def __init__(self, name: str, holder: str) -> None:
        super().__init__(f"busy: a {name} is running ({holder}); try again when it has finished")
        self.holder = holder


def me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead(holder: str) -> bool:
    """Whether every process the holder names is gone (known only for processes on this host)."""
    host, _, pids = holder.rpartition(":")
    numbers = pids.split("+")
    if host != socket.gethostname() or not all(number.isdigit() for number in numbers):
        return False
    return not any(running(int(number)) for number in numbers)


def running(pid: int) -> bool:
    """Whether process ``pid`` runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        return True
    return True


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


class Held:
    """A lock held by this process (:func:`holding`); :meth:`include` names a child as holder too."""

    def __init__(self, engine: Engine, *, name: str, holder: str) -> None:
        self.engine, self.name, self.holder = engine, name, holder

    def include(self, pid: int) -> None:
        """Hold the lock also while process ``pid`` (a child doing the work) runs."""
        holder = f"{self.holder}+{pid}"
        with Session(self.engine) as session:
            session.execute(
                update(Lock).where(Lock.name == self.name, Lock.holder == self.holder).values(holder=holder)
            )
            session.commit()
        self.holder = holder


@contextmanager
def holding(
    engine: Engine, *, name: str, ttl: dt.timedelta, wait: float = 0.0, poll: float = 30.0
) -> Iterator[Held]:
    """Hold the lock for the block, released however the block ends (a release that fails after
    an error in the block is a warning, the block's error the one raised).

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
    held = Held(engine, name=name, holder=holder)
    try:
        yield held
    except BaseException:
        try:
            _release(engine, name=name, holder=held.holder)
        except StoreError as exc:  # the database gone: the error that ended the block is the one to tell
            log.warning("cannot release the %s lock (its holders, once gone, free it): %s", name, exc)
        raise
    _release(engine, name=name, holder=held.holder)


def _release(engine: Engine, *, name: str, holder: str) -> None:
    with translate_errors(engine.url), Session(engine) as session:
        release(session, name=name, holder=holder)
