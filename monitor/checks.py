"""A check: classify new titles, build a snapshot from the store, run the rules, diff the findings.

The snapshot holds only what was known at the end of the judged date (items first seen and
crawls started before it), so `xxgk check --at DATE` reproduces an earlier day's verdicts. Only
a check of today is stored (a check run and its findings); a check of a past date is read-only
and states its findings against those open at that time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from monitor import rules, store
from monitor.checklist import Classifier, report_type
from monitor.config import Campus, Column, Config, Site
from monitor.content import content_facts
from monitor.errors import StoreError
from monitor.rules.pii import pii_pages
from monitor.rules.snapshot import ColumnSnapshot, Evidence, Request, Settings, SiteSnapshot, Snapshot
from monitor.stats import StatsTables, build_tables, statistics_year_of
from monitor.store import checks as q
from monitor.store import requests as register

log = logging.getLogger(__name__)


class ColumnEntry(TypedDict):
    """A column in the check document: ids from the config, its status, and the crawl outcome as `reason`."""

    campus: str
    site: str
    column: str
    status: str
    reason: str
    newest: str | None
    items: int
    age_days: int | None


class SiteEntry(TypedDict):
    campus: str
    site: str
    status: str
    reasons: list[str]


class ItemEntry(TypedDict):
    """A checklist item: `evidence` rows are {site, column, url, title, date, status}."""

    slug: str
    number: int
    status: str
    reason: str
    due: str | None
    evidence: list[dict[str, Any]]


class FindingEntry(TypedDict):
    """A finding (`Finding.as_dict`) and its state; `kind` is declared in `monitor.rules.KINDS`."""

    key: str
    kind: str
    subject: str
    severity: str
    message: str
    detail: dict[str, Any]
    site: str | None
    column: str | None
    slug: str | None
    state: str  # new | ongoing


class CheckDocument(TypedDict):
    """`xxgk check --format json`, as the reports and the dashboard read it (DESIGN.md's contract)."""

    at: str
    columns: list[ColumnEntry]
    sites: list[SiteEntry]
    checklist: list[ItemEntry]
    findings: list[FindingEntry]
    resolved: list[str]


@dataclass(frozen=True)
class CheckResult:
    snapshot: Snapshot
    judgement: rules.Judgement
    states: dict[str, str]  # finding key → new | ongoing
    resolved: list[str]  # keys of findings open before and not raised now
    check_id: int | None  # None: not stored (a past date)


def end_of_day(day: dt.date, config: Config) -> dt.datetime:
    """The first moment after `day` in the institution's zone, in UTC."""
    local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=config.institution.tz)
    return local.astimezone(dt.UTC)


def classify_new(session: store.Session, config: Config) -> int:
    """Label every item the current classifier has not seen; the number labelled."""
    classifier: Classifier | None = None  # built on demand: with OpenCC it takes half a second
    done = 0
    for batch in q.unlabelled(session, version=Classifier.VERSION):
        classifier = classifier or Classifier(config.checklist)
        labels = [_label(classifier, title, _host(url), item_id) for item_id, title, url in batch]
        q.store_labels(session, version=Classifier.VERSION, labels=labels)
        done += len(batch)
    return done


def _label(
    classifier: Classifier, title: str, host: str, item_id: int
) -> tuple[int, list[tuple[str, float]], str | None]:
    matches = classifier.classify(title, host=host)
    return item_id, [(m.slug, m.score) for m in matches], report_type(title, host=host)


def _host(display_url: str) -> str:
    return display_url.split("://", 1)[-1].split("/", 1)[0]


def build_snapshot(session: store.Session, config: Config, *, at: dt.date) -> Snapshot:
    """The institution's snapshot as of the end of `at`."""
    return build_snapshots(session, [config], at=at)[config.institution.id]


#: Institutions judged per batch of queries in a check of several: the ministry's 3,000 are one
#: batch (each batch scans the items once: bench/README.md has the times at 10M items),
#: about 1.8 GB of memory for it; the bound keeps a larger folder from growing without end.
BATCH = 3000


