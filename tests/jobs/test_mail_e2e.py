"""Issue 5 end to end: crawl and check the demo campus, then deliver the lag reports to a real SMTP
server (aiosmtpd on loopback); the SMTP server going away loses nothing; the nightly job runs
crawl → check → mail by itself."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from monitor import jobs, store
from monitor.cli import main
from monitor.config import load_config
from monitor.demo import DemoCampus, DemoServer, build_campus, demo_config_yaml
from monitor.reports import mail

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, Controller]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller
    controller.stop()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[DemoCampus, Path]]:
    campus = build_campus(today=TODAY)
    with DemoServer(campus) as server:
        path = tmp_path / "demo.yaml"
        checklist = str(ROOT / "config" / "checklist.yaml")
        path.write_text(
            demo_config_yaml(campus, port=server.port, checklist_path=checklist), encoding="utf-8"
        )
        yield campus, path


def xxgk(config: Path, db: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner(env=env).invoke(main, ["--config", str(config), "--db", db, *args])
    return result.exit_code, result.stdout + result.stderr


def owners_with_problems(config_path: Path, check: dict[str, Any]) -> dict[str, set[str]]:
    """Owner address → the site ids of theirs that have a column needing attention."""
    config = load_config(config_path)
    troubled = {c["site"] for c in check["columns"] if c["status"] != "fresh"}
    owners: dict[str, set[str]] = {}
    for _, site in config.sites():
        for owner in site.owner:
            if site.id in troubled:
                owners.setdefault(owner, set()).add(site.id)
    return owners


def test_report_send_delivers_one_digest_per_owner_and_the_office_summary(
    demo: tuple[DemoCampus, Path], db_url: str, smtp: tuple[Inbox, Controller]
) -> None:
    _, config_path = demo
    inbox, controller = smtp
    assert xxgk(config_path, db_url, "crawl", "--full")[0] == 0
    code, out = xxgk(config_path, db_url, "check", "--format", "json")
    assert code == 0, out
    expected = owners_with_problems(config_path, json.loads(out))
    env = {"XXGK_SMTP_URL": f"smtp://127.0.0.1:{controller.port}"}
    code, out = xxgk(config_path, db_url, "report", "--send", env=env)
    assert code == 0, out
    config = load_config(config_path)
    by_recipient = {str(m["To"]): m for m in inbox.messages}
    assert len(by_recipient) == len(inbox.messages)  # one message per recipient
    assert set(by_recipient) == {*expected, *config.mail.office}
    names = {site.id: site.name for _, site in config.sites()}
    for owner, sites in expected.items():
        message = by_recipient[owner]
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert "信息公开监测" in str(message["Subject"])
        assert all(names[site] in text and names[site] in html for site in sites)
    summary = by_recipient[config.mail.office[0]]
    assert all(site.name in summary.get_body(("plain",)).get_content() for _, site in config.sites())  # type: ignore[union-attr]
    # sending again sends nothing: each report is one message, ever
    code, out = xxgk(config_path, db_url, "report", "--send", env=env)
    assert code == 0, out
    assert len(inbox.messages) == len(by_recipient)


def test_smtp_down_loses_nothing_and_delivers_once_when_back(
    demo: tuple[DemoCampus, Path], db_url: str
) -> None:
    _, config_path = demo
    assert xxgk(config_path, db_url, "crawl", "--full")[0] == 0
    assert xxgk(config_path, db_url, "check")[0] == 0
    port = free_port()
    env = {"XXGK_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    code, out = xxgk(config_path, db_url, "report", "--send", env=env)
    assert code == 0, out
    assert "0 sent" in out
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        rt = jobs.Runtime(config_path=config_path, db_url=db_url, smtp_url=env["XXGK_SMTP_URL"])
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)  # past every backoff
        engine = store.connect(db_url)
        result = mail.deliver(store.sessions(engine), mail.SmtpMailer.from_url(rt.smtp_url or ""), now=later)
        engine.dispose()
        assert result.pending == 0
        assert result.sent == len(inbox.messages) > 0
        assert len({str(m["Message-ID"]) for m in inbox.messages}) == len(inbox.messages)
    finally:
        controller.stop()


def test_the_nightly_job_runs_crawl_scan_check_and_mail(
    demo: tuple[DemoCampus, Path], db_url: str, smtp: tuple[Inbox, Controller], tmp_path: Path
) -> None:
    _, config_path = demo
    inbox, controller = smtp
    assert xxgk(config_path, db_url, "init")[0] == 0
    jobs.configure(
        jobs.Runtime(config_path=config_path, db_url=db_url, smtp_url=f"smtp://127.0.0.1:{controller.port}")
    )
    done = jobs.nightly()
    assert done.failures == []
    assert [line.split(":")[0] for line in done.steps] == ["crawl", "scan", "check", "reports", "delivery"]
    config = load_config(config_path)
    assert config.mail.office[0] in {str(m["To"]) for m in inbox.messages}
    assert len(inbox.messages) > 1
