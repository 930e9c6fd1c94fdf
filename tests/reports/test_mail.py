"""Mail against a real SMTP server (aiosmtpd on loopback) and real databases (SQLite and PostgreSQL).

Messages are built, queued in the outbox, delivered, refused, retried after an outage and written
to ``.eml`` files; the server is stopped and started again on the same port, never mocked.
"""

from __future__ import annotations

import datetime as dt
import email
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import DeliveryError
from monitor.reports import Report
from monitor.reports.mail import (
    DeliveryResult,
    ServerUnavailable,
    SmtpMailer,
    deliver,
    queue_reports,
    to_message,
    write_eml,
)
from monitor.store import outbox, sessions
from monitor.store.models import OutboxMessage

NOW = dt.datetime(2022, 9, 1, 2, 0, tzinfo=dt.UTC)
SENDER = "信息公开监测 <xxgk@hit.edu.cn>"
USER, PASSWORD = "xxgk@hit.edu.cn", "p@ss:w/rd%9"


def report(n: int, *, to: str = "today@hit.edu.cn") -> Report:
    return Report(
        kind="digest",
        key=f"digest:2022-09-0{n}:{to}",
        recipients=(to,),
        subject=f"【信息公开监测】今日哈工大：{n} 个栏目未按时更新",
        html=f"<p>公告公示 已 <b>{20 + n}</b> 天未更新</p>",
        text=f"公告公示 已 {20 + n} 天未更新\n",
    )


# ----------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class Received:
    recipients: list[str]
    message: EmailMessage
    raw: bytes
    tls: bool


class Inbox:
    """An aiosmtpd handler that keeps what it accepts and refuses mailboxes at nobody.example."""

    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.endswith("@nobody.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content
        parsed = email.message_from_bytes(raw, policy=policy.default)
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(list(envelope.rcpt_tos), parsed, raw, tls))
        return "250 Message accepted for delivery"

    @property
    def keys(self) -> list[str]:
        return [str(r.message["X-Xxgk-Report-Key"]) for r in self.received]


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert part is not None, f"no text/{subtype} part"
    content: str = part.get_content()
    return content


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server(port: int, **params: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **params)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def accept_one(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def make(engine: Engine) -> sessionmaker[Session]:
    return sessions(engine)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (cert, key)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def rows(make: sessionmaker[Session]) -> dict[str, OutboxMessage]:
    with make() as session:
        return {row.dedupe_key: row for row in session.scalars(select(OutboxMessage))}


def queue(make: sessionmaker[Session], *reports: Report) -> int:
    with make.begin() as session:
        return queue_reports(session, reports, sender=SENDER, now=NOW)


# ----------------------------------------------------------------------------- messages


def test_a_report_becomes_a_multipart_message_in_seven_bit_utf8() -> None:
    message = to_message(report(1), sender=SENDER, now=NOW)
    raw = message.as_bytes()
    parsed = email.message_from_bytes(raw, policy=policy.default)

    assert raw.isascii()
    assert b"Subject: =?utf-8?b?" in raw
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["Subject"] == report(1).subject
    assert parsed["From"].addresses[0].display_name == "信息公开监测"
    assert body(parsed, "plain") == "公告公示 已 21 天未更新\r\n"  # text lines end in CRLF
    assert body(parsed, "html").strip() == report(1).html
    assert parsed["Date"].datetime == NOW


def test_the_message_id_depends_only_on_the_report_key() -> None:
    first = to_message(report(1), sender=SENDER, now=NOW)["Message-ID"]
    again = to_message(report(1), sender=SENDER, now=NOW + dt.timedelta(days=1))["Message-ID"]
    other = to_message(report(2), sender=SENDER, now=NOW)["Message-ID"]

    assert first == again != other
    assert first.endswith("@hit.edu.cn>")


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("weekly-2022.36", "weekly-2022.36.eml"),
        ("digest:today@hit.edu.cn/../2022-09-01", "digest_today@hit.edu.cn_.._2022-09-01-"),
        ("周报", "report-"),
    ],
)
def test_write_eml_names_the_file_after_the_key(tmp_path: Path, key: str, name: str) -> None:
    message = to_message(
        Report("digest", key, ("a@hit.edu.cn",), "主题", "<p>正文</p>", "正文"), sender=SENDER, now=NOW
    )

    path = write_eml(message, tmp_path / "out")

    assert path.parent == tmp_path / "out"
    assert path.name.startswith(name)
    assert path.suffix == ".eml"
    assert email.message_from_bytes(path.read_bytes(), policy=policy.default)["Subject"] == "主题"


def test_write_eml_reports_an_unwritable_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(DeliveryError, match="cannot write"):
        write_eml(to_message(report(1), sender=SENDER, now=NOW), tmp_path / "file")


