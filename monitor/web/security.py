"""Sessions, CSRF tokens, password hashing, the login rate limit and the security headers.

The session is a cookie holding ``{user, csrf}`` signed and timestamped by itsdangerous over the
server's secret: the server keeps no session table, and a cookie that was tampered with, signed
with another secret or is older than the session lifetime is no session. Every form carries the
session's CSRF token in a hidden field, compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

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
    """Signs and opens session cookies with one secret; a cookie lives `max_age` seconds.

    `clock` gives the time of signing and of opening (tests move it instead of sleeping).
    """

    SALT = "xxgk-session"

    def __init__(
        self, secret: str, *, max_age: int = SESSION_SECONDS, clock: Callable[[], float] = time.time
    ):
        self.max_age = max_age
        self._serializer = URLSafeTimedSerializer(
            secret, salt=self.SALT, signer=_ClockedSigner, signer_kwargs={"clock": clock}
        )

    def dump(self, data: SessionData) -> str:
        return self._serializer.dumps({"u": data.user, "c": data.csrf})

    def load(self, cookie: str | None) -> SessionData | None:
        """The session in a cookie; None when absent, tampered with or expired."""
        if not cookie:
            return None
        try:
            raw, signed = self._serializer.loads(cookie, max_age=self.max_age, return_timestamp=True)
            user, csrf = raw["u"], raw["c"]
        except (BadSignature, KeyError, TypeError):
            return None
        if not isinstance(csrf, str) or not (user is None or isinstance(user, str)):
            return None
        return SessionData(user=user, csrf=csrf, expires=signed.timestamp() + self.max_age)


class _ClockedSigner(TimestampSigner):
    """itsdangerous' timestamp signer, reading the time from a given clock."""

    def __init__(self, *args: Any, clock: Callable[[], float], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


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
