"""`xxgk demo` end to end, as a user runs it: in its own process, ending on the dashboard.

Each test runs one whole demo (serve the campus, crawl it, check, report), about a minute here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from bs4 import BeautifulSoup

from monitor import store
from monitor.config import load_config
from monitor.demo import build_campus, demo_config_yaml

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = re.compile(
    r"dashboard: (?P<url>http://127\.0\.0\.1:\d+/)\s+login: (?P<user>\S+) / (?P<password>\S+)"
)
DEMO_SECONDS = 600  # the crawl alone takes about a minute; a loaded CI machine gets slack


class Running:
    """A command in its own process, its stdout and stderr read line by line as they come."""

    def __init__(self, args: list[str]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
        env.pop("XXGK_DB", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.ended = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, pattern: re.Pattern[str], timeout: float) -> re.Match[str] | None:
        """The first line matching `pattern`; None when the process ends without printing one."""
        deadline = time.monotonic() + timeout
        while not self.ended and (left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(queue.Empty):
                if (found := self._next(timeout=left)) and (match := pattern.search(found)):
                    return match
        if self.ended:
            return None
        raise AssertionError(f"nothing matched {pattern.pattern} in {timeout} s:\n{self.output}")

    def rest(self, timeout: float) -> int:
        """Wait for the end; the exit code (the rest of the output goes to `output`)."""
        code = self.process.wait(timeout=timeout)
        while not self.ended:
            self._next(timeout=10)
        return code

    def _next(self, timeout: float) -> str | None:
        line = self.lines.get(timeout=timeout)
        if line is None:
            self.ended = True
        else:
            self.seen.append(line)
        return line

    @property
    def output(self) -> str:
        return "".join(self.seen)


@contextmanager
def running(args: list[str]) -> Iterator[Running]:
    found = Running(args)
    try:
        yield found
    finally:
        if found.process.poll() is None:
            found.process.kill()
            found.process.wait()


def log_in(url: str, user: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    page = client.get("/login")
    field = BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "csrf"})
    assert field is not None
    answer = client.post("/login", data={"username": user, "password": password, "csrf": str(field["value"])})
    assert answer.status_code == 303, answer.text
    return client


def test_the_demo_ends_serving_the_dashboard_with_a_demo_login(tmp_path: Path) -> None:
    """Ctrl-C stops it cleanly; SIGTERM takes the same path (tests/web/test_serve.py)."""
    args = ["demo", "--port", "0", "--dashboard-port", "0", "--dir", str(tmp_path)]
    with running(args) as demo:
        found = demo.wait_for(DASHBOARD, timeout=DEMO_SECONDS)
        assert found is not None, demo.output
        assert "ground truth: all" in demo.output
        assert "ground truth: the content traps over two days give exactly their" in demo.output
        url, user, password = found["url"], found["user"], found["password"]
        assert user == "demo"
        config = load_config(tmp_path / "demo.yaml")
        with contextlib.closing(log_in(url, user, password)) as client:
            overview = client.get("/")
            assert overview.status_code == 200
            text = BeautifulSoup(overview.text, "html.parser").get_text()
            assert config.institution.name in text
            for _, site in config.sites():
                assert site.name in text
            assert "demo（学校办公室）" in text  # the demo login has the office's role
            api = client.get("/api/overview").json()
            assert sum(len(c["sites"]) for c in api["campuses"]) == len(list(config.sites()))
        demo.process.send_signal(signal.SIGINT)
        assert demo.rest(timeout=30) == 0, demo.output
    assert "dashboard stopped" in demo.output
    assert "Traceback" not in demo.output
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=5)


def test_a_demo_that_differs_from_its_truth_exits_1_and_serves_nothing(tmp_path: Path) -> None:
    """An extra item planted in the database beforehand: the counts differ, the demo says so."""
    db_url = f"sqlite:///{tmp_path / 'planted.db'}"
    _plant_an_extra_item(tmp_path / "planted.yaml", db_url)
    args = ["--db", db_url, "demo", "--port", "0", "--dashboard-port", "0", "--dir", str(tmp_path / "demo")]
    with running(args) as demo:
        assert demo.wait_for(DASHBOARD, timeout=DEMO_SECONDS) is None, demo.output
        assert demo.rest(timeout=30) == 1, demo.output
    assert "differs from its ground truth" in demo.output
    assert "jwc" in demo.output
    assert "Traceback" not in demo.output


def _plant_an_extra_item(config_path: Path, db_url: str) -> None:
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    checklist = str(ROOT / "config" / "checklist.yaml")
    config_path.write_text(
        demo_config_yaml(build_campus(today=today), port=8800, checklist_path=checklist), encoding="utf-8"
    )
    config = load_config(config_path)
    engine = store.connect(db_url)
    store.upgrade(engine)
    with store.sessions(engine).begin() as session:
        store.sync_config(session, config=config, now=dt.datetime.now(dt.UTC))
        site_id = store.site_ids(session, institution_key="demo")["jwc"]
        column_id = store.column_ids(session, institution_key="demo")[("jwc", "tzgg")]
        item = store.NewItem(
            url="http://planted.example/1",
            title="不在演示校园里的一条",
            published_on=today,
            date_source="list",
        )
        store.upsert_items(
            session, site_id=site_id, column_id=column_id, items=[item], seen_at=dt.datetime.now(dt.UTC)
        )
    engine.dispose()
