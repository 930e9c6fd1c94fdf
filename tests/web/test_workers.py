"""`xxgk serve --workers N`: N forked processes accept on one port, with one session key between them.

Each worker opens its own database connections (none inherited from the parent), so 200
requests at once over both workers are all answered, on SQLite and on PostgreSQL; a session made
by one worker is good on the other; SIGTERM stops every worker and the command exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.demo.test_demo_command import ROOT, log_in, running
from tests.web.conftest import xxgk
from tests.web.test_serve import SERVING

HIT = str(ROOT / "config" / "hit.yaml")
USER, PASSWORD = "office", "office-password"
WORKERS = 2
CONCURRENT = 200
PATHS = ["/", "/api/overview", "/sites/www", "/api/sites/www", "/checklist", "/api/findings"]


def children(pid: int) -> list[int]:
    """The child processes of `pid` (Linux: /proc/PID/task/PID/children)."""
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def forked(pid: int) -> list[int]:
    """The workers of `pid` once it has forked them (it prints its URL just before)."""
    deadline = time.monotonic() + 30
    while len(found := children(pid)) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def all_at_once(base_url: str, cookies: httpx.Cookies) -> Counter[object]:
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=90, limits=limits) as client:
        asks = (client.get(PATHS[i % len(PATHS)]) for i in range(CONCURRENT))
        answers = await asyncio.gather(*asks, return_exceptions=True)
    return Counter(
        type(answer).__name__ if isinstance(answer, BaseException) else answer.status_code
        for answer in answers
    )


@pytest.fixture(scope="module")
def db_url(database: str) -> str:
    """The module's database (SQLite or PostgreSQL), initialised for hit.yaml, with an office user."""
    code, out = xxgk(Path(HIT), database, "init")
    assert code == 0, out
    args = ["user", "add", USER, "--role", "office", "--password-stdin"]
    code, out = xxgk(Path(HIT), database, *args, stdin=PASSWORD + "\n")
    assert code == 0, out
    return database


def test_workers_share_the_port_and_the_session_key_and_stop_together(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XXGK_SECRET_KEY", raising=False)  # the parent makes one key for every worker
    with running(
        ["--config", HIT, "--db", db_url, "serve", "--port", "0", "--workers", str(WORKERS)]
    ) as serve:
        found = serve.wait_for(SERVING, timeout=60)
        assert found is not None, serve.output
        url = found["url"]
        workers = forked(serve.process.pid)
        assert len(workers) == WORKERS, serve.output
        with contextlib.closing(log_in(url, USER, PASSWORD)) as client:
            # every answer on a new connection, from whichever worker accepted it
            for _ in range(20):
                answer = httpx.get(url + "api/overview", cookies=client.cookies, timeout=30)
                assert answer.status_code == 200, answer.text
                assert answer.json()["message"]  # no check yet: the page says so
            outcomes = asyncio.run(all_at_once(url.rstrip("/"), client.cookies))
        assert outcomes == {200: CONCURRENT}
        serve.process.send_signal(signal.SIGTERM)
        assert serve.rest(timeout=60) == 0, serve.output
    assert not any(alive(pid) for pid in workers)
    assert "Traceback" not in serve.output


def test_workers_must_be_a_positive_number(db_url: str) -> None:
    with running(["--config", HIT, "--db", db_url, "serve", "--port", "0", "--workers", "0"]) as serve:
        assert serve.rest(timeout=60) == 2, serve.output
    assert "--workers" in serve.output
    assert "Traceback" not in serve.output
