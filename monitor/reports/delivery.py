"""The outbox for every channel: reports are queued once per key and channel, then delivered.

:func:`queue` asks each channel which reports it takes and renders them to its payloads (an
e-mail's RFC 5322 bytes, a bot's markdown parts) and stores them in the outbox, once per key,
ever. :func:`deliver` sends what is due, oldest first, each in its own short transaction, and
knows nothing of findings: only channel ids, payloads and the outcomes channels report.

- A message counts as sent only when the channel says so (an SMTP server's acceptance, a bot
  API's own success code). :class:`Refused` keeps it queued: a later run retries it after
  ``backoff[attempts]`` seconds, or the channel's ``retry_after`` when that is longer.
  :class:`Throttled` (DingTalk's 130101: blocked for ten minutes) makes every message of the
  channel wait that long. :class:`Unavailable` (no connection, no answer, a login refused, a
  webhook variable unset) ends the channel's turn in this run; the other channels go on.
- The parts of a long message go in order: a part waits until the parts before it are sent.
- A channel's ``rate`` (at most N messages in S seconds) is checked against the outbox's own
  record of attempts as each message is claimed, so it holds across processes and runs. With
  a ``clock``, a run waits for the window to free (up to ``max_wait`` seconds in all); without
  one, or past that, the channel's other messages wait for a later run.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from monitor.errors import DeliveryError
from monitor.store import outbox

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.reports.model import Report

log = logging.getLogger(__name__)

#: Seconds to wait before the next attempt after the 1st, 2nd, … failure; the last one repeats.
BACKOFF = (60, 300, 1800, 7200, 21600)
#: How long a message taken for sending stays hidden from other delivery runs.
CLAIM = dt.timedelta(minutes=15)

Window = outbox.Window


class Refused(DeliveryError):
    """The channel answered and did not take this message; ``retry_after`` is its minimum wait."""

    def __init__(self, message: str, *, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Throttled(Refused):
    """The channel blocks every message for ``retry_after`` seconds (a rate limit was hit)."""


class Unavailable(DeliveryError):
    """The channel takes no message now (unreachable, no answer, login failed, not configured)."""


@dataclass(frozen=True)
class Outgoing:
    """A report rendered for one channel: its outbox key, its target and its payload parts."""

    key: str
    subject: str
    parts: tuple[bytes, ...]
    recipients: tuple[str, ...] = ()


class Channel(Protocol):
    """Where reports go: e-mail or a group bot. Rendering (``takes``, ``render``) and delivery
    (``send``) are apart: ``send`` sees only a stored payload."""

    @property
    def id(self) -> str: ...  # the outbox's channel: ``email`` or the notify id
    @property
    def rate(self) -> Sequence[Window]: ...
    @property
    def problem(self) -> str | None: ...  # why it cannot send now (a variable unset), or None

    def takes(self, report: Report) -> bool: ...
    def render(self, report: Report, *, now: dt.datetime) -> Outgoing: ...
    def send(self, payload: bytes) -> str: ...  # the channel's answer; raises Refused/Unavailable


@dataclass(frozen=True)
class DeliveryResult:
    sent: int
    failed: int
    pending: int  # unsent messages (parts) left in the outbox, due now or later
    #: due but left for a later run: a rate limit, a channel down, an earlier part not sent
    deferred: int = field(default=0, compare=False)
    problems: tuple[str, ...] = field(default=(), compare=False)


def queue(
    session: Session, reports: Iterable[Report], channels: Sequence[Channel], *, now: dt.datetime
) -> int:
    """Store each report on each channel that takes it, once per key and channel; how many were new."""
    new = 0
    for report in reports:
        for channel in channels:
            if not channel.takes(report):
                continue
            out = channel.render(report, now=now)
            new += outbox.enqueue_parts(
                session,
                channel=channel.id,
                key=out.key,
                subject=out.subject,
                parts=out.parts,
                recipients=out.recipients,
                now=now,
            )
    return new


@dataclass
class _Run:
    """One delivery run's bookkeeping: the time, counts, and the channels and messages done for now."""

    now: dt.datetime
    clock: Callable[[], dt.datetime] | None = None
    wait_left: float = 0.0
    sleep: Callable[[float], None] = time.sleep
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    stopped: set[str] = field(default_factory=set)
    blocked: set[tuple[str, str]] = field(default_factory=set)

    def skips(self, pending: outbox.Pending) -> bool:
        key = (pending.channel, pending.message_key or "")
        return pending.channel in self.stopped or key in self.blocked


