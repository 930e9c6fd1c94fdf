"""`xxgk crawl --distributed`: one crawl run per institution, its jobs on the queue, the night's end.

The coordinator opens one crawl run per institution in the shared database (status running, its
own pid), sends the jobs, and waits. Each job's crawler records its columns' outcomes and items
into its institution's run as it goes (a job that runs again first removes what its earlier
attempt recorded); the coordinator alone ends the runs, with the jobs' Scrapy stats summed.
So a run holds every column once, and a run that did not end cleanly is marked so:

- the broker cannot be reached at the start: nothing is recorded at all;
- the broker goes away mid-crawl: the runs are marked ``aborted`` (what the jobs stored stays,
  and the next crawl redoes what no complete outcome covers, as after a killed local crawl);
- the database goes away: the jobs stop on their store errors and the runs stay ``running``
  until the next crawl marks them aborted (their pid, this process, is gone by then).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import Celery
from celery.result import AsyncResult
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from monitor import store
from monitor.config import Config
from monitor.distributed.plan import Job
from monitor.distributed.queue import TASK, digest
from monitor.errors import CrawlError
from monitor.store import crawls

log = logging.getLogger(__name__)
POLL = 1.0
_BROKER_ERRORS = (OperationalError, RedisError, ConnectionError, OSError)


@dataclass
class Progress:
    """How far the night is: jobs and columns done, and the jobs a worker is running."""

    jobs: int
    columns: int
    jobs_done: int = 0
    columns_done: int = 0
    running: int = 0
    again: int = 0  # jobs handed out a second time (their worker died)


@dataclass
class Night:
    """What the coordinator keeps: the runs, the jobs and, as they end, their results."""

    runs: dict[str, int]
    jobs: list[Job]
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # job key → its result
    failures: dict[str, str] = field(default_factory=dict)  # job key → why it failed


def check_broker(app: Celery, *, url: str) -> None:
    """Fail with one line when the broker cannot be reached (before anything is recorded)."""
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
        app.backend.client.ping()
    except _BROKER_ERRORS as exc:
        raise CrawlError(f"cannot reach the broker at {store.safe_url(url)}: {_reason(exc)}") from None


def workers(app: Celery) -> list[str]:
    """The names of the workers that answer a ping within a second (none is no error: jobs wait)."""
    try:
        answers = app.control.ping(timeout=1.0) or []
    except _BROKER_ERRORS:
        return []
    return sorted(name for answer in answers for name in answer)


def start_runs(
    engine: Any, configs: Sequence[Config], *, full: bool, sites: Mapping[str, Sequence[str]]
) -> dict[str, int]:
    """One running crawl run per institution, in one transaction; runs of dead crawls aborted first."""
    now = dt.datetime.now(dt.UTC)
    runs = {}
    with store.sessions(engine).begin() as session:
        for config in configs:
            key = config.institution.id
            crawls.abort_dead_runs(session, institution_key=key, now=now)
            runs[key] = crawls.start_run(
                session,
                institution_key=key,
                full=full,
                sites=list(sites.get(key, ())),
                pid=os.getpid(),
                now=now,
            )
    return runs


def send(
    app: Celery,
    night: Night,
    *,
    files: Mapping[str, Path],
    full: bool,
    today: dt.date | None,
    timeout: float,
) -> dict[str, AsyncResult]:
    """Put every job on the queue; job key → its result handle."""
    digests = {key: digest(path) for key, path in files.items()}
    sent = {}
    for job in night.jobs:
        message = {
            "key": job.key,
            "full": full,
            "today": today.isoformat() if today else None,
            "timeout": timeout,
            "parts": [
                {
                    "institution": part.institution,
                    "sites": list(part.sites),
                    "run_id": night.runs[part.institution],
                    "digest": digests[part.institution],
                }
                for part in job.parts
            ],
        }
        sent[job.key] = app.send_task(TASK, args=[message])
    return sent


def wait(
    night: Night,
    sent: Mapping[str, AsyncResult],
    *,
    timeout: float,
    on_progress: Callable[[Progress], None] | None = None,
    url: str = "",
) -> None:
    """Wait until every job has ended (or ``timeout``); results and failures go into ``night``."""
    columns = {job.key: job.columns for job in night.jobs}
    progress = Progress(jobs=len(night.jobs), columns=sum(columns.values()))
    deadline = time.monotonic() + timeout
    pending = dict(sent)
    try:
        while pending:
            progress.running = 0
            for key, result in list(pending.items()):
                if _settle(night, key, result, progress):
                    del pending[key]
                    progress.jobs_done += 1
                    progress.columns_done += columns[key]
            if on_progress is not None:
                on_progress(progress)
            if not pending:
                break
            if time.monotonic() > deadline:
                raise CrawlError(f"the distributed crawl did not finish within {timeout:.0f} s")
            time.sleep(POLL)
    except _BROKER_ERRORS as exc:
        raise CrawlError(f"lost the broker at {store.safe_url(url)} mid-crawl: {_reason(exc)}") from None


def _settle(night: Night, key: str, result: AsyncResult, progress: Progress) -> bool:
    state = result.state
    if state == "STARTED":
        progress.running += 1
        return False
    if state == "SUCCESS":
        value = result.result
        night.results[key] = value
        progress.again += bool(value.get("redelivered"))
        return True
    if state in ("FAILURE", "REVOKED"):
        night.failures[key] = _reason(result.result) if isinstance(result.result, BaseException) else state
        return True
    return False  # PENDING, RECEIVED, RETRY


def _withdraw(app: Celery, task_ids: Sequence[str]) -> None:
    """Revoke the jobs' tasks: a worker drops a revoked task unstarted (one it runs goes on)."""
    if not task_ids:
        return
    try:
        app.control.revoke(list(task_ids))
    except _BROKER_ERRORS:
        log.warning("could not withdraw %d queued jobs: the broker is gone", len(task_ids))