def build_snapshots(session: store.Session, configs: Sequence[Config], *, at: dt.date) -> dict[str, Snapshot]:
    """Institution id → its snapshot as of the end of `at`: about fifteen queries per batch of
    institutions (those sharing a time zone and a statistics year), not fifteen each."""
    ids = q.institution_ids(session, [c.institution.id for c in configs])
    return _build_snapshots(session, configs, ids, at=at)


def _build_snapshots(
    session: store.Session, configs: Sequence[Config], ids: dict[str, int], *, at: dt.date
) -> dict[str, Snapshot]:
    groups: dict[tuple[dt.datetime, dt.date], list[Config]] = {}
    for config in configs:
        start, _ = statistics_year_of(config.institution.year_start, day=at)
        groups.setdefault((end_of_day(at, config), start), []).append(config)
    found: dict[str, Snapshot] = {}
    for (known_by, start), group in groups.items():
        for n in range(0, len(group), BATCH):
            batch = group[n : n + BATCH]
            keys = [ids.get(c.institution.id, -1) for c in batch]  # -1: not in the store, nothing found
            found.update(_snapshots(session, batch, keys, at=at, known_by=known_by, start=start))
    return found


def _snapshots(
    session: store.Session,
    configs: Sequence[Config],
    ids: Sequence[int],
    *,
    at: dt.date,
    known_by: dt.datetime,
    start: dt.date,
) -> dict[str, Snapshot]:
    facts = q.column_facts(session, institutions=ids, at=at, known_by=known_by)
    outcomes = q.recent_outcomes(session, institutions=ids, known_by=known_by)
    counts = store.count_items_per_site(session, institutions=ids, start=start, end=at, known_by=known_by)
    before = year_before(start), year_before(at)
    last_year = store.count_items_per_site(session, institutions=ids, start=before[0], end=before[1])
    manual = store.manual_counts_per_site(session, institutions=ids, start=start, end=at)
    slugs = dict.fromkeys(item.slug for config in configs for item in config.checklist.items)  # in order
    found = q.evidence(session, institutions=ids, at=at, known_by=known_by, slugs=list(slugs))
    received = register.requests_of(session, institutions=ids, end=at)
    pii = {
        i: pii_pages(rows)
        for i, rows in store.scans.pii_rows_of(session, institutions=ids, known_by=known_by).items()
    }
    content = content_facts(session, institutions=ids, known_by=known_by, pii=pii)
    snapshots = {}
    for config, i in zip(configs, ids, strict=True):
        per_site = (counts[i], last_year[i], manual[i])
        own = {item.slug for item in config.checklist.items}
        snapshots[config.institution.id] = Snapshot(
            at=at,
            institution=config.institution.id,
            checklist=config.checklist,
            sites=tuple(
                _site(campus, site, facts=facts[i], outcomes=outcomes[i], counts=per_site)
                for campus, site in config.sites()
            ),
            evidence=tuple(Evidence(**vars(row)) for row in found[i] if row.slug in own),
            period=(start, at),
            settings=Settings(**config.checks.model_dump()),
            requests=request_snapshots(received[i]),
            extra={"pii": pii[i]},
            content=content[i],
        )
    return snapshots


def request_snapshots(rows: Sequence[register.RequestRow]) -> tuple[Request, ...]:
    """The 依申请公开 register as the rules see it (judged by its own dates: received, answered)."""
    return tuple(Request(r.id, r.received_on, r.requester, r.subject, r.answered_on, r.answer) for r in rows)


def period_tables(
    session: store.Session, config: Config, *, start: dt.date, end: dt.date, by_type: bool = True
) -> StatsTables:
    """The annual report's tables for [start, end] from the store: crawled counts, hand counts
    where recorded, the same period a year before and (with `by_type`) the counts by report type.

    Types come from the labels already stored; `classify_new` first labels anything new.
    """
    key = config.institution.id
    counts = store.count_items_by_site(session, institution_key=key, start=start, end=end)
    manual = store.manual_counts(session, institution_key=key, start=start, end=end)
    last_year = store.count_items_by_site(
        session, institution_key=key, start=year_before(start), end=year_before(end)
    )
    types = q.report_type_counts(session, institution_key=key, start=start, end=end) if by_type else None
    return build_tables(
        config, start=start, end=end, counts=counts, manual=manual, last_year=last_year, by_type=types
    )


