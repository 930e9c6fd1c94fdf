"""Who is looking, and the latest check as the dashboard shows it.

Every page is judged from the latest stored check, re-judged read-only
(``run_check(..., persist=False)``) with that check's finding states. A judgement takes seconds
at a million items, so it is kept in memory per (check, day) and made once: requests that find
none wait for the one being made. After a minute it is made again in a background thread while
requests go on with the one kept, so no page view waits for a re-judgement. Pages derived from
one judgement are kept with it (`Judged.derived`): the overview's and the checklist's rows, each
site's page (its recent items and daily counts are read again with each judgement, so they are
as fresh as the verdicts: a minute), and the JSON twins, serialised once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from monitor import checks, store
from monitor.checks import CheckResult
from monitor.config import Config

#: Roles that see every site; a department sees only the sites granted to it.
ALL_SITES = ("admin", "office", "viewer", "regulator")
#: Roles that may acknowledge findings (a department only those of its own sites).
ACKNOWLEDGERS = ("admin", "office", "department")
NO_CHECK = "尚无检查结果：请先运行 xxgk crawl 和 xxgk check。"
#: Derived pages kept per judgement; more (odd filter values) are built but not kept. Pages whose
#: keys the config bounds (one per configured site) are kept besides these.
DERIVED_MAX = 64

log = logging.getLogger(__name__)
T = TypeVar("T")
#: (id, judged date, when) of a stored check, as `store.checks.latest_check` gives it.
LatestCheck = tuple[int, dt.date, dt.datetime]


@dataclass(frozen=True)
class Viewer:
    """The logged-in user: name, role, the site keys it may see (None: all) and its CSRF token."""

    name: str
    role: str
    sites: frozenset[str] | None
    csrf: str
    institution: str | None = None  # the user's institution; None: every institution (a regulator)

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
    _derived: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)
    _bounded: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    def derived(self, key: Hashable, build: Callable[[], T], *, bounded: bool = False) -> T:
        """`build()`, kept with this judgement under `key` (the judgement never changes).

        At most DERIVED_MAX keys are kept, unless `bounded`: keys that the config bounds (a
        site id checked against it), never values a request chose freely.
        """
        kept = self._bounded if bounded else self._derived
        try:
            found: T = kept[key]
        except KeyError:
            found = build()
            if bounded or len(kept) < DERIVED_MAX:
                kept[key] = found
        return found

    def header(self) -> dict[str, Any]:
        return {
            "id": self.check_id,
            "at": self.result.snapshot.at.isoformat(),
            "created_at": iso(self.created_at),
        }


def iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class _Kept:
    key: tuple[int, dt.date]
    judged: Judged
    expires: float


class JudgementCache:
    """The latest judgement per (check id, today): made once, re-made in the background after `ttl` s."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._kept: _Kept | None = None
        self._judging = threading.Lock()  # one judgement at a time
        self._refresh: threading.Thread | None = None

    def load(self, session: store.Session, config: Config, *, today: dt.date) -> Judged | None:
        latest = store.checks.latest_check(session, institution_key=config.institution.id)
        if latest is None:
            return None
        key = (latest[0], today)
        kept = self._kept
        if kept is None or kept.key != key:
            return self._judge_now(session, config, latest=latest, today=today)
        if kept.expires <= time.monotonic():
            self._start_refresh(session, config, latest=latest, today=today)
        return kept.judged

    def _judge_now(
        self, session: store.Session, config: Config, *, latest: LatestCheck, today: dt.date
    ) -> Judged:
        """A new check or a new day: judge in this request; concurrent ones wait for the same judgement."""
        with self._judging:
            kept = self._kept
            if kept is not None and kept.key == (latest[0], today):
                return kept.judged
            return self._keep(_judge(session, config, latest=latest, today=today), today)

    def _keep(self, judged: Judged, today: dt.date) -> Judged:
        self._kept = _Kept((judged.check_id, today), judged, time.monotonic() + self.ttl)
        return judged

    def _start_refresh(
        self, session: store.Session, config: Config, *, latest: LatestCheck, today: dt.date
    ) -> None:
        if not self._judging.acquire(blocking=False):
            return  # a judgement is being made
        try:
            if self._refresh is not None and self._refresh.is_alive():
                return
            engine = session.get_bind()
            self._refresh = threading.Thread(
                target=self._refresh_in_background,
                args=(engine, config, latest, today),
                name="xxgk-judgement",
                daemon=True,
            )
            self._refresh.start()
        finally:
            self._judging.release()

    def _refresh_in_background(
        self, engine: Any, config: Config, latest: LatestCheck, today: dt.date
    ) -> None:
        with self._judging:
            kept = self._kept
            if kept is None or kept.key != (latest[0], today) or kept.expires > time.monotonic():
                return  # replaced or refreshed meanwhile
            try:
                with store.sessions(engine).begin() as session:
                    self._keep(_judge(session, config, latest=latest, today=today), today)
            except Exception:
                log.exception("re-judging check %d failed; the previous judgement stays a while", latest[0])
                self._kept = dataclasses.replace(kept, expires=time.monotonic() + self.ttl)

    def wait(self, timeout: float | None = None) -> None:
        """Until a background re-judgement, if any, is done (for tests and shutdown)."""
        if self._refresh is not None:
            self._refresh.join(timeout)


def _judge(session: store.Session, config: Config, *, latest: LatestCheck, today: dt.date) -> Judged:
    check_id, at, created_at = latest
    result = checks.run_check(session, config, at=at, today=today, persist=False)
    states, resolved = store.checks.check_states(
        session, institution_key=config.institution.id, check_id=check_id
    )
    return Judged(dataclasses.replace(result, states=states, resolved=resolved), check_id, created_at)
