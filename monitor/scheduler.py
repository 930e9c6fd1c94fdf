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

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from monitor import jobs
from monitor.config import Config, cron_fields

MISFIRE_GRACE = 6 * 3600
JOBS = {"nightly": "monitor.jobs:nightly", "weekly": "monitor.jobs:weekly"}
NIGHTLY_TOGETHER = "monitor.jobs:nightly_together"


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
    wanted: set[str] = set()
    if not more:
        for job, (_, trigger) in triggers(config).items():
            scheduler.add_job(JOBS[job], trigger, id=job, name=job, replace_existing=True)
            wanted.add(job)
    else:
        wanted = _add_many(scheduler, (config, *more))
    scheduler.add_listener(lambda _: _forget_others(scheduler, wanted), EVENT_SCHEDULER_STARTED)
    return scheduler


def _add_many(scheduler: BlockingScheduler, configs: Sequence[Config]) -> set[str]:
    """``weekly:ID`` per institution; ``nightly:ID``, except that the institutions whose nights
    start at the same time in the same zone (and are crawled here, not on the workers) share one
    job, ``nightly:CRON@ZONE``: one crawler process crawls them all (`jobs.nightly_together`)."""
    ids = set()
    together: dict[tuple[str, str], list[Config]] = {}
    for each in configs:
        key = each.institution.id
        for job, (line, trigger) in triggers(each).items():
            if job == "nightly" and not each.schedule.distributed:
                together.setdefault((line, each.institution.timezone), []).append(each)
                continue
            name = f"{job}:{key}"
            scheduler.add_job(
                JOBS[job], trigger, id=name, name=name, kwargs={"institution": key}, replace_existing=True
            )
            ids.add(name)
    for (line, zone), group in together.items():
        trigger = triggers(group[0])["nightly"][1]
        kwargs: dict[str, object]
        if len(group) == 1:
            key = group[0].institution.id
            name, func, kwargs = f"nightly:{key}", JOBS["nightly"], {"institution": key}
        else:
            name, func = f"nightly:{line}@{zone}", NIGHTLY_TOGETHER
            kwargs = {"institutions": [each.institution.id for each in group]}
        scheduler.add_job(func, trigger, id=name, name=name, kwargs=kwargs, replace_existing=True)
        ids.add(name)
    return ids


def _forget_others(scheduler: BlockingScheduler, wanted: set[str]) -> None:
    """Remove the stored jobs this configuration no longer has (an institution gone from the
    folder, a schedule changed): they would otherwise run on from the job store."""
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            scheduler.remove_job(job.id)


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
