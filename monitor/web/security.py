"""Sessions, CSRF tokens, password hashing, the login rate limit and the security headers.

The session is a cookie holding ``{user, csrf, expires}`` as base64 JSON, signed with HMAC-SHA256
over the server's secret: the server keeps no session table, and a tampered cookie is no session.
Every form carries the session's CSRF token in a hidden field, compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

COOKIE = "xxgk_session"
SESSION_SECONDS = 12 * 3600
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

_hasher = PasswordHasher()
#: Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SessionData:
    user: str | None
    csrf: str
    expires: float

    @classmethod
    def fresh(cls, user: str | None = None) -> SessionData:
        return cls(user=user, csrf=secrets.token_urlsafe(32), expires=time.time() + SESSION_SECONDS)


class Signer:
    """Signs and opens session cookies with one secret."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"xxgk-session:" + secret.encode()).digest()

    def _mac(self, body: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.digest(self._key, body, "sha256")).decode().rstrip("=")

    def dump(self, data: SessionData) -> str:
        payload = json.dumps({"u": data.user, "c": data.csrf, "e": data.expires}, separators=(",", ":"))
        body = base64.urlsafe_b64encode(payload.encode()).rstrip(b"=")
        return f"{body.decode()}.{self._mac(body)}"

    def load(self, cookie: str | None) -> SessionData | None:
        """The session in a cookie; None when absent, tampered with or expired."""
        body, _, mac = (cookie or "").partition(".")
        if not body or not hmac.compare_digest(mac, self._mac(body.encode())):
            return None
        try:
            raw = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            data = SessionData(user=raw["u"], csrf=str(raw["c"]), expires=float(raw["e"]))
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        return data if data.expires > time.time() else None


def csrf_ok(session: SessionData | None, token: str | None) -> bool:
    return session is not None and bool(token) and hmac.compare_digest(session.csrf, token or "")


@dataclass
class RateLimiter:
    """At most `limit` failed logins per (username, address) in `window` seconds; in memory."""

    limit: int = 5
    window: float = 300.0
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, key: tuple[str, str]) -> bool:
        with self._lock:
            recent = self._recent(key)
            return len(recent) >= self.limit

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._recent(key).append(time.monotonic())

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] < time.monotonic() - self.window:
            times.popleft()
        return times