# ----------------------------------------------------------------------------- SMTP URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtps://mail.hit.edu.cn", SmtpMailer("mail.hit.edu.cn", 465, implicit_tls=True)),
        ("smtp://MAIL.hit.edu.cn/", SmtpMailer("mail.hit.edu.cn", 25)),
        (
            f"smtp://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@mail.hit.edu.cn:587?starttls=require",
            SmtpMailer("mail.hit.edu.cn", 587, starttls="require", user=USER, password=PASSWORD),
        ),
        ("smtps://u:@[::1]:2465", SmtpMailer("::1", 2465, implicit_tls=True, user="u", password="")),
    ],
)
def test_smtp_urls(url: str, expected: SmtpMailer) -> None:
    assert SmtpMailer.from_url(url) == expected
    assert PASSWORD not in repr(expected)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "mail.hit.edu.cn",
        "http://mail.hit.edu.cn",
        "smtp://",
        "smtp://u:s3cret@mail.hit.edu.cn:99999",
        "smtp://u:s3cret@mail.hit.edu.cn:port",
        "smtp://u:s3/cret@mail.hit.edu.cn/inbox",
        "smtp://mail.hit.edu.cn?starttls=maybe",
        "smtp://mail.hit.edu.cn?tls=1",
        "smtp://u:s3cret密码@mail.hit.edu.cn",
        f"smtp://u:s3cret{quote('密码')}@mail.hit.edu.cn",
    ],
)
def test_a_bad_smtp_url_is_one_line_without_the_password(url: str) -> None:
    with pytest.raises(DeliveryError, match="invalid SMTP URL") as caught:
        SmtpMailer.from_url(url)
    assert "\n" not in str(caught.value)
    assert "s3cret" not in str(caught.value)
    assert "cret" not in str(caught.value)


# ----------------------------------------------------------------------------- SMTP sessions


def test_a_refused_connection_is_one_line_without_the_password(port: int) -> None:
    mailer = SmtpMailer.from_url(f"smtp://u:s3cret@127.0.0.1:{port}")
    with pytest.raises(ServerUnavailable) as caught:
        mailer.send(to_message(report(1), sender=SENDER, now=NOW))
    assert str(caught.value) == f"SMTP smtp://u@127.0.0.1:{port}: connection refused"


def test_a_silent_server_times_out() -> None:
    with socket.socket() as silent:  # listens, never answers: the client waits for a greeting
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{silent.getsockname()[1]}", timeout=0.2)
        with pytest.raises(ServerUnavailable, match=r"no answer within 0\.2 s$"):
            mailer.send(to_message(report(1), sender=SENDER, now=NOW))


def test_login_with_percent_encoded_credentials(port: int) -> None:
    url = f"smtp://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@127.0.0.1:{port}"
    with smtp_server(port, authenticator=accept_one, auth_require_tls=False) as inbox:
        SmtpMailer.from_url(url).send(to_message(report(1), sender=SENDER, now=NOW))
    assert inbox.keys == [report(1).key]


def test_a_refused_login_hides_the_password(port: int) -> None:
    url = f"smtp://{quote(USER, safe='')}:wrong-s3cret@127.0.0.1:{port}"
    server = smtp_server(port, authenticator=accept_one, auth_require_tls=False)
    with server as inbox, pytest.raises(ServerUnavailable, match="login refused: 535") as caught:
        SmtpMailer.from_url(url).send(to_message(report(1), sender=SENDER, now=NOW))
    assert "s3cret" not in str(caught.value)
    assert "\n" not in str(caught.value)
    assert inbox.received == []


def test_starttls_require_refuses_a_plain_server(port: int) -> None:
    mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{port}?starttls=require")
    with smtp_server(port) as inbox, pytest.raises(ServerUnavailable, match="does not offer STARTTLS"):
        mailer.send(to_message(report(1), sender=SENDER, now=NOW))
    assert inbox.received == []


