"""Queries of the regulator's view: every institution's stored checks, for the ranking and its trend.

Only stored check runs are read (their summaries), never items: ranking 3,000 institutions is a
range scan of the last weeks' check runs on ``ix_check_runs_at``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.store.models import CheckRun, Institution


@dataclass(frozen=True)
class StoredCheck:
    institution: str  # the institution's key
    check_id: int
    at: dt.date
    created_at: dt.datetime
    summary: dict[str, Any]


def newest_check_id(session: Session) -> int | None:
    """The id of the newest stored check of any institution (a new one changes the ranking)."""
    found: int | None = session.scalar(select(func.max(CheckRun.id)))
    return found


def _checks(session: Session, *where: Any) -> list[StoredCheck]:
    rows = session.execute(
        select(Institution.key, CheckRun.id, CheckRun.at, CheckRun.created_at, CheckRun.summary)
        .join(Institution, Institution.id == CheckRun.institution_id)
        .where(*where)
        .order_by(CheckRun.at, CheckRun.id)
    )
    return [StoredCheck(*row) for row in rows]


def recent_checks(
    session: Session, *, institution_keys: Collection[str], since: dt.date
) -> dict[str, list[StoredCheck]]:
    """Institution key → its stored checks judged on `since` or later, the latest of each day,
    oldest first; an institution with none since then gets its newest check alone."""
    wanted = set(institution_keys)
    found: dict[str, dict[dt.date, StoredCheck]] = {}
    for check in _checks(session, CheckRun.at >= since):
        if check.institution in wanted:
            found.setdefault(check.institution, {})[check.at] = check  # a later id replaces
    missing = wanted - set(found)
    if missing:
        newest = (
            select(func.max(CheckRun.id))
            .join(Institution, Institution.id == CheckRun.institution_id)
            .where(Institution.key.in_(sorted(missing)))
            .group_by(CheckRun.institution_id)
        )
        for check in _checks(session, CheckRun.id.in_(newest)):
            found[check.institution] = {check.at: check}
    return {key: [days[day] for day in sorted(days)] for key, days in found.items()}
