"""Start a crawl: `python -m crawler` as a subprocess, with a timeout.

Twisted's reactor cannot be restarted within a process, and the scheduler lives for months, so
every crawl runs in a child process (about a second of overhead). The child inherits the
environment (intranet cookies) and the terminal (its progress display).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from monitor.errors import CrawlError

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 6 * 3600


def crawl_command(
    *,
    config_path: Path,
    db_url: str,
    sites: Sequence[str] = (),
    full: bool = False,
    today: dt.date | None = None,
    progress: bool = False,
    verbose: int = 0,
) -> list[str]:
    argv = [sys.executable, "-m", "crawler", "--config", str(config_path), "--db", db_url]
    for site in sites:
        argv += ["--site", site]
    if full:
        argv.append("--full")
    if today is not None:
        argv += ["--today", today.isoformat()]
    if progress:
        argv.append("--progress")
    return argv + ["-v"] * verbose


def run_crawl(argv: list[str], *, timeout: float = DEFAULT_TIMEOUT) -> int:
    """Run the crawler to the end; its exit code (0 ok, 1 crawl errors). Timeout → CrawlError."""
    log.info("starting crawl: %s", " ".join(argv[1:]))
    try:
        child = subprocess.Popen(argv, start_new_session=True)  # noqa: S603 - our own interpreter and module
    except OSError as exc:
        raise CrawlError(f"cannot start the crawler: {exc}") from None
    try:
        return child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        raise CrawlError(f"the crawl did not finish within {timeout:.0f} s and was stopped") from None
    except KeyboardInterrupt:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait()
        raise