def deliver(
    sessions: sessionmaker[Session],
    channels: Sequence[Channel],
    *,
    now: dt.datetime,
    backoff: Sequence[int] = BACKOFF,
    limit: int = 100,
    clock: Callable[[], dt.datetime] | None = None,
    max_wait: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryResult:
    """Send the due messages of ``channels`` (up to ``limit``), oldest first; each outcome is stored.

    Each message is claimed, sent, and marked sent in its own transaction as soon as its
    channel has taken it, so a failure never undoes another message's record and a later run
    never sends a recorded message again. Delivery is at least once: a crash between the
    channel's acceptance and the database's record sends the message again after its claim
    (15 minutes) has passed; every other path sends it once.
    """
    ready = {channel.id: channel for channel in channels if channel.problem is None}
    problems = tuple(f"{c.id}: {c.problem}" for c in channels if c.problem is not None)
    for problem in problems:
        log.warning("not delivering, messages stay queued: %s", problem)
    with sessions() as session:
        batch = outbox.due(session, now=now, limit=limit, channels=list(ready))
    run = _Run(now=now, clock=clock, wait_left=max_wait if clock else 0.0, sleep=sleep)
    for pending in batch:
        if run.skips(pending):
            run.deferred += 1
            continue
        while _attempt(sessions, ready[pending.channel], pending, run, backoff=backoff):
            pass  # the channel's rate window freed after a short wait: try the same message again
    with sessions() as session:
        left = outbox.pending_count(session)
    return DeliveryResult(run.sent, run.failed, left, run.deferred, problems)


def _attempt(
    sessions: sessionmaker[Session],
    channel: Channel,
    pending: outbox.Pending,
    run: _Run,
    *,
    backoff: Sequence[int],
) -> bool:
    """Claim and send one message; True when it should be tried again (a rate window was waited out)."""
    now = run.now
    with sessions.begin() as session:
        taken = outbox.claim(
            session, message_id=pending.id, now=now, until=now + CLAIM, channel=channel.id, rate=channel.rate
        )
        rate = channel.rate
        free_at = None if taken else outbox.rate_free_at(session, channel=channel.id, now=now, rate=rate)
    if free_at is not None:
        return _wait_for(channel, free_at, run)
    if not taken:
        return False  # another run took it
    error = _send_one(sessions, channel, pending, now=now, backoff=backoff)
    if error is None:
        run.sent += 1
        return False
    run.failed += 1
    if pending.parts > 1:  # its later parts wait for it
        run.blocked.add((pending.channel, pending.message_key or ""))
    if isinstance(error, Unavailable | Throttled):
        log.warning("%s: delivery stopped, the rest stays queued: %s", channel.id, error)
        run.stopped.add(channel.id)
    return False


def _wait_for(channel: Channel, free_at: dt.datetime, run: _Run) -> bool:
    """Sleep until ``free_at`` if the run may wait that long; else leave the channel for later."""
    delay = (free_at - run.now).total_seconds()
    if run.clock is None or delay > run.wait_left:
        log.info("%s: rate limit reached, the rest waits for a later run", channel.id)
        run.stopped.add(channel.id)
        run.deferred += 1
        return False
    run.sleep(max(delay, 0.0) + 0.05)
    run.wait_left -= delay
    run.now = max(run.clock(), free_at)
    return True


def _send_one(
    sessions: sessionmaker[Session],
    channel: Channel,
    pending: outbox.Pending,
    *,
    now: dt.datetime,
    backoff: Sequence[int],
) -> DeliveryError | None:
    """Send one claimed message and record the outcome; the error if it failed."""
    try:
        answer = channel.send(pending.message)
    except DeliveryError as exc:
        _record_failure(sessions, channel, pending, exc, now=now, backoff=backoff)
        return exc
    with sessions.begin() as session:
        outbox.mark_sent(session, message_id=pending.id, now=now)
    where = ", ".join(pending.recipients) or channel.id
    log.info("sent %s%s to %s: %s", pending.key, _part(pending), where, answer)
    return None


def _record_failure(
    sessions: sessionmaker[Session],
    channel: Channel,
    pending: outbox.Pending,
    exc: DeliveryError,
    *,
    now: dt.datetime,
    backoff: Sequence[int],
) -> None:
    wait = backoff[min(pending.attempts, len(backoff) - 1)]
    delay = dt.timedelta(seconds=max(wait, getattr(exc, "retry_after", 0)))
    with sessions.begin() as session:
        outbox.mark_failed(session, message_id=pending.id, error=str(exc), next_attempt_at=now + delay)
        if isinstance(exc, Throttled):
            outbox.defer_channel(session, channel=channel.id, until=now + delay)
    log.warning("not sent, next attempt in %s: %s%s (%s)", delay, pending.key, _part(pending), exc)


def _part(pending: outbox.Pending) -> str:
    return f" part {pending.part}/{pending.parts}" if pending.parts > 1 else ""
