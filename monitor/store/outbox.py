"""Queries of the outbox: every message is stored before it is sent and marked sent after.

A message is queued once per dedupe key (the report key, with the channel for the group bots),
so re-running a night never queues a digest twice. A message too long for its channel is
queued as numbered parts in one go; a part is due only once the parts before it are sent or
due with it, so a group reads them in order.

Delivery picks the due messages, *claims* each one (a compare-and-set on ``next_attempt_at``,
so two delivery runs at once never send the same message), and records the outcome:
``sent_at`` on success, ``attempts``, ``last_error`` and the next attempt on failure. A claim
can carry a rate limit (at most N attempts per channel in S seconds): it counts the channel's
rows by ``last_attempt_at`` in the same statement that takes the message, so the limit holds
across processes. As everywhere in the store, the functions take keyword arguments and callers
own the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from monitor.store.models import OutboxMessage

#: Longest ``last_error`` kept; an SMTP reply can quote a whole message.
_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Pending:
    """An unsent message as delivery needs it: its channel, its bytes and its history."""

    id: int
    key: str
    recipients: tuple[str, ...]
    subject: str
    message: bytes
    attempts: int
    last_error: str | None
    channel: str = "email"
    message_key: str | None = None
    part: int = 1
    parts: int = 1


#: A rate limit: at most ``count`` attempts in ``seconds``.
Window = tuple[int, int]


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


def enqueue_parts(
    session: Session,
    *,
    channel: str,
    key: str,
    subject: str,
    parts: Sequence[bytes],
    now: dt.datetime,
    recipients: Sequence[str] = (),
) -> bool:
    """Queue the parts of one message for ``channel``, due at once; False when ``key`` was queued before.

    The first part carries ``key`` as its dedupe key and the others ``key#2``, ``key#3`` …: the
    message is queued once, ever, however many parts a later rendering would make.
    """
    for number, payload in enumerate(parts, start=1):
        stmt = (
            _insert(session)
            .values(
                created_at=now,
                recipients=list(recipients),
                subject=subject,
                message=payload,
                dedupe_key=key if number == 1 else f"{key}#{number}",
                attempts=0,
                next_attempt_at=now,
                channel=channel,
                message_key=key,
                part=number,
                parts=len(parts),
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxMessage.id)
        )
        if session.scalar(stmt) is None and number == 1:
            return False
    return bool(parts)


def _waits_for_earlier_part(now: dt.datetime) -> ColumnElement[bool]:
    """An earlier part of the same message is unsent and not due: this part must wait for it."""
    earlier = aliased(OutboxMessage)
    return exists().where(
        earlier.channel == OutboxMessage.channel,
        earlier.message_key == OutboxMessage.message_key,
        earlier.part < OutboxMessage.part,
        earlier.sent_at.is_(None),
        earlier.next_attempt_at > now,
    )


def due(
    session: Session, *, now: dt.datetime, limit: int = 100, channels: Sequence[str] | None = None
) -> list[Pending]:
    """Unsent messages whose next attempt is due at ``now`` (on ``channels``, or any), oldest first."""
    query = select(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now, ~_waits_for_earlier_part(now)
    )
    if channels is not None:
        query = query.where(OutboxMessage.channel.in_(channels))
    rows = session.scalars(query.order_by(OutboxMessage.created_at, OutboxMessage.id).limit(limit))
    return [
        Pending(
            id=row.id,
            key=row.dedupe_key,
            recipients=tuple(row.recipients),
            subject=row.subject,
            message=row.message,
            attempts=row.attempts,
            last_error=row.last_error,
            channel=row.channel,
            message_key=row.message_key,
            part=row.part,
            parts=row.parts,
        )
        for row in rows
    ]


def claim(
    session: Session,
    *,
    message_id: int,
    now: dt.datetime,
    until: dt.datetime,
    channel: str | None = None,
    rate: Sequence[Window] = (),
) -> bool:
    """Take an unsent, due message for one attempt (not due again before ``until``).

    False if another run took it, or if ``channel`` already had ``count`` attempts in the last
    ``seconds`` of a ``rate`` window (see :func:`rate_free_at`).
    """
    if rate and channel is not None and session.get_bind().dialect.name == "postgresql":
        # one claim per channel at a time, so two processes never both count the last free slot
        session.execute(select(func.pg_advisory_xact_lock(_lock_id(channel))))
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            *(_room(channel, now, window) for window in rate if channel is not None),
        )
        .values(next_attempt_at=until, last_attempt_at=now)
        .returning(OutboxMessage.id)
    )
    return session.scalar(stmt) is not None


def _lock_id(channel: str) -> int:
    """A stable 64-bit advisory lock key for ``channel``."""
    return int.from_bytes(hashlib.sha256(f"outbox:{channel}".encode()).digest()[:8], "big", signed=True)


def _attempts_since(channel: str, since: dt.datetime) -> ColumnElement[int]:
    other = aliased(OutboxMessage)
    return (
        select(func.count())
        .select_from(other)
        .where(other.channel == channel, other.last_attempt_at > since)
        .scalar_subquery()
    )


def _room(channel: str, now: dt.datetime, window: Window) -> ColumnElement[bool]:
    seconds, count = window
    return _attempts_since(channel, now - dt.timedelta(seconds=seconds)) < count


def rate_free_at(
    session: Session, *, channel: str, now: dt.datetime, rate: Sequence[Window]
) -> dt.datetime | None:
    """When ``channel`` may send again, if a window of ``rate`` is used up at ``now``; else None."""
    free: list[dt.datetime] = []
    for seconds, count in rate:
        since = now - dt.timedelta(seconds=seconds)
        attempts = list(
            session.scalars(
                select(OutboxMessage.last_attempt_at)
                .where(OutboxMessage.channel == channel, OutboxMessage.last_attempt_at > since)
                .order_by(OutboxMessage.last_attempt_at.desc())
                .limit(count)
            )
        )
        if len(attempts) >= count and attempts[-1] is not None:
            free.append(attempts[-1] + dt.timedelta(seconds=seconds))
    return max(free) if free else None


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


def defer_channel(session: Session, *, channel: str, until: dt.datetime) -> int:
    """Make every unsent message of ``channel`` wait until ``until`` (the API blocked the sender)."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at < until,
        )
        .values(next_attempt_at=until)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def pending_count(session: Session, *, channels: Sequence[str] | None = None) -> int:
    """How many messages (parts) are not sent yet, due now or later (on ``channels``, or any)."""
    stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
    if channels is not None:
        stmt = stmt.where(OutboxMessage.channel.in_(channels))
    return session.scalar(stmt) or 0
