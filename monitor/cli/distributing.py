"""`xxgk worker` and `xxgk crawl --distributed`: the night's crawl spread over Celery workers.

The broker is Redis, named by ``--broker`` or ``XXGK_BROKER_URL`` (default the local one). A
worker takes its own ``--config`` (the same files as the coordinator's: a job names the digest
of its institution's file) and ``--db`` (the shared database).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from monitor import crawl, store
from monitor.cli.main import State, fail_cleanly, main, pass_state, verbosity
from monitor.config import Config
from monitor.distributed import coordinator, queue
from monitor.errors import MonitorError

BROKER_HELP = "Redis URL of the job queue. Env: XXGK_BROKER_URL."


def broker_option(func: Callable[..., object]) -> Callable[..., object]:
    return click.option(
        "--broker", "broker_url", envvar="XXGK_BROKER_URL", default=queue.DEFAULT_BROKER,
        show_default=True, help=BROKER_HELP,
    )(func)  # fmt: skip


@main.command("worker")
@click.option("--concurrency", type=click.IntRange(min=1), default=2, show_default=True,
              help="Jobs this worker runs at once (one crawler process each).")  # fmt: skip
@click.option("--job-timeout", type=click.IntRange(min=1), default=crawl.DEFAULT_TIMEOUT, show_default=True,
              help="Seconds before a job's crawler is stopped; Redis hands an unacknowledged job "
                   "to another worker only after this and 45 s more.")  # fmt: skip
@click.option("--name", help="The worker's name (default xxgk@HOST:PID).")
@broker_option
@pass_state
@fail_cleanly
def worker_command(
    state: State, concurrency: int, job_timeout: int, name: str | None, broker_url: str
) -> None:
    """Run a crawl worker: take jobs from the queue and crawl them into the database, until stopped."""
    state.deployment  # noqa: B018 - a broken config fails here, with its one line
    app = queue.make_app(broker_url, job_timeout=job_timeout)
    coordinator.check_broker(app, url=broker_url)
    runtime = queue.WorkerRuntime(
        resolve=state.deployment.path_of, db_url=state.db_url, job_timeout=job_timeout, verbose=verbosity()
    )
    click.echo(f"worker: {concurrency} jobs at once, broker {store.safe_url(broker_url)}", err=True)
    queue.serve(app, runtime, concurrency=concurrency, name=name)


def crawl_distributed(
    state: State,
    *,
    sites: tuple[str, ...],
    full: bool,
    today: dt.date | None,
    timeout: int,
    broker_url: str,
    max_columns: int = 400,
) -> None:
    """`xxgk crawl --distributed`: the crawl as jobs on the queue; ends like `xxgk crawl`."""
    configs = state.configs
    if sites and len(configs) > 1:
        raise click.UsageError("--site takes one institution: add --institution ID")
    for site in sites:
        configs[0].site(site)  # unknown ids fail here, with one line
    app = queue.make_app(broker_url, job_timeout=timeout)
    coordinator.check_broker(app, url=broker_url)  # before anything is recorded
    with state.session(migrate=True) as session:
        for config in configs:
            store.sync_config(session, config=config, now=dt.datetime.now(dt.UTC))
    entries = [(config, state.file_of(config)) for config in configs]
    chosen = {configs[0].institution.id: sites} if sites else {}
    with (
        _engine(state.db_url) as engine,
        store.locks.holding(engine, name=crawl.LOCK, ttl=crawl.lock_ttl(timeout)),
        _display() as show,
    ):
        outcome = coordinator.run_night(
            app, engine, entries, broker_url=broker_url, full=full, sites=chosen, today=today,
            timeout=timeout, max_columns=max_columns, on_start=lambda night: _started(app, night),
            on_progress=show,
        )  # fmt: skip
    _summaries(state, configs, outcome)


def _started(app: Any, night: coordinator.Night) -> None:
    hosts = sum(len(job.hosts) for job in night.jobs)
    columns = sum(job.columns for job in night.jobs)
    found = coordinator.workers(app)
    who = f"{len(found)} workers answer ({', '.join(found[:4])}{' …' if len(found) > 4 else ''})"
    click.echo(f"{len(night.jobs)} jobs ({columns} columns on {hosts} hosts) queued; "
               f"{who if found else 'no worker answers yet: the jobs wait for one'}", err=True)  # fmt: skip


@contextmanager
def _display() -> Iterator[Callable[[coordinator.Progress], None]]:
    """A progress bar of columns done on stderr when it is a terminal; otherwise a quiet callback."""
    if not sys.stderr.isatty():
        yield lambda progress: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("jobs {task.fields[jobs]} · running {task.fields[running]} · again {task.fields[again]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("columns"),
        console=Console(stderr=True),
    )
    task = bar.add_task("crawl", total=None, jobs="0/0", running=0, again=0)

    def show(progress: coordinator.Progress) -> None:
        bar.update(
            task, total=progress.columns, completed=progress.columns_done,
            jobs=f"{progress.jobs_done}/{progress.jobs}", running=progress.running, again=progress.again,
        )  # fmt: skip

    with bar:
        yield show


def _summaries(state: State, configs: Sequence[Config], outcome: coordinator.Outcome) -> None:
    from monitor.cli.crawling import _print_fetches

    with state.session() as session:
        for config in configs:
            key = config.institution.id
            if len(configs) > 1:
                click.echo(
                    f"{key} ({config.institution.name}): run {outcome.runs[key]} {outcome.statuses[key]}"
                )
            _print_fetches(store.crawls.run_fetches(session, run_id=outcome.runs[key]))
    click.echo(f"{outcome.jobs} jobs done; {outcome.again} handed out again (their worker died)", err=True)
    for job, why in outcome.failures.items():
        click.echo(f"xxgk: error: job {job}: {why}", err=True)
    if not outcome.ok:
        failed = [key for key, status in outcome.statuses.items() if status != "finished"]
        raise MonitorError(
            f"the crawl ended with errors ({len(failed)} of {len(configs)} institutions: "
            f"{', '.join(failed[:8])}); run the workers with -v for details"
        )


@contextmanager
def _engine(db_url: str) -> Iterator[Any]:
    with store.translate_errors(db_url):
        engine = store.connect(db_url)
    try:
        with store.translate_errors(db_url):
            yield engine
    finally:
        engine.dispose()
