"""Start the personal-data scan: `python -m crawler.scan_run` as a subprocess, under the crawl lock.

The scan fetches pages and attachments with the crawler's machinery (robots.txt, per-host limits),
so it runs in its own process like a crawl, and never beside one: it holds the same database lock
(:data:`monitor.crawl.LOCK`), so the hosts see one polite visitor at a time. Its summary is the
JSON line the child prints last.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monitor import crawl, store
from monitor.errors import CrawlError
from monitor.store import locks

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 4 * 3600


def scan_command(
    *,
    config_path: Path,
    db_url: str,
    every: bool = False,
    sites: Sequence[str] = (),
    limit: int | None = None,
) -> list[str]:
    argv = [sys.executable, "-m", "crawler.scan_run", "--config", str(config_path), "--db", db_url]
    for site in sites:
        argv += ["--site", site]
    if every:
        argv.append("--all")
    if limit is not None:
        argv += ["--limit", str(limit)]
    return argv


def run_scan(argv: list[str], *, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Run a scan to the end; its summary. A failure to start, a timeout or no summary → CrawlError."""
    log.info("starting scan: %s", " ".join(argv[1:]))
    try:
        child = subprocess.run(  # noqa: S603 - our own interpreter and module
            argv, stdout=subprocess.PIPE, text=True, timeout=timeout, start_new_session=True, check=False
        )
    except subprocess.TimeoutExpired:
        raise CrawlError(f"the scan did not finish within {timeout:.0f} s and was stopped") from None
    except OSError as exc:
        raise CrawlError(f"cannot start the scan: {exc}") from None
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    if child.returncode not in (0, 1) or not lines:
        raise CrawlError(f"the scan ended with exit code {child.returncode} and no summary")
    summary: dict[str, Any] = json.loads(lines[-1])
    return summary


def scan_locked(
    *,
    config_path: Path,
    db_url: str,
    every: bool = False,
    sites: Sequence[str] = (),
    limit: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    wait: float = 0.0,
) -> dict[str, Any]:
    """:func:`run_scan` holding the crawl lock (waiting up to ``wait`` seconds for a crawl to end)."""
    with store.translate_errors(db_url):
        engine = store.connect(db_url)
    try:
        with locks.holding(engine, name=crawl.LOCK, ttl=crawl.lock_ttl(timeout), wait=wait):
            argv = scan_command(config_path=config_path, db_url=db_url, every=every, sites=sites, limit=limit)
            return run_scan(argv, timeout=timeout)
    finally:
        engine.dispose()


def describe(summary: dict[str, Any]) -> str:
    """One line for the command and the logs: URLs by outcome."""
    parts = [
        f"{summary.get(k, 0)} {k.replace('_', ' ')}" for k in ("scanned", "partial", "not_scanned", "failed")
    ]
    return f"{summary.get('jobs', 0)} items: " + ", ".join(parts)
