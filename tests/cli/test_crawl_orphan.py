"""SIGKILL of `xxgk crawl` does not leave its crawler running unwatched, nor let a second crawl in.

The crawler child runs in a session of its own (a Ctrl-C goes to the parent, which stops it), so
a SIGKILL of the parent used to leave it crawling on with no timeout watchdog, while the crawl
lock, naming only the dead parent, let a second crawl start beside it. Now the child gets SIGTERM
when its parent dies, and the lock names the child too until it has stopped.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor import store
from monitor.store.models import Lock
from tests.crawler.loopback import Site, config_yaml, list_page, serving, xxgk

PAGES = 30
SLOW = 4.0  # seconds per list page: the crawler is mid-request when its parent dies


def slow_site() -> Site:
    pages = {
        f"/col/list{k}.htm": list_page(
            [(f"/info/{k}/{n}.htm", f"第{k}页通知{n}", "2026-11-20") for n in range(3)],
            next_path=f"/col/list{k + 1}.htm" if k < PAGES else None,
        )
        for k in range(1, PAGES + 1)
    }
    return Site(pages=pages, delays=dict.fromkeys(pages, SLOW))


def lock_holder(db_url: str) -> str | None:
    engine = store.connect(db_url)
    try:
        with Session(engine) as session:
            return session.scalar(select(Lock.holder).where(Lock.name == "crawl"))
    finally:
        engine.dispose()


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_until(condition: Callable[[], object], *, timeout: float) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    return None


def test_sigkill_of_the_parent_stops_the_crawler_and_a_second_crawl_waits_for_it(tmp_path: Path) -> None:
    with serving(slow_site()) as site:
        config = tmp_path / "t.yaml"
        config.write_text(config_yaml(site, {"col": {"url": "/col/list1.htm"}}), encoding="utf-8")
        db_url = f"sqlite:///{tmp_path / 't.db'}"
        assert xxgk(config, db_url, "init")[0] == 0
        argv = [sys.executable, "-m", "monitor", "--config", str(config), "--db", db_url, "crawl", "--full"]
        parent = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            holder = wait_until(lambda: (lock_holder(db_url) or "").count("+"), timeout=60)
            assert holder, "the crawl lock never named the crawler child"
            child = int(str(lock_holder(db_url)).rsplit("+", 1)[1])
            assert wait_until(lambda: len(site.requests()) >= 1, timeout=60), "the crawler fetched nothing"
            assert running(child)
            parent.kill()
            parent.wait()
            code, out = xxgk(config, db_url, "crawl")  # at once: the orphan is still finishing its request
            assert code == 1
            assert "busy: a crawl is running" in out
            assert wait_until(lambda: not running(child), timeout=45), (
                "the crawler went on without its parent"
            )
        finally:
            parent.kill()
        fetched = len(site.requests())
    assert fetched < PAGES
