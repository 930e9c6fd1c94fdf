"""The office's documents: the annual report's section 二 in Word, the checklist table, the register.

They are renderings of what the other commands compute: the statistics tables of ``xxgk stats``
(:func:`monitor.checks.period_tables`), the checklist verdicts of ``xxgk check``
(:func:`monitor.checks.run_check`, read-only) and the 依申请公开 register in the store. This
module gathers them from a session; :mod:`annual`, :mod:`checklist` and :mod:`register` render.
"""

from __future__ import annotations

import datetime as dt

from monitor import checks, store
from monitor.config import Config
from monitor.documents import annual, checklist, register
from monitor.documents.checklist import ChecklistTable
from monitor.rules.requests import Figures, figures
from monitor.stats import StatsTables
from monitor.store import requests as register_store

__all__ = ["annual", "annual_report", "checklist", "checklist_table", "register", "request_figures"]


def checklist_table(session: store.Session, config: Config, *, at: dt.date, today: dt.date) -> ChecklistTable:
    """The checklist table as of `at`: the verdicts of a read-only check (nothing is stored)."""
    result = checks.run_check(session, config, at=at, today=today, persist=False)
    return checklist.build(config, checks.check_document(result))


def request_figures(
    session: store.Session, config: Config, *, start: dt.date, end: dt.date, today: dt.date
) -> Figures:
    rows = register_store.list_requests(session, institution_key=config.institution.id, start=start, end=end)
    return figures(checks.request_snapshots(rows), start=start, end=end, today=today)


def annual_report(
    session: store.Session, config: Config, *, start: dt.date, end: dt.date, at: dt.date, today: dt.date
) -> tuple[bytes, StatsTables]:
    """``xxgk report annual``: the Word document, and the tables it prints."""
    checks.classify_new(session, config)
    tables = checks.period_tables(session, config, start=start, end=end)
    counted = request_figures(session, config, start=start, end=end, today=today)
    table = checklist_table(session, config, at=at, today=today)
    data = annual.annual_document(tables, counted, table, institution=config.institution.name)
    return data, tables
