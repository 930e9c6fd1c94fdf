"""APScheduler wiring only: the nightly and weekly jobs on cron triggers in the institution's zone.

Jobs live in an SQLAlchemy job store in the project's database (table ``apscheduler_jobs``), with
``coalesce`` (a backlog of missed runs runs once), ``max_instances=1`` and a misfire grace time,
so a server that was down at 02:00 still runs the night's job once when it comes back within
the grace time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from monitor import jobs
from monitor.config import Config, cron_fields

MISFIRE_GRACE = 6 * 3600
JOBS = {"nightly": "monitor.jobs:nightly", "weekly": "monitor.jobs:weekly"}


@dataclass(frozen=True)
class Planned:
    id: str
    cron: str
    next_run: dt.datetime


def triggers(config: Config) -> dict[str, tuple[str, CronTrigger]]:
    """Job id → (crontab line, trigger in the institution's time zone)."""
    tz = config.institution.tz
    lines = {"nightly": config.schedule.crawl, "weekly": config.schedule.weekly}
    return {job: (line, CronTrigger(**cron_fields(line), timezone=tz)) for job, line in lines.items()}


def plan(config: Config, *, now: dt.datetime) -> list[Planned]:
    """Each job with its next run time after `now`, in the institution's time zone."""
    planned = []
    for job, (line, trigger) in triggers(config).items():
        fire = trigger.get_next_fire_time(None, now.astimezone(config.institution.tz))
        if fire is not None:
            planned.append(Planned(job, line, fire))
    return planned


def build(config: Config, *, db_url: str, more: Sequence[Config] = ()) -> BlockingScheduler:
    """The scheduler of one institution; with `more` (a config folder), the jobs of every
    institution, each on its own schedule in its own zone, as ``nightly:ID`` and ``weekly:ID``."""
    scheduler = BlockingScheduler(
        timezone=config.institution.tz,
        jobstores={"default": SQLAlchemyJobStore(url=db_url)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
    )
    if not more:
        for job, (_, trigger) in triggers(config).items():
            scheduler.add_job(JOBS[job], trigger, id=job, name=job, replace_existing=True)
        return scheduler
    for each in (config, *more):
        key = each.institution.id
        for job, (_, trigger) in triggers(each).items():
            name = f"{job}:{key}"
            kwargs = {"institution": key}
            scheduler.add_job(JOBS[job], trigger, id=name, name=name, kwargs=kwargs, replace_existing=True)
    return scheduler


def run(config: Config, runtime: jobs.Runtime) -> None:
    """Run the scheduler in the foreground until interrupted."""
    jobs.configure(runtime)
    build(config, db_url=runtime.db_url).start()


def run_many(entries: Sequence[tuple[Config, jobs.Runtime]]) -> None:
    """Run the jobs of several institutions (a config folder) in one scheduler until interrupted."""
    if len(entries) == 1:
        return run(*entries[0])
    for config, runtime in entries:
        jobs.configure(runtime, institution=config.institution.id)
    first, *rest = (config for config, _ in entries)
    build(first, db_url=entries[0][1].db_url, more=rest).start()
