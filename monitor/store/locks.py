"""Named locks in the database, so that a manual crawl and the nightly run never overlap.

A lock row names its holder ("host:pid") and an expiry. It can be taken when no row exists,
when it has expired, or when its holder is a process on this host that no longer runs (a crawl
killed with SIGKILL leaves its row behind).
"""

from __future__ import annotations

import datetime as dt
import os
import socket

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.store.models import Lock


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
