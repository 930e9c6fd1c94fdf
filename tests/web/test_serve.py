"""`xxgk serve` in its own process: it prints its URL, serves, and stops cleanly on SIGTERM or Ctrl-C."""

from __future__ import annotations

import re
import signal
import socket

import httpx
import pytest

from tests.demo.test_demo_command import ROOT, running

HIT = str(ROOT / "config" / "hit.yaml")
SERVING = re.compile(r"dashboard on (?P<url>http://127\.0\.0\.1:\d+/)")


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('serve') / 'serve.db'}"
    with running(["--config", HIT, "--db", url, "init"]) as init:
        assert init.rest(timeout=120) == 0, init.output
    return url


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_serve_prints_its_url_and_stops_cleanly(db_url: str, stop: signal.Signals) -> None:
    with running(["--config", HIT, "--db", db_url, "serve", "--port", "0"]) as serve:
        found = serve.wait_for(SERVING, timeout=60)
        assert found is not None, serve.output
        answer = httpx.get(found["url"] + "login", timeout=10)
        assert answer.status_code == 200
        assert "登录" in answer.text
        serve.process.send_signal(stop)
        assert serve.rest(timeout=30) == 0, serve.output
    assert "Traceback" not in serve.output
    assert "Aborted" not in serve.output


def test_serve_on_a_taken_port_is_one_line_and_exit_1(db_url: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with running(["--config", HIT, "--db", db_url, "serve", "--port", str(port)]) as serve:
            assert serve.rest(timeout=60) == 1, serve.output
    assert f"cannot listen on 127.0.0.1:{port}" in serve.output
    assert "Traceback" not in serve.output
