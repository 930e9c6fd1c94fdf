"""The nightly and weekly units of work, each a chain of steps where a failing step is logged,
reported, and does not stop the next night.

nightly: crawl (a subprocess, under the "crawl" lock; with ``schedule.distributed`` the night's
jobs on the `xxgk worker`s instead, as `xxgk crawl --distributed`, waited for) → scan → check
(stored) → lag reports queued in the outbox → delivery on every channel: SMTP (or .eml files) and
the group bots of ``notify``.
weekly: the office's roll-up of the week.

The scheduler stores only a reference to these functions; what they need at run time (paths,
the database URL, the broker's URL, the SMTP URL with its password, the bots' webhook URLs and
secrets) is
handed to :func:`configure` by the CLI in the running process and never written to the job
store.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from monitor import checks, crawl, scan, stats, store
from monitor.config import Config, load_config
from monitor.errors import MonitorError
from monitor.reports import (
    Report,
    ReportInput,
    channels,
    delivery,
    digests,
    group_digests,
    mail,
    office_summary,
    weekly_rollup,
)
from monitor.store import locks

log = logging.getLogger(__name__)
#: The job queue of a distributed night when the CLI names none (``XXGK_BROKER_URL``).
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Runtime:
    """What the jobs need, handed over by the CLI: never persisted with the jobs."""

    config_path: Path
    db_url: str
    smtp_url: str | None = None
    sender: str | None = None
    outbox_dir: Path | None = None  # without SMTP, messages are written here as .eml files
    dashboard_url: str | None = None
    crawl_timeout: float = crawl.DEFAULT_TIMEOUT
    lock_wait: float = 3600.0  # how long the nightly run waits for a manual crawl to finish
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)  # the notify variables
    email: bool = True  # False: no e-mail channel (`xxgk report --send` without an SMTP server)
    broker_url: str = DEFAULT_BROKER  # the Celery queue of `schedule.distributed: true`


@dataclass
class StepLog:
    """What happened in one run of a job: a line per step, and the failures."""

    steps: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def run(self, name: str, step: Callable[[], str]) -> bool:
        try:
            self.steps.append(f"{name}: {step()}")
        except Exception as exc:  # a failing step is a line in the log, never a crashed night
            log.exception("%s failed", name)
            self.failures.append(f"{name}: {type(exc).__name__}: {exc}")
            return False
        return True


#: institution id → its runtime (None: the one institution of a single config file).
_runtimes: dict[str | None, Runtime] = {}


def configure(runtime: Runtime, *, institution: str | None = None) -> None:
    """Hand the jobs their runtime; a config folder gives one per institution (its own file)."""
    _runtimes[institution] = runtime


def _rt(institution: str | None = None) -> Runtime:
    found = _runtimes.get(institution)
    if found is None:
        raise MonitorError("the jobs were not configured (run them through `xxgk schedule`)")
    return found


def nightly(institution: str | None = None) -> StepLog:
    """The nightly pipeline: crawl (here, or on the workers) → scan → check → reports → delivery."""
    rt, done = _rt(institution), StepLog()
    config = load_config(rt.config_path)
    if config.schedule.distributed:
        done.run("crawl", lambda: crawl_distributed(rt, config, wait=rt.lock_wait))
    else:
        done.run("crawl", lambda: crawl_locked(rt, config, wait=rt.lock_wait))
    _after_crawl(rt, config, done)
    log.info("nightly: %s", "; ".join(done.steps + done.failures))
    return done


def _after_crawl(rt: Runtime, config: Config, done: StepLog) -> None:
    """The night after its crawl: scan → check → reports queued → delivery."""
    done.run("scan", lambda: scan_new(rt))
    result: list[checks.CheckResult] = []
    if done.run("check", lambda: _check(rt, config, result)):
        done.run("reports", lambda: queue(rt, config, build_reports(rt, config, result[0])))
    done.run("delivery", lambda: deliver(rt, config))


def nightly_together(institutions: Sequence[str]) -> dict[str, StepLog]:
    """The nightly pipeline of several institutions of a folder on one schedule: one crawl of
    them all in one crawler process (`xxgk crawl --parallel`'s), then each one's scan, check,
    reports and delivery as in :func:`nightly`. One institution's failing step is its own."""
    rts = {key: _rt(key) for key in institutions}
    crawled: dict[str, str] = {}
    night = StepLog()
    night.run("crawl", lambda: crawl_together(rts, out=crawled, wait=rts[institutions[0]].lock_wait))
    logs = {}
    for key, rt in rts.items():
        done = StepLog()
        outcome = crawled.get(key) or (night.failures[0] if night.failures else "crawl: not crawled")
        (done.steps if outcome == "crawl: ok" else done.failures).append(outcome)
        _after_crawl(rt, load_config(rt.config_path), done)
        log.info("nightly %s: %s", key, "; ".join(done.steps + done.failures))
        logs[key] = done
    return logs


def crawl_together(rts: Mapping[str, Runtime], *, out: dict[str, str], wait: float = 0.0) -> str:
    """One crawl of several institutions of a folder (the folder their files are in), under the
    "crawl" lock; ``out`` gets each institution's outcome ("crawl: ok" or why not)."""
    first = next(iter(rts.values()))
    folder = first.config_path.parent
    engine = store.connect(first.db_url)
    try:
        with store.sessions(engine).begin() as session:
            before = store.crawls.latest_runs(session, institution_keys=list(rts))
        with locks.holding(
            engine, name=crawl.LOCK, ttl=crawl.lock_ttl(first.crawl_timeout), wait=wait
        ) as held:
            argv = crawl.crawl_command(config_path=folder, db_url=first.db_url, institutions=list(rts))
            crawl.run_crawl(argv, timeout=first.crawl_timeout, on_start=held.include)
        with store.sessions(engine).begin() as session:
            after = store.crawls.latest_runs(session, institution_keys=list(rts))
        for key, run in crawl.new_runs(before, after).items():
            if run is None:
                out[key] = "crawl: not crawled"
            else:
                out[key] = "crawl: ok" if run[1] == "finished" else f"crawl: the crawl run ended {run[1]}"
    finally:
        engine.dispose()
    ok = sum(outcome == "crawl: ok" for outcome in out.values())
    return f"{ok} of {len(rts)} institutions crawled"


def weekly(institution: str | None = None) -> StepLog:
    """The weekly roll-up to the office: the trend of the last seven checks."""
    rt, done = _rt(institution), StepLog()
    config = load_config(rt.config_path)
    done.run("weekly", lambda: queue(rt, config, [weekly_report(rt, config)]))
    done.run("delivery", lambda: deliver(rt, config))
    log.info("weekly: %s", "; ".join(done.steps + done.failures))
    return done


def crawl_locked(rt: Runtime, config: Config, *, wait: float = 0.0, sites: tuple[str, ...] = (),
                 full: bool = False) -> str:  # fmt: skip
    """Run a crawl under the "crawl" lock; wait up to `wait` seconds for another to finish."""
    engine = store.connect(rt.db_url)
    try:
        with locks.holding(engine, name=crawl.LOCK, ttl=crawl.lock_ttl(rt.crawl_timeout), wait=wait) as held:
            argv = crawl.crawl_command(config_path=rt.config_path, db_url=rt.db_url, sites=sites, full=full)
            code = crawl.run_crawl(argv, timeout=rt.crawl_timeout, on_start=held.include)
    finally:
        engine.dispose()
    if code != 0:
        raise MonitorError(f"the crawler exited with {code}")
    return "ok"


def crawl_distributed(rt: Runtime, config: Config, *, wait: float = 0.0) -> str:
    """The night's crawl as jobs of whole hosts on the workers (the path of `xxgk crawl
    --distributed`), under the "crawl" lock, waited for; the broker unreachable records nothing."""
    from monitor.distributed import coordinator, queue

    app = queue.make_app(rt.broker_url, job_timeout=rt.crawl_timeout)
    engine = store.connect(rt.db_url)
    try:
        coordinator.check_broker(app, url=rt.broker_url)  # before anything is recorded
        with store.sessions(engine).begin() as session:
            store.sync_config(session, config=config, now=dt.datetime.now(dt.UTC))
        ttl = crawl.lock_ttl(rt.crawl_timeout)
        with locks.holding(engine, name=crawl.LOCK, ttl=ttl, wait=wait):
            outcome = coordinator.run_night(
                app, engine, [(config, rt.config_path)], broker_url=rt.broker_url, timeout=rt.crawl_timeout
            )
    finally:
        engine.dispose()
        app.close()
    if not outcome.ok:
        status = outcome.statuses[config.institution.id]
        why = "; ".join(f"job {job}: {reason}" for job, reason in outcome.failures.items())
        raise MonitorError(f"the distributed crawl ended {status}" + (f" ({why})" if why else ""))
    return f"ok ({outcome.jobs} jobs on the workers, {outcome.again} handed out again)"


def scan_new(rt: Runtime) -> str:
    """The personal-data scan of the items the crawl met (under the crawl lock, after it)."""
    summary = scan.scan_locked(config_path=rt.config_path, db_url=rt.db_url, wait=rt.lock_wait)
    return scan.describe(summary)


def _check(rt: Runtime, config: Config, out: list[checks.CheckResult]) -> str:
    today = dt.datetime.now(config.institution.tz).date()
    engine = store.connect(rt.db_url)
    try:
        with store.sessions(engine).begin() as session:
            out.append(checks.run_check(session, config, at=today, today=today))
    finally:
        engine.dispose()
    return f"{len(out[0].judgement.findings)} findings"


def report_input(
    rt: Runtime, config: Config, result: checks.CheckResult, session: store.Session
) -> ReportInput:
    """Everything the reports show: the check, the period's counts, the latest crawl."""
    key = config.institution.id
    start, _ = stats.statistics_year_of(config.institution.year_start, day=result.snapshot.at)
    tables = checks.period_tables(session, config, start=start, end=result.snapshot.at, by_type=False)
    run = store.crawls.latest_run(session, institution_key=key)
    fetches = store.crawls.run_fetches(session, run_id=run[0]) if run else []
    return ReportInput(
        config=config,
        check=checks.check_document(result),
        stats=json.loads(stats.to_json(tables)),
        crawl=tuple(vars(row) for row in fetches),
        dashboard_url=rt.dashboard_url,
    )


def build_reports(rt: Runtime, config: Config, result: checks.CheckResult) -> list[Report]:
    engine = store.connect(rt.db_url)
    try:
        with store.sessions(engine)() as session:
            data = report_input(rt, config, result, session)
    finally:
        engine.dispose()
    return [*digests(data), *group_digests(data), office_summary(data)]


def weekly_report(rt: Runtime, config: Config) -> Report:
    engine = store.connect(rt.db_url)
    try:
        with store.sessions(engine)() as session:
            week = store.checks.recent_summaries(session, institution_key=config.institution.id, days=7)
            today = dt.datetime.now(config.institution.tz).date()
            result = checks.run_check(session, config, at=today, today=today, persist=False)
            data = report_input(rt, config, result, session)
    finally:
        engine.dispose()
    return weekly_rollup(ReportInput(**{**vars(data), "week": tuple(week)}))


EmlWriter = mail.EmlWriter
#: How long one delivery run waits, in all, for the bots' rate windows before leaving the rest.
RATE_WAIT = 300.0


def channel_list(rt: Runtime, config: Config) -> list[delivery.Channel]:
    """E-mail (SMTP, or .eml files without an SMTP URL) and a bot per ``notify`` entry."""
    channels.check(config, source=rt.config_path)
    found: list[delivery.Channel] = list(channels.bots(config, rt.secrets))
    if rt.email:
        mailer: mail.Mailer = EmlWriter(_eml_dir(rt))
        if rt.smtp_url:
            mailer = mail.SmtpMailer.from_url(rt.smtp_url)
        found.insert(0, mail.EmailChannel(mailer, sender=rt.sender or config.institution.contact))
    return found


def queue(rt: Runtime, config: Config, reports: list[Report]) -> str:
    """Queue each report on every channel that takes it (once per key and channel, ever)."""
    engine = store.connect(rt.db_url)
    try:
        with store.sessions(engine).begin() as session:
            now = dt.datetime.now(dt.UTC)
            new = delivery.queue(session, reports, channel_list(rt, config), now=now)
    finally:
        engine.dispose()
    return f"{new} messages queued for {len(reports)} reports"


def deliver(rt: Runtime, config: Config | None = None) -> str:
    """Send what the outbox holds on every channel; a channel that cannot send says why."""
    config = config or load_config(rt.config_path)
    engine = store.connect(rt.db_url)
    try:
        found = channel_list(rt, config)
        result = delivery.deliver(
            store.sessions(engine), found, now=_utcnow(), clock=_utcnow, max_wait=RATE_WAIT
        )
    finally:
        engine.dispose()
    line = f"{result.sent} sent, {result.failed} failed, {result.pending} pending"
    if result.deferred:
        line += f" ({result.deferred} wait for a later run)"
    return "; ".join([line, *result.problems])


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _eml_dir(rt: Runtime) -> Path:
    return rt.outbox_dir or Path("var") / "outbox"
