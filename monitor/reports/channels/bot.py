"""What the group bots share: parts cut by UTF-8 bytes, a webhook POST, and the API's own answer.

A kind (:class:`Kind`) is data and a few small functions: its byte limit and how a part is
measured, its rate, its markdown dialect, how a stored part becomes the signed request, and
which answers mean success. :class:`BotChannel` does the rest the same
way for every kind. The webhook URL and the secret live only in the channel object (read from
the environment by the CLI or the jobs); the outbox stores the notify id and the payload,
and no error message or log line carries the URL, its token or the secret.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from monitor.reports.delivery import Outgoing, Refused, Throttled, Unavailable, Window

log = logging.getLogger(__name__)
# httpx logs every request's URL at INFO, and a webhook URL is a password: keep those lines out.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

#: The widest part number, so the parts are cut before they are counted.
_WIDEST_MARK = "\n（999/999）"


@dataclass(frozen=True)
class Request:
    url: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """One bot API: limits, the payload and request shapes, and its success code."""

    name: str
    limit: int  # bytes, as `size` measures a part
    size: Callable[[str, str], int]  # (title, text) → bytes the API counts
    rate: tuple[Window, ...]
    adapt: Callable[[str], str]  # the report's markdown in this API's dialect
    request: Callable[..., Request]  # (url, title=, text=, secret=, now=) → the signed request
    answer: Callable[[Mapping[str, Any]], None]  # raises Refused unless the answer is success
    signed: bool = True  # takes a signing secret


_JSON = {"Content-Type": "application/json; charset=utf-8"}


def body(request: Request) -> bytes:
    """The request body as sent, and as the kinds' ``size`` counts it: UTF-8 JSON, characters unescaped."""
    return json.dumps(request.body, ensure_ascii=False).encode("utf-8")


def utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def success(code: object) -> bool:
    """The APIs' success code is the integer 0 (not "0", not false, not absent)."""
    return type(code) is int and code == 0


def split(text: str, *, limit: int, size: Callable[[str], int]) -> list[str]:
    """``text`` cut on line boundaries into parts of at most ``limit`` (as ``size`` counts) each,
    numbered ``（1/3）`` on a last line when there is more than one; a line too long for a part
    is cut between characters."""
    budget = limit - size(_WIDEST_MARK)
    chunks: list[str] = []
    current = ""
    for line in _lines(text.strip("\n"), budget=budget, size=size):
        joined = f"{current}\n{line}" if current else line
        if current and size(joined) > budget:
            chunks.append(current)
            joined = line
        current = joined
    chunks.append(current)
    if len(chunks) == 1:
        return chunks
    return [f"{chunk}\n（{i}/{len(chunks)}）" for i, chunk in enumerate(chunks, start=1)]


def _lines(text: str, *, budget: int, size: Callable[[str], int]) -> list[str]:
    out: list[str] = []
    for line in text.split("\n"):
        while size(line) > budget:
            cut = _longest_prefix(line, budget=budget, size=size)
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def _longest_prefix(line: str, *, budget: int, size: Callable[[str], int]) -> int:
    low, high = 1, len(line)  # size(line[:1]) fits: one character is never over a budget
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if size(line[:middle]) <= budget else (low, middle - 1)
    return low


@dataclass(frozen=True)
class BotChannel:
    """A group bot of ``notify``: renders reports to its kind's markdown parts and posts them."""

    id: str
    kind: Kind
    send_what: str  # summary | digests
    url: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    problem: str | None = None
    timeout: float = 15.0
    clock: Callable[[], float] = time.time

    @property
    def rate(self) -> tuple[Window, ...]:
        return self.kind.rate

    def takes(self, report: Any) -> bool:
        if not getattr(report, "markdown", ""):
            return False  # a report rendered for mail only has nothing to post
        if self.send_what == "digests":
            return bool(report.kind == "digest" and report.group == self.id)
        return bool(report.kind in ("summary", "weekly") and report.group is None)

    def render(self, report: Any, *, now: dt.datetime) -> Outgoing:
        subject: str = report.subject
        text = self.kind.adapt(report.markdown)
        parts = split(text, limit=self.kind.limit, size=lambda part: self.kind.size(subject, part))
        n = len(parts)
        titles = [f"{subject}（{i}/{n}）" if n > 1 else subject for i in range(1, n + 1)]
        payloads = tuple(_payload(title, part) for title, part in zip(titles, parts, strict=True))
        return Outgoing(f"notify:{self.id}:{report.key}", subject, payloads)

    def send(self, payload: bytes) -> str:
        """Post one stored part; the API's answer, or Refused/Unavailable without the URL."""
        if self.url is None:
            raise Unavailable(self.problem or "no webhook URL")
        content = json.loads(payload)
        request = self.kind.request(
            self.url, title=content["title"], text=content["text"], secret=self.secret, now=self.clock()
        )
        answer = self._post(request)
        self.kind.answer(answer)
        return json.dumps(answer, ensure_ascii=False)

    def _post(self, request: Request) -> Mapping[str, Any]:
        try:
            response = httpx.post(request.url, content=body(request), headers=_JSON, timeout=self.timeout)
        except httpx.TimeoutException:
            raise Unavailable(f"{self.kind.name} {self.id}: no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise Unavailable(f"{self.kind.name} {self.id}: {self._scrub(str(exc))}") from None
        if response.status_code == 429:
            raise Throttled(f"{self.kind.name} {self.id}: HTTP 429 (too many requests)", retry_after=60)
        if response.status_code >= 500:
            raise Unavailable(f"{self.kind.name} {self.id}: HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code != 200 or not isinstance(answer, dict):
            raise Refused(f"{self.kind.name} {self.id}: HTTP {response.status_code}, not the API's answer")
        return answer

    def _scrub(self, text: str) -> str:
        """``text`` without the webhook URL, its parts or the secret (an error may quote them)."""
        parts = _url_secrets(self.url or "") + ([self.secret] if self.secret else [])
        for secret in sorted(parts, key=len, reverse=True):
            text = text.replace(secret, "***")
        return " ".join(text.split())


def _url_secrets(url: str) -> list[str]:
    """The pieces of a webhook URL that work as its password: the URL, its path, its query values."""
    parts = httpx.URL(url) if url else None
    if parts is None:
        return []
    values = [value for _, value in parts.params.multi_items() if len(value) >= 8]
    tail = parts.path.rsplit("/", 1)[-1]
    return [url, *values, *([tail] if len(tail) >= 8 else [])]


def _payload(title: str, text: str) -> bytes:
    return json.dumps({"title": title, "text": text}, ensure_ascii=False).encode("utf-8")


def refused(kind: str, answer: Mapping[str, Any], *, code: object, waits: Mapping[int, int]) -> Refused:
    """The Refused (or Throttled, for the codes in ``waits``) that ``answer`` means."""
    message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
    text = f"{kind} answered {code}: {' '.join(str(message).split())[:300]}"
    if isinstance(code, int) and code in waits:
        return Throttled(text, retry_after=waits[code])
    return Refused(text)


def markdown_lines(text: str, replace: Sequence[tuple[str, str]]) -> str:
    """Each line of ``text`` with the first matching line prefix of ``replace`` swapped."""
    out = []
    for line in text.split("\n"):
        for prefix, instead in replace:
            if line.startswith(prefix):
                line = instead.format(line[len(prefix) :])
                break
        out.append(line)
    return "\n".join(out)