def year_before(day: dt.date) -> dt.date:
    """The same day one year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _site(
    campus: Campus,
    site: Site,
    *,
    facts: dict[tuple[str, str], q.ColumnFacts],
    outcomes: dict[tuple[str, str], list[tuple[str, dt.datetime]]],
    counts: tuple[dict[str, int], dict[str, int], dict[str, int]],
) -> SiteSnapshot:
    period, last_year, manual = counts
    columns = tuple(
        _column(campus, site, column, facts.get((site.id, column.id)), outcomes.get((site.id, column.id), []))
        for column in site.columns
    )
    return SiteSnapshot(
        campus=campus.id,
        site=site.id,
        name=site.name,
        url=site.url,
        owners=site.owner,
        columns=columns,
        count=manual.get(site.id, period.get(site.id, 0)),
        count_last_year=last_year.get(site.id, 0),
        manual=site.id in manual,
    )


def _column(
    campus: Campus,
    site: Site,
    column: Column,
    facts: q.ColumnFacts | None,
    recent: Sequence[tuple[str, dt.datetime]],
) -> ColumnSnapshot:
    failed = 0
    for outcome, _ in recent:
        if outcome in rules.snapshot.READABLE:
            break
        failed += 1
    return ColumnSnapshot(
        campus=campus.id,
        site=site.id,
        column=column.id,
        name=column.name,
        url=column.url,
        kind=column.kind,
        max_age_days=column.max_age,
        checklist=column.checklist,
        outcome=recent[0][0] if recent else None,
        crawled_at=recent[0][1] if recent else None,
        failed_runs=failed,
        items=facts.items if facts else 0,
        undated=facts.undated if facts else 0,
        newest=facts.newest if facts else None,
    )


def run_check(
    session: store.Session, config: Config, *, at: dt.date, today: dt.date, persist: bool = True
) -> CheckResult:
    """Judge the institution as of `at`; store the check and its findings when `at` is today
    (and `persist`: reports re-judge the latest check without storing a new one)."""
    return run_checks(session, [config], at=at, today=today, persist=persist)[0]


def run_checks(
    session: store.Session, configs: Sequence[Config], *, at: dt.date, today: dt.date, persist: bool = True
) -> list[CheckResult]:
    """`run_check` of several institutions at once (a regulator's folder), in `configs`' order:
    the snapshots in batches of queries, every institution judged on its own, the findings of all
    stored together."""
    if at > today:
        raise ValueError(f"cannot check a future date ({at} is after {today})")
    if not configs:
        return []
    labelled = classify_new(session, configs[0])
    log.info("classified %d new titles", labelled)
    ids = q.institution_ids(session, [c.institution.id for c in configs])
    snapshots = _build_snapshots(session, configs, ids, at=at)
    missing = [c.institution.id for c in configs if c.institution.id not in ids]
    if missing and at == today and persist:
        raise StoreError(f"institution {missing[0]!r} is not in the database: run `xxgk init` first")
    now = dt.datetime.now(dt.UTC)
    judged = [(config, snapshots[config.institution.id]) for config in configs]
    judgements = {config.institution.id: rules.judge(snapshot) for config, snapshot in judged}
    opened: dict[int, set[str]] = {}
    for known_by, group in _by_moment(configs, at=at, today=today, now=now).items():
        opened.update(
            q.open_keys(
                session,
                institutions=[ids[c.institution.id] for c in group if c.institution.id in ids],
                known_by=known_by,
            )
        )
    results = []
    for config, snapshot in judged:
        judgement = judgements[config.institution.id]
        before = opened.get(ids.get(config.institution.id, -1), set())
        raised = {f.key for f in judgement.findings}
        states = {k: "ongoing" if k in before else "new" for k in raised}
        results.append(CheckResult(snapshot, judgement, states, sorted(before - raised), None))
    if at == today and persist:
        check_ids = q.start_checks(
            session, institutions=[ids[c.institution.id] for c in configs], at=at, now=now
        )
        q.save_findings(
            session,
            checks=check_ids,
            now=now,
            findings={
                ids[r.snapshot.institution]: [f.as_dict() for f in r.judgement.findings] for r in results
            },
        )
        q.finish_checks(
            session,
            summaries={
                check_ids[ids[r.snapshot.institution]]: summary(r.judgement, r.states, r.resolved)
                for r in results
            },
        )
        results = [dataclasses.replace(r, check_id=check_ids[ids[r.snapshot.institution]]) for r in results]
    return results


def _by_moment(
    configs: Sequence[Config], *, at: dt.date, today: dt.date, now: dt.datetime
) -> dict[dt.datetime, list[Config]]:
    """Configs by the moment their open findings are read at: now for a check of today, else the
    end of the judged day in each institution's zone."""
    found: dict[dt.datetime, list[Config]] = {}
    for config in configs:
        found.setdefault(now if at == today else end_of_day(at, config), []).append(config)
    return found


def summary(judgement: rules.Judgement, states: dict[str, str], resolved: list[str]) -> dict[str, Any]:
    """Counts kept with a stored check: verdicts by status, findings by state, by kind, and the
    content findings (内容问题) by severity. The regulator's ranking reads these, never re-judges."""
    by_status: dict[str, int] = {}
    for verdict in judgement.columns.values():
        by_status[verdict.status] = by_status.get(verdict.status, 0) + 1
    items: dict[str, int] = {}
    for status in judgement.checklist.values():
        items[status.status] = items.get(status.status, 0) + 1
    kinds: dict[str, int] = {}
    content: dict[str, int] = {}
    for finding in judgement.findings:
        kinds[finding.kind] = kinds.get(finding.kind, 0) + 1
        declared = rules.registry.kind_of(finding.kind)
        if declared is not None and declared.section == "content":
            content[finding.severity] = content.get(finding.severity, 0) + 1
    new = sum(1 for s in states.values() if s == "new")
    return {
        "columns": by_status,
        "checklist": items,
        "findings": {"new": new, "ongoing": len(states) - new, "resolved": len(resolved)},
        "kinds": kinds,
        "content": content,
    }


def check_document(result: CheckResult) -> CheckDocument:
    """The JSON of `xxgk check --format json` (DESIGN.md's contract, plus sites and resolved)."""
    judgement, snapshot = result.judgement, result.snapshot
    return {
        "at": snapshot.at.isoformat(),
        "columns": [_column_entry(column, judgement.columns[column.key]) for column in snapshot.columns()],
        "sites": [_site_entry(s, judgement.sites[s.site]) for s in snapshot.sites],
        "checklist": [_item_entry(judgement.checklist[item.slug]) for item in snapshot.checklist.items],
        "findings": [_finding_entry(f, result.states.get(f.key, "new")) for f in judgement.findings],
        "resolved": result.resolved,
    }


def _finding_entry(finding: rules.Finding, state: str) -> FindingEntry:
    return {
        "key": finding.key,
        "kind": finding.kind,
        "subject": finding.subject,
        "severity": finding.severity,
        "message": finding.message,
        "detail": finding.detail,
        "site": finding.site,
        "column": finding.column,
        "slug": finding.slug,
        "state": state,
    }


def _column_entry(column: ColumnSnapshot, verdict: rules.ColumnVerdict) -> ColumnEntry:
    return {
        "campus": column.campus,
        "site": column.site,
        "column": column.column,
        "status": verdict.status,
        "reason": verdict.reason,
        "newest": column.newest.isoformat() if column.newest else None,
        "items": column.items,
        "age_days": verdict.age_days,
    }


def _site_entry(site: SiteSnapshot, verdict: rules.SiteVerdict) -> SiteEntry:
    return {
        "campus": site.campus,
        "site": site.site,
        "status": verdict.status,
        "reasons": list(verdict.reasons),
    }


def _item_entry(status: rules.ItemStatus) -> ItemEntry:
    return {
        "slug": status.slug,
        "number": status.number,
        "status": status.status,
        "reason": status.reason,
        "due": status.due.isoformat() if status.due else None,
        "evidence": list(status.evidence),
    }
