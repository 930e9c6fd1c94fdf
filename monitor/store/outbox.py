"""Queries of the mail outbox: every message is stored before it is sent and marked sent after.

A message is queued once per dedupe key (the report key), so re-running a night never queues a
digest twice. Delivery picks the due messages, *claims* each one (a compare-and-set on
``next_attempt_at``, so two delivery runs at once never send the same message), and records the
outcome: ``sent_at`` on success, ``attempts``, ``last_error`` and the next attempt on failure.
As everywhere in the store, the functions take keyword arguments and callers own the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.store.models import OutboxMessage

#: Longest ``last_error`` kept; an SMTP reply can quote a whole message.
_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Pending:
    """An unsent message as delivery needs it: the full RFC 5322 bytes and its history."""

    id: int
    key: str
    recipients: tuple[str, ...]
    subject: str
    message: bytes
    attempts: int
    last_error: str | None


def _insert(session: Session) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(OutboxMessage)
    return sqlite.insert(OutboxMessage)


def enqueue(
    session: Session, *, key: str, recipients: Sequence[str], subject: str, message: bytes, now: dt.datetime
) -> bool:
    """Queue a message, due at once; False (and nothing changed) when ``key`` was queued before."""
    stmt = (
        _insert(session)
        .values(
            created_at=now,
            recipients=list(recipients),
            subject=subject,
            message=message,
            dedupe_key=key,
            attempts=0,
            next_attempt_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    return session.scalar(stmt) is not None


def due(session: Session, *, now: dt.datetime, limit: int = 100) -> list[Pending]:
    """Unsent messages whose next attempt is due at ``now``, oldest first."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    )
    return [
        Pending(
            id=row.id,
            key=row.dedupe_key,
            recipients=tuple(row.recipients),
            subject=row.subject,
            message=row.message,
            attempts=row.attempts,
            last_error=row.last_error,
        )
        for row in rows
    ]


def claim(session: Session, *, message_id: int, now: dt.datetime, until: dt.datetime) -> bool:
    """Take an unsent, due message for one attempt (not due again before ``until``); False if taken."""
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=until)
        .returning(OutboxMessage.id)
    )
    return session.scalar(stmt) is not None


def mark_sent(session: Session, *, message_id: int, now: dt.datetime) -> None:
    """Record that the server accepted the message: it is never sent again."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(sent_at=now))


def mark_failed(session: Session, *, message_id: int, error: str, next_attempt_at: dt.datetime) -> None:
    """Record a failed attempt and when to try again."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            attempts=OutboxMessage.attempts + 1,
            last_error=error[:_ERROR_CHARS],
            next_attempt_at=next_attempt_at,
        )
    )


def pending_count(session: Session) -> int:
    """How many messages are not sent yet (due now or later)."""
    stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
    return session.scalar(stmt) or 0
