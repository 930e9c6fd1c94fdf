"""Reports as e-mail, the ``email`` channel: RFC 5322 messages, SMTP delivery and ``.eml`` files.

This module knows the shape of a rendered report (key, recipients, subject, HTML, text) and
nothing of findings. :class:`EmailChannel` takes every report that has recipients and hands
each message to a mailer: :class:`SmtpMailer` (``XXGK_SMTP_URL``) or :class:`EmlWriter`
(``.eml`` files, when no SMTP server is set). ``queue_reports`` and ``deliver`` are the outbox
(`monitor.reports.delivery`) with this channel alone.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from monitor.errors import DeliveryError
from monitor.reports import delivery
from monitor.reports.delivery import BACKOFF, DeliveryResult, Outgoing
from monitor.store import outbox

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["BACKOFF", "DeliveryResult"]

log = logging.getLogger(__name__)

#: CRLF line ends, and bodies in 7-bit transfer encodings, so any server relays them unchanged.
POLICY = policy.SMTP.clone(cte_type="7bit")
_KEY_HEADER = "X-Xxgk-Report-Key"
_PORTS = {"smtp": 25, "smtps": 465}


class ReportLike(Protocol):
    """What mail needs of a report (the shape of :class:`monitor.reports.model.Report`)."""

    @property
    def key(self) -> str: ...
    @property
    def recipients(self) -> Sequence[str]: ...
    @property
    def subject(self) -> str: ...
    @property
    def html(self) -> str: ...
    @property
    def text(self) -> str: ...


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class ServerUnavailable(delivery.Unavailable):
    """The server takes no message now (unreachable, no answer, TLS or login failed)."""


# ----------------------------------------------------------------------------- messages


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def message_id(key: str, *, sender: str) -> str:
    """A Message-ID that depends only on the report key and the sender's domain."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "xxgk-monitor.invalid"
    return f"<{_digest(key)[:32]}@{domain}>"


def to_message(report: ReportLike, *, sender: str, now: dt.datetime) -> EmailMessage:
    """The report as a multipart/alternative message: plain text first, then HTML, in UTF-8."""
    message = EmailMessage(policy=POLICY)
    message["Subject"] = report.subject
    message["From"] = sender
    message["To"] = ", ".join(report.recipients)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(report.key, sender=sender)
    message[_KEY_HEADER] = report.key
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(report.text, charset="utf-8")
    message.add_alternative(report.html, subtype="html", charset="utf-8")
    return message


def _file_stem(key: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9@._-]+", "_", key).strip("._-")[:120]
    return safe if safe == key else f"{safe or 'report'}-{_digest(key)[:8]}"


def write_eml(message: EmailMessage, directory: Path) -> Path:
    """Write ``message`` to DIRECTORY/<report key>.eml (safe characters only) and return the path."""
    key = str(message[_KEY_HEADER] or message["Message-ID"] or _digest(message.as_string()))
    path = Path(directory) / f"{_file_stem(key)}.eml"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(message.as_bytes(policy=POLICY))
    except OSError as exc:
        raise DeliveryError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


# ----------------------------------------------------------------------------- SMTP


