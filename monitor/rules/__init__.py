"""Pure judgements over snapshots: freshness, blank, reachability, coverage, deadlines, counts.

Rules never touch the database, HTML or the network (import-linter enforces that this package
imports neither `monitor.store` nor SQLAlchemy), so they are table-tested on hand-built
snapshots. `judge(snapshot)` gives every column, site and checklist item its verdict and runs
every registered rule; a rule that raises becomes one ``error`` finding and the others go on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

# Importing the rule modules registers their rules; this order is the order `judge` runs them in.
from monitor.rules import columns, sites, checklist, deadlines, counts, content, requests, pii  # isort: skip  # noqa: F401
from monitor.rules.calendar import add_working_days, is_known, is_working_day, working_days_between
from monitor.rules.checklist import ItemStatus, checklist_statuses, item_status
from monitor.rules.columns import ColumnVerdict, column_verdict
from monitor.rules.findings import Finding
from monitor.rules.registry import KINDS, RULES, FindingKind, Rule, declare, rule
from monitor.rules.sites import SiteVerdict, site_verdict
from monitor.rules.snapshot import Snapshot

__all__ = [
    "KINDS",
    "RULES",
    "ColumnVerdict",
    "Finding",
    "FindingKind",
    "ItemStatus",
    "Judgement",
    "Rule",
    "SiteVerdict",
    "add_working_days",
    "checklist_statuses",
    "column_verdict",
    "declare",
    "is_known",
    "is_working_day",
    "item_status",
    "judge",
    "rule",
    "run_rule",
    "site_verdict",
    "working_days_between",
]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Judgement:
    """Everything one check concludes as of `at`."""

    at: dt.date
    columns: dict[str, ColumnVerdict]  # by ColumnSnapshot.key ("site/column"), in config order
    sites: dict[str, SiteVerdict]  # by site id, in config order
    checklist: dict[str, ItemStatus]  # by slug, in checklist order
    findings: tuple[Finding, ...]  # rule by rule, in registration order


def run_rule(entry: Rule, snapshot: Snapshot) -> list[Finding]:
    """Run one rule; if it raises, its findings are one `error` finding naming it."""
    try:
        return entry.judge(snapshot)
    except Exception as exc:
        log.warning("rule %s failed: %s: %s", entry.name, type(exc).__name__, exc)
        return [Finding.error(entry.name, exc)]


def judge(snapshot: Snapshot) -> Judgement:
    """Judge a snapshot: every verdict, and the findings of every registered rule."""
    errors: list[Finding] = []
    at = snapshot.at
    column_table: dict[str, ColumnVerdict] = _guarded(
        "column_verdicts", errors, {}, lambda: _column_table(snapshot)
    )
    site_table: dict[str, SiteVerdict] = _guarded(
        "site_verdicts", errors, {}, lambda: {s.site: site_verdict(s, at=at) for s in snapshot.sites}
    )
    statuses: dict[str, ItemStatus] = _guarded(
        "checklist_statuses", errors, {}, lambda: {s.slug: s for s in checklist_statuses(snapshot)}
    )
    findings = [finding for entry in RULES.values() for finding in run_rule(entry, snapshot)]
    return Judgement(at, column_table, site_table, statuses, tuple(findings + errors))


def _column_table(snapshot: Snapshot) -> dict[str, ColumnVerdict]:
    return {column.key: column_verdict(column, at=snapshot.at) for column in snapshot.columns()}


def _guarded(name: str, errors: list[Finding], default: T, compute: Callable[[], T]) -> T:
    """A verdict table, or `default` and an error finding if computing it raised."""
    try:
        return compute()
    except Exception as exc:
        log.warning("%s failed: %s: %s", name, type(exc).__name__, exc)
        errors.append(Finding.error(name, exc))
        return default
