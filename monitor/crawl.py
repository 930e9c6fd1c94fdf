"""Start a crawl: `python -m crawler` as a subprocess, with a timeout; column discovery likewise.

Twisted's reactor cannot be restarted within a process, and the scheduler lives for months, so
every crawl runs in a child process (about a second of overhead). The child inherits the
environment (intranet cookies) and the terminal (its progress display). A discovery
(`python -m crawler.discover_run`) runs the same way, its output captured.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from monitor.errors import CrawlError

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 6 * 3600
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
#: The database lock every crawl of an institution's database holds (manual or nightly).
LOCK = "crawl"
DISCOVER_TIMEOUT = 600


def lock_ttl(timeout: float) -> dt.timedelta:
    """How long a crawl's lock outlives a holder that vanished: the crawl's timeout and ten minutes."""
    return dt.timedelta(seconds=timeout + 600)


def crawl_command(
    *,
    config_path: Path,
    db_url: str,
    sites: Sequence[str] = (),
    full: bool = False,
    today: dt.date | None = None,
    progress: bool = False,
    verbose: int = 0,
    run_id: int | None = None,
    stats_path: Path | None = None,
    institutions: Sequence[str] = (),
    parallel: int | None = None,
) -> list[str]:
    """The crawler's argv; with ``run_id`` it records into that run (a job of a distributed
    crawl) and writes its stats to ``stats_path``. A folder as ``config_path`` is crawled whole
    (or its ``institutions``), ``parallel`` institutions at once in the one process."""
    argv = [sys.executable, "-m", "crawler", "--config", str(config_path), "--db", db_url]
    for institution in institutions:
        argv += ["--institution", institution]
    if parallel is not None:
        argv += ["--parallel", str(parallel)]
    for site in sites:
        argv += ["--site", site]
    if full:
        argv.append("--full")
    if run_id is not None:
        argv += ["--run-id", str(run_id)]
    if stats_path is not None:
        argv += ["--stats", str(stats_path)]
    if today is not None:
        argv += ["--today", today.isoformat()]
    if progress:
        argv.append("--progress")
    return argv + ["-v"] * verbose


Runs = Mapping[str, "tuple[int, str] | None"]


def new_runs(before: Runs, after: Runs) -> dict[str, tuple[int, str] | None]:
    """Institution → (id, status) of the crawl run it got between ``before`` and ``after`` (each
    `store.crawls.latest_runs`), None when it got none (not crawled)."""
    found: dict[str, tuple[int, str] | None] = {}
    for key, run in after.items():
        old = before.get(key)
        found[key] = None if run is None or (old is not None and old[0] == run[0]) else run
    return found


def run_crawl(
    argv: list[str], *, timeout: float = DEFAULT_TIMEOUT, on_start: Callable[[int], None] | None = None
) -> int:
    """Run the crawler to the end; its exit code (0 ok, 1 crawl errors). Timeout → CrawlError.

    ``on_start`` is told the child's pid (the crawl lock names it). The child gets SIGTERM when
    this process dies, however it dies: a crawler must not go on unwatched after a SIGKILL.
    """
    log.info("starting crawl: %s", " ".join(argv[1:]))
    try:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            argv, start_new_session=True, preexec_fn=_die_with(os.getpid())
        )
    except OSError as exc:
        raise CrawlError(f"cannot start the crawler: {exc}") from None
    try:
        if on_start is not None:
            on_start(child.pid)
        return child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(child)
        raise CrawlError(f"the crawl did not finish within {timeout:.0f} s and was stopped") from None
    except KeyboardInterrupt:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait()
        raise


def _die_with(parent: int) -> Callable[[], None] | None:
    """For Popen's preexec_fn: the child gets SIGTERM when ``parent`` dies (Linux's PDEATHSIG).

    Elsewhere (no prctl) None: the crawl lock still names the child, so no second crawl starts.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None

    def arm() -> None:  # runs in the child between fork and exec: no locks, no logging
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm


def _stop(child: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    """Stop a child's whole process group: SIGTERM, then SIGKILL after 30 s."""
    os.killpg(child.pid, signal.SIGTERM)
    try:
        child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()


def discover_command(
    *, url: str, config_path: Path | None = None, checklist_path: Path | None = None, max_pages: int = 40
) -> list[str]:
    """The argv of `python -m crawler.discover_run`; it needs the config or the checklist file."""
    argv = [sys.executable, "-m", "crawler.discover_run", url, "--max-pages", str(max_pages)]
    if config_path is not None:
        argv += ["--config", str(config_path)]
    if checklist_path is not None:
        argv += ["--checklist", str(checklist_path)]
    return argv


def run_discover(argv: list[str], *, timeout: float = DISCOVER_TIMEOUT) -> str:
    """Run a discovery to the end; its stdout (the columns block). Failure or timeout → CrawlError."""
    log.info("starting discovery: %s", " ".join(argv[1:]))
    try:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
    except OSError as exc:
        raise CrawlError(f"cannot start the discovery: {exc}") from None
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(child)
        raise CrawlError(f"the discovery did not finish within {timeout:.0f} s and was stopped") from None
    except KeyboardInterrupt:
        _stop(child)
        raise
    if child.returncode != 0:
        raise CrawlError(_last_line(err) or f"the discovery ended with exit code {child.returncode}")
    return out


def _last_line(text: str) -> str:
    """The child's one-line error, without its own prefix."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1].removeprefix("discover: error: ") if lines else ""


EXTRACT_TIMEOUT = 120


def extract_command(
    *,
    source: str,
    url: str | None = None,
    cms: str = "auto",
    today: dt.date | None = None,
    article: bool = False,
    config_path: Path | None = None,
) -> list[str]:
    """The argv of `python -m crawler.extract_run`: one page read as the crawler reads it."""
    argv = [sys.executable, "-m", "crawler.extract_run", source, "--cms", cms]
    if url is not None:
        argv += ["--url", url]
    if today is not None:
        argv += ["--today", today.isoformat()]
    if article:
        argv.append("--article")
    if config_path is not None:
        argv += ["--config", str(config_path)]
    return argv


def run_extract(argv: list[str], *, timeout: float = EXTRACT_TIMEOUT) -> tuple[bool, str]:
    """(found, the JSON it printed) of one extraction; a page that cannot be read → CrawlError."""
    try:
        child = subprocess.run(  # noqa: S603 - our own interpreter and module
            argv, capture_output=True, text=True, timeout=timeout, start_new_session=True, check=False
        )
    except subprocess.TimeoutExpired:
        raise CrawlError(f"the extraction did not finish within {timeout:.0f} s and was stopped") from None
    except OSError as exc:
        raise CrawlError(f"cannot start the extraction: {exc}") from None
    if child.returncode in (0, 1) and child.stdout.strip():
        return child.returncode == 0, child.stdout
    lines = [line.strip() for line in child.stderr.splitlines() if line.strip()]
    message = lines[-1].removeprefix("extract: error: ") if lines else ""
    raise CrawlError(message or f"the extraction ended with exit code {child.returncode}")