def test_starttls_is_used_when_offered(
    port: int, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with smtp_server(port, tls_context=server_tls(certificate)) as inbox:
        SmtpMailer.from_url(f"smtp://127.0.0.1:{port}").send(to_message(report(1), sender=SENDER, now=NOW))
    assert [r.tls for r in inbox.received] == [True]


def test_smtps_checks_the_certificate(
    port: int, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    message = to_message(report(1), sender=SENDER, now=NOW)
    with smtp_server(port, ssl_context=server_tls(certificate)) as inbox:
        with pytest.raises(ServerUnavailable, match="TLS failed: CERTIFICATE_VERIFY_FAILED"):
            SmtpMailer.from_url(f"smtps://127.0.0.1:{port}").send(message)
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        SmtpMailer.from_url(f"smtps://127.0.0.1:{port}").send(message)
    assert [r.tls for r in inbox.received] == [True]


# ----------------------------------------------------------------------------- the outbox


def test_a_message_is_queued_once_per_key(session: Session) -> None:
    args: dict[str, Any] = {"key": "k", "recipients": ["a@hit.edu.cn"], "subject": "主题", "now": NOW}

    assert outbox.enqueue(session, message=b"first", **args) is True
    assert outbox.enqueue(session, message=b"second", **args) is False
    assert [p.message for p in outbox.due(session, now=NOW)] == [b"first"]
    assert outbox.pending_count(session) == 1


def test_a_claimed_message_is_not_taken_twice(session: Session) -> None:
    outbox.enqueue(session, key="k", recipients=["a@hit.edu.cn"], subject="s", message=b"m", now=NOW)
    [pending] = outbox.due(session, now=NOW)
    until = NOW + dt.timedelta(minutes=15)

    assert outbox.claim(session, message_id=pending.id, now=NOW, until=until) is True
    assert outbox.claim(session, message_id=pending.id, now=NOW, until=until) is False
    assert outbox.due(session, now=NOW) == []
    assert len(outbox.due(session, now=until)) == 1


def test_each_report_arrives_once(make: sessionmaker[Session], port: int) -> None:
    mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{port}")
    assert queue(make, report(1), report(2), report(3)) == 3
    assert queue(make, report(1), report(2), report(3)) == 0

    with smtp_server(port) as inbox:
        assert deliver(make, mailer, now=NOW) == DeliveryResult(sent=3, failed=0, pending=0)
        assert deliver(make, mailer, now=NOW + dt.timedelta(days=1)) == DeliveryResult(0, 0, 0)

    assert inbox.keys == [report(n).key for n in (1, 2, 3)]
    for n, received in enumerate(inbox.received, start=1):
        assert received.recipients == ["today@hit.edu.cn"]
        assert [p.get_content_type() for p in received.message.iter_parts()] == ["text/plain", "text/html"]
        assert received.message["Subject"] == report(n).subject
        assert body(received.message, "plain") == report(n).text.replace("\n", "\r\n")
        assert body(received.message, "html").strip() == report(n).html
    assert all(row.sent_at == NOW for row in rows(make).values())


def test_nothing_is_lost_while_the_server_is_down(make: sessionmaker[Session], port: int) -> None:
    mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{port}")
    queue(make, report(4), report(5))

    assert deliver(make, mailer, now=NOW) == DeliveryResult(sent=0, failed=1, pending=2)
    tried, untried = rows(make)[report(4).key], rows(make)[report(5).key]
    assert (tried.attempts, tried.next_attempt_at, tried.sent_at) == (1, NOW + dt.timedelta(seconds=60), None)
    assert tried.last_error == f"SMTP smtp://127.0.0.1:{port}: connection refused"
    assert (untried.attempts, untried.next_attempt_at) == (0, NOW)  # not tried: still due

    later = NOW + dt.timedelta(minutes=5)
    with smtp_server(port) as inbox:
        assert deliver(make, mailer, now=later) == DeliveryResult(sent=2, failed=0, pending=0)
        assert deliver(make, mailer, now=later + dt.timedelta(days=1)) == DeliveryResult(0, 0, 0)
    assert inbox.keys == [report(4).key, report(5).key]


def test_a_refused_message_backs_off_and_the_others_go(make: sessionmaker[Session], port: int) -> None:
    mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{port}")
    queue(make, report(1), report(2, to="x@nobody.example"), report(3))

    with smtp_server(port) as inbox:
        assert deliver(make, mailer, now=NOW) == DeliveryResult(sent=2, failed=1, pending=1)
        second = NOW + dt.timedelta(seconds=60)
        assert deliver(make, mailer, now=second) == DeliveryResult(sent=0, failed=1, pending=1)

    refused = rows(make)[report(2, to="x@nobody.example").key]
    assert inbox.keys == [report(1).key, report(3).key]
    assert refused.attempts == 2
    assert refused.next_attempt_at == second + dt.timedelta(seconds=300)
    assert refused.last_error is not None
    assert "recipients refused: x@nobody.example (550 5.1.1 no such mailbox)" in refused.last_error


def test_a_message_claimed_by_another_run_is_left_to_it(make: sessionmaker[Session], port: int) -> None:
    mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{port}")
    queue(make, report(1), report(2))
    with make.begin() as session:
        taken = rows(make)[report(1).key].id
        outbox.claim(session, message_id=taken, now=NOW, until=NOW + dt.timedelta(minutes=15))

    with smtp_server(port) as inbox:
        assert deliver(make, mailer, now=NOW) == DeliveryResult(sent=1, failed=0, pending=1)
    assert inbox.keys == [report(2).key]