def _masked(url: str) -> str:
    """``url`` with everything between ``user:`` and the last ``@`` hidden."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, tail = rest.rpartition("@")
    if not (sep and at and ":" in userinfo):
        return url
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{tail}"


def _invalid(url: str, why: str) -> DeliveryError:
    return DeliveryError(f"invalid SMTP URL {_masked(url)!r}: {why}")


def _starttls_option(url: str, query: str) -> Literal["auto", "require"]:
    options = parse_qs(query, keep_blank_values=True)
    if set(options) - {"starttls"}:
        raise _invalid(url, f"unknown option {sorted(set(options) - {'starttls'})[0]!r}")
    value = options.get("starttls", ["auto"])[-1]
    if value not in ("auto", "require"):
        raise _invalid(url, "starttls must be auto or require")
    return "require" if value == "require" else "auto"


@dataclass(frozen=True)
class SmtpMailer:
    """Sends messages over SMTP, one connection per message; every failure is a DeliveryError.

    ``smtp://`` upgrades to TLS with STARTTLS when the server offers it (``?starttls=require``
    refuses a server that does not); ``smtps://`` speaks TLS from the start. Certificates are
    checked against the system's CAs (``SSL_CERT_FILE`` names others).
    """

    host: str
    port: int
    implicit_tls: bool = False
    starttls: Literal["auto", "require"] = "auto"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 30.0) -> SmtpMailer:
        """Parse ``smtp[s]://[user:password@]host[:port][?starttls=require]`` (user info %-encoded)."""
        parts = urlsplit(url.strip())
        if parts.scheme not in _PORTS:
            raise _invalid(url, "expected smtp://[user:password@]host[:port] or smtps://…")
        try:
            port = parts.port or _PORTS[parts.scheme]
        except ValueError:
            raise _invalid(url, "the port must be a number from 1 to 65535") from None
        if not parts.hostname or parts.path not in ("", "/"):
            raise _invalid(url, "expected a host name and no path")
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if not f"{user or ''}{password or ''}".isascii():  # smtplib's AUTH sends them as ASCII
            raise _invalid(url, "user and password must be ASCII")
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=parts.scheme == "smtps",
            starttls=_starttls_option(url, parts.query),
            user=user,
            password=password,
            timeout=timeout,
        )

    @property
    def label(self) -> str:
        """``smtp[s]://user@host:port``: names the server in messages, never the password."""
        user = f"{self.user}@" if self.user else ""
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{user}{self.host}:{self.port}"

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the server for its To/Cc/Bcc recipients."""
        try:
            with self._open() as smtp:
                self._prepare(smtp)
                refused = smtp.send_message(message)
        except OSError as exc:  # smtplib's, ssl's and socket's errors are all OSErrors
            raise self._error(exc) from None
        if refused:  # accepted for the others: sending again would duplicate it for them
            log.warning("%s refused %s for %s", self.label, message["Message-ID"], ", ".join(refused))

    def _open(self) -> smtplib.SMTP:
        if self.implicit_tls:
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def _prepare(self, smtp: smtplib.SMTP) -> None:
        """Upgrade to TLS when possible (or required), then log in if the URL had a user."""
        smtp.ehlo_or_helo_if_needed()
        secure = self.implicit_tls
        if not secure and smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            secure = True
        if not secure and self.starttls == "require":
            raise ServerUnavailable(f"SMTP {self.label}: the server does not offer STARTTLS")
        if self.user is not None:
            if not secure:
                log.warning("%s offers no TLS: the password goes over the network unencrypted", self.label)
            smtp.login(self.user, self.password or "")

    def _error(self, exc: OSError) -> DeliveryError:
        text = " ".join(_reason(exc, timeout=self.timeout).split())
        if self.password:
            text = text.replace(self.password, "***")
        per_message = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
        kind = DeliveryError if isinstance(exc, per_message) else ServerUnavailable
        return kind(f"SMTP {self.label}: {text}")


def _reply(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def _reason(exc: OSError, *, timeout: float) -> str:
    """One line saying why the server did not take a message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = [f"{rcpt} ({_reply(*reply)})" for rcpt, reply in exc.recipients.items()]
        return f"recipients refused: {'; '.join(refused)}" if refused else "no recipients"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused: {_reply(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        return f"no answer within {timeout:g} s"  # smtplib reports some as a disconnection"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    return exc.strerror or str(exc) or type(exc).__name__


# ----------------------------------------------------------------------------- the channel


@dataclass(frozen=True)
class EmlWriter:
    """A mailer that writes each message as an .eml file in ``directory`` instead of sending it."""

    directory: Path
    label: str = "eml"

    def send(self, message: EmailMessage) -> None:
        write_eml(message, self.directory)


@dataclass(frozen=True)
class EmailChannel:
    """The ``email`` channel: every report with recipients, as one multipart message each."""

    mailer: Mailer
    sender: str = "xxgk-monitor@xxgk-monitor.invalid"
    id: str = "email"
    rate: tuple[delivery.Window, ...] = ()
    problem: str | None = None

    def takes(self, report: ReportLike) -> bool:
        return bool(report.recipients) and getattr(report, "group", None) is None

    def render(self, report: ReportLike, *, now: dt.datetime) -> Outgoing:
        message = to_message(report, sender=self.sender, now=now)
        return Outgoing(report.key, report.subject, (message.as_bytes(),), tuple(report.recipients))

    def send(self, payload: bytes) -> str:
        message = email.message_from_bytes(payload, policy=POLICY)
        self.mailer.send(message)
        return f"accepted by {getattr(self.mailer, 'label', 'the mailer')}"


# ----------------------------------------------------------------------------- outbox


def queue_reports(session: Session, reports: Iterable[ReportLike], *, sender: str, now: dt.datetime) -> int:
    """Store each report as a message in the outbox, once per report key; how many were new."""
    new = 0
    for report in reports:
        if not report.recipients:
            log.warning("report %s has no recipients: not queued", report.key)
            continue
        message = to_message(report, sender=sender, now=now)
        new += outbox.enqueue(
            session,
            key=report.key,
            recipients=report.recipients,
            subject=report.subject,
            message=message.as_bytes(),
            now=now,
        )
    return new


def deliver(
    sessions: sessionmaker[Session],
    mailer: Mailer,
    *,
    now: dt.datetime,
    backoff: Sequence[int] = BACKOFF,
    limit: int = 100,
) -> DeliveryResult:
    """Send the due e-mails of the outbox with ``mailer`` (see `monitor.reports.delivery.deliver`).

    A message the server refuses is retried by a later run after ``backoff[attempts]`` seconds;
    when the server itself is unavailable the run stops and the rest stays due.
    """
    channel = EmailChannel(mailer)
    return delivery.deliver(sessions, [channel], now=now, backoff=backoff, limit=limit)
