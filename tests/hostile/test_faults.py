"""Faults of the machine during a crawl (issue 11): the database's disk full mid-crawl.

The disk is made full for real, as the kernel does it: ``RLIMIT_FSIZE`` on the crawl's processes,
so that SQLite's writes past that size fail (``database or disk is full``) while the crawl runs.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from tests.hostile import harness
from tests.hostile.server import Hostile, Sizes, serving

TODAY = dt.date(2026, 12, 1)
#: The endless pager gives 10 rows a page: 300 pages are 3,000 items, over one batch of 2,000.
CRAWL = {"max_pages_per_column": 300, "retries": 0, "request_timeout_seconds": 10}


def test_a_full_disk_stops_the_crawl_marks_the_run_failed_and_frees_the_lock(tmp_path: Path) -> None:
    with serving(Hostile(Sizes())) as hostile:
        config = harness.write_config(hostile, tmp_path, cases=("endless",), crawl=CRAWL)
        db_url = f"sqlite:///{tmp_path / 'h.db'}"
        subprocess.run([*harness.xxgk(config, db_url), "init"], check=True, capture_output=True, cwd=tmp_path)
        size = (tmp_path / "h.db").stat().st_size

        # (before the fix the crawler sat idle holding the lock until --timeout: 6 hours)
        full = harness.crawl(
            hostile,
            tmp_path,
            cases=("endless",),
            crawl=CRAWL,
            today=TODAY,
            timeout=180,
            max_file_bytes=size + 64 * 1024,
        )
        assert full.code != 0
        # (EFBIG reads as "disk I/O error"; a disk out of space, ENOSPC, as "database or disk is full")
        assert "cannot store" in full.output, full.output[-2000:]
        assert "disk I/O error" in full.output, full.output[-2000:]
        assert full.status == "failed", full.output[-2000:]
        assert "endless" not in full.fetches  # no outcome without its items: redone next time

        # the lock is free and nothing is lost: the next crawl (disk space back) finishes the column
        again = harness.crawl(hostile, tmp_path, cases=("endless",), crawl=CRAWL, today=TODAY, timeout=180)
        assert again.code == 0, again.output[-2000:]
        assert again.status == "finished"
        assert again.fetches["endless"].outcome == "ok"
        assert again.fetches["endless"].items_seen == 3000
        assert sum("/endless/" in url for url in again.items) == 3000
