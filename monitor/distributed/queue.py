"""The Celery side of a distributed crawl: the app on the Redis broker, the job task, the worker.

A job (:mod:`monitor.distributed.plan`) travels as JSON. The task runs one crawler subprocess
per institution of the job, as a local crawl does (`python -m crawler --run-id R`), and returns
each one's exit code and Scrapy stats; the coordinator records them into the night's runs.

Nothing is lost when a worker dies: tasks are acknowledged late (after the crawl), a task whose
worker process was lost is rejected back to the queue, and Redis hands an unacknowledged task to
another worker once the *visibility timeout* has passed — which is longer than the longest job
(the worker's job timeout, after which the crawler is stopped), so a job still running is never
handed out twice. The worker runs its tasks in threads (each only waits for its crawler), and a
crawler gets SIGTERM when its worker dies, even by SIGKILL (``monitor.crawl.run_crawl``). The
job that runs again removes what the first attempt recorded (``store.crawls.join_run``); items
are upserts, so it stores what a local crawl stores.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import Celery, Task
from celery.backends.redis import RedisBackend

from monitor import crawl
from monitor.errors import CrawlError

log = logging.getLogger(__name__)
TASK = "xxgk.crawl_job"
QUEUE = "xxgk-crawl"
#: How much longer than the longest job Redis waits before handing an unacknowledged job out
#: again: the crawler's stop (SIGTERM, then SIGKILL after 30 s) and the acknowledgement.
VISIBILITY_MARGIN = 45.0
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"


class PolledRedisBackend(RedisBackend):  # type: ignore[misc]  # celery has no type hints
    """Redis as the result backend, its results read by polling (``AsyncResult.state``) only.

    Celery's own Redis backend subscribes to a task's result channel as the task is sent. The
    coordinator never listens there; with the broker gone mid-crawl, those subscriptions made
    its exit retry the lost connection for 20 s and print a traceback (``AsyncResult.__del__``
    unsubscribing) after its one line.
    """

    def on_task_call(self, producer: Any, task_id: str) -> None:
        return None  # no subscription: nothing to undo when the broker is gone


def visibility_timeout(job_timeout: float) -> float:
    return job_timeout + VISIBILITY_MARGIN


def make_app(broker_url: str, *, job_timeout: float = crawl.DEFAULT_TIMEOUT) -> Celery:
    """The Celery app on ``broker_url`` (Redis, also the result backend, polled), with the crawl task."""
    visibility = visibility_timeout(job_timeout)
    transport = {
        "visibility_timeout": visibility,
        # a job whose worker vanished is looked for at least this often (kombu sweeps the
        # unacknowledged set every interval × throttle seconds)
        "unacked_restore_interval": max(1.0, min(10.0, visibility / 10)),
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
        "health_check_interval": 10,
    }
    backend = f"{PolledRedisBackend.__module__}:{PolledRedisBackend.__name__}+{broker_url}"
    app = Celery("xxgk", broker=broker_url, backend=backend, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,  # a job that raised is done (it is reported), not retried
        task_track_started=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue=QUEUE,
        worker_prefetch_multiplier=1,  # a worker reserves no job it cannot start
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        broker_transport_options=transport,
        result_backend_transport_options={"visibility_timeout": visibility},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a worker waits for its broker to come back
        redis_socket_connect_timeout=5,
        redis_socket_timeout=30,
        redis_retry_on_timeout=False,
        result_expires=7 * 24 * 3600,
        result_extended=True,
    )
    app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True)(_crawl_job)
    return app


@dataclass(frozen=True)
class WorkerRuntime:
    """What the worker's tasks need, handed over by `xxgk worker`: its own config and database."""

    resolve: Callable[[str], Path]  # institution id → that institution's YAML file on this machine
    db_url: str
    job_timeout: float = crawl.DEFAULT_TIMEOUT
    verbose: int = 0


_runtime: WorkerRuntime | None = None


def serve(app: Celery, runtime: WorkerRuntime, *, concurrency: int, name: str | None = None) -> None:
    """Run a worker in this process until it is stopped (SIGTERM: after its running jobs)."""
    global _runtime
    _runtime = runtime
    worker = app.Worker(
        pool="threads",
        concurrency=concurrency,
        hostname=name or f"xxgk@{socket.gethostname()}:{os.getpid()}",
        queues=[QUEUE],
        without_gossip=True,
        without_mingle=True,
        loglevel="INFO" if runtime.verbose else "WARNING",
    )
    worker.start()
    if worker.exitcode:
        raise CrawlError(f"the worker stopped with exit code {worker.exitcode}")


def digest(path: Path) -> str:
    """The fingerprint of an institution's config file: a worker crawls only the config it was sent."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _crawl_job(task: Task, job: dict[str, Any]) -> dict[str, Any]:
    """One job: a crawler subprocess per part, in turn; their exit codes and stats."""
    runtime = _runtime
    if runtime is None:
        raise CrawlError("this process is not a worker started by `xxgk worker`")
    redelivered = bool((task.request.delivery_info or {}).get("redelivered"))
    log.info("job %s%s: %s", job["key"], " (again)" if redelivered else "", job["parts"])
    parts = [_run_part(runtime, job, part) for part in job["parts"]]
    return {"key": job["key"], "worker": task.request.hostname, "redelivered": redelivered, "parts": parts}


def _run_part(runtime: WorkerRuntime, job: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    institution = part["institution"]
    path = runtime.resolve(institution)
    if digest(path) != part["digest"]:
        raise CrawlError(
            f"{institution}: this worker's config {path} differs from the coordinator's; "
            "give every machine the same config"
        )
    with tempfile.TemporaryDirectory(prefix="xxgk-job-") as tmp:
        out = Path(tmp) / "stats.json"
        argv = crawl.crawl_command(
            config_path=path,
            db_url=runtime.db_url,
            sites=part["sites"],
            full=job["full"],
            today=_date(job.get("today")),
            verbose=runtime.verbose,
            run_id=part["run_id"],
            stats_path=out,
        )
        code = crawl.run_crawl(argv, timeout=min(runtime.job_timeout, float(job["timeout"])))
        stats = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    error = None if stats is not None else f"the crawler ended with exit code {code} before its end"
    return {"institution": institution, "code": code, "stats": stats, "error": error}


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None