def finish_runs(engine: Any, night: Night, *, status: str | None = None) -> dict[str, str]:
    """End every run with its jobs' summed stats; institution → the status written."""
    stats: dict[str, list[dict[str, Any]]] = {key: [] for key in night.runs}
    failed = {key: False for key in night.runs}
    for job in night.jobs:
        result = night.results.get(job.key)
        if result is None:
            for part in job.parts:
                failed[part.institution] = True
            continue
        for part in result["parts"]:
            key = part["institution"]
            if part["stats"] is not None:
                stats[key].append(part["stats"])
            failed[key] |= part["code"] != 0 or part["stats"] is None
    now = dt.datetime.now(dt.UTC)
    written = {}
    with store.sessions(engine).begin() as session:
        for key, run_id in night.runs.items():
            written[key] = status or ("failed" if failed[key] else "finished")
            merged = merge_stats(stats[key])
            crawls.finish_run(session, run_id=run_id, status=written[key], stats=merged, now=now)
    return written


def merge_stats(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The stats of a run's jobs as one: counts summed, the first start and the last finish."""
    merged: dict[str, Any] = {"xxgk/jobs": len(parts)}
    for stats in parts:
        for key, value in stats.items():
            if key not in merged:
                merged[key] = value
            elif isinstance(value, int | float) and not isinstance(value, bool):
                merged[key] += value
            elif key == "start_time":
                merged[key] = min(merged[key], value)
            elif key == "finish_time":
                merged[key] = max(merged[key], value)
    return merged


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


@dataclass(frozen=True)
class Outcome:
    """How the night ended: the run of each institution, the status written, the failed jobs."""

    runs: dict[str, int]
    statuses: dict[str, str]
    failures: dict[str, str]
    jobs: int
    again: int = 0  # jobs that ran again because their first worker died

    @property
    def ok(self) -> bool:
        return not self.failures and all(status == "finished" for status in self.statuses.values())


def run_night(
    app: Celery,
    engine: Any,
    entries: Sequence[tuple[Config, Path]],
    *,
    broker_url: str,
    full: bool = False,
    sites: Mapping[str, Sequence[str]] | None = None,
    today: dt.date | None = None,
    timeout: float,
    max_columns: int = 400,
    on_start: Callable[[Night], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Outcome:
    """The whole distributed night over ``entries`` (config, its file); the caller holds the crawl lock."""
    from monitor.distributed.plan import plan

    check_broker(app, url=broker_url)
    configs = [config for config, _ in entries]
    night = Night(runs={}, jobs=plan(configs, sites=sites or {}, max_columns=max_columns))
    night.runs = start_runs(engine, configs, full=full, sites=sites or {})
    sent: dict[str, AsyncResult] = {}
    try:
        files = {config.institution.id: path for config, path in entries}
        sent = send(app, night, files=files, full=full, today=today, timeout=timeout)
        if on_start is not None:
            on_start(night)
        wait(night, sent, timeout=timeout, on_progress=on_progress, url=broker_url)
    except KeyboardInterrupt:  # Ctrl-C or SIGINT: the jobs not started are withdrawn, the runs aborted
        _withdraw(app, [result.id for key, result in sent.items() if key not in night.results])
        finish_runs(engine, night, status="aborted")
        raise CrawlError(
            "interrupted: the jobs not yet started were withdrawn, the runs marked aborted "
            "(a job a worker had begun finishes there)"
        ) from None
    except _BROKER_ERRORS as exc:
        finish_runs(engine, night, status="aborted")
        raise CrawlError(
            f"lost the broker at {store.safe_url(broker_url)} mid-crawl: {_reason(exc)}"
        ) from None
    except CrawlError:
        finish_runs(engine, night, status="aborted")
        raise
    statuses = finish_runs(engine, night)
    again = sum(bool(result.get("redelivered")) for result in night.results.values())
    return Outcome(
        runs=night.runs, statuses=statuses, failures=dict(night.failures), jobs=len(night.jobs), again=again
    )
