"""Who is looking, and the latest check as the dashboard shows it.

Every page is judged from the latest stored check, re-judged read-only
(``run_check(..., persist=False)``) with that check's finding states. The re-judgement is kept
in memory for a minute per (check, day), so a burst of page views judges once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

from monitor import checks, store
from monitor.checks import CheckResult
from monitor.config import Config

#: Roles that see every site; a department sees only the sites granted to it.
ALL_SITES = ("admin", "office", "viewer")
#: Roles that may acknowledge findings (a department only those of its own sites).
ACKNOWLEDGERS = ("admin", "office", "department")
NO_CHECK = "尚无检查结果：请先运行 xxgk crawl 和 xxgk check。"


@dataclass(frozen=True)
class Viewer:
    """The logged-in user: name, role, the site keys it may see (None: all) and its CSRF token."""

    name: str
    role: str
    sites: frozenset[str] | None
    csrf: str

    def sees(self, site: str | None) -> bool:
        return self.sites is None or (site is not None and site in self.sites)

    @property
    def can_ack(self) -> bool:
        return self.role in ACKNOWLEDGERS


@dataclass(frozen=True)
class Judged:
    """The latest stored check, re-judged: the result with the stored states, and when it ran."""

    result: CheckResult
    check_id: int
    created_at: dt.datetime

    def header(self) -> dict[str, Any]:
        return {
            "id": self.check_id,
            "at": self.result.snapshot.at.isoformat(),
            "created_at": iso(self.created_at),
        }


def iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class JudgementCache:
    """The latest judgement per (check id, today), kept `ttl` seconds."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._kept: dict[tuple[int, dt.date], tuple[float, Judged]] = {}
        self._lock = threading.Lock()

    def load(self, session: store.Session, config: Config, *, today: dt.date) -> Judged | None:
        latest = store.checks.latest_check(session, institution_key=config.institution.id)
        if latest is None:
            return None
        key = (latest[0], today)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] > time.monotonic():
                return kept[1]
        judged = _judge(session, config, latest=latest, today=today)
        with self._lock:
            self._kept = {key: (time.monotonic() + self.ttl, judged)}
        return judged


def _judge(
    session: store.Session, config: Config, *, latest: tuple[int, dt.date, dt.datetime], today: dt.date
) -> Judged:
    check_id, at, created_at = latest
    result = checks.run_check(session, config, at=at, today=today, persist=False)
    states, resolved = store.checks.check_states(
        session, institution_key=config.institution.id, check_id=check_id
    )
    return Judged(dataclasses.replace(result, states=states, resolved=resolved), check_id, created_at)
