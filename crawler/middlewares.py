"""Login walls, blocks and failures turned into column outcomes; retries with exponential backoff.

The outcome vocabulary is DESIGN.md's: ``auth_required`` (a redirect to a login or 统一身份认证
page, 401), ``blocked`` (403, an anti-bot page), ``robots_disallowed``, ``not_found`` (404, or
moved off the configured hosts), ``unreachable`` (connection errors, timeouts, 5xx after
retries), ``parse_failed`` (a page without a recognisable list) — never "stale": a column that
could not be read says why.

The bounds one site may cost (``crawl`` config, issue 11) end as outcomes too: a page over its
size cap (``download_maxsize``, the decompressed size included) is ``parse_failed: page over
16 MB``, a request without a complete answer in time ``unreachable: no complete answer within
30 s``, and a column whose :class:`Budget` is spent stops with ``column time budget … spent``.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.extensions.httpcache import DummyPolicy, FilesystemCacheStorage
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.robotstxt import RobotParser
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet.defer import CancelledError, Deferred
from twisted.python.failure import Failure

_LOGIN_URL = re.compile(
    r"(/|\b)(cas|sso|login|logon|signin|authserver|passport|idp|oauth2?/authorize)\b", re.I
)
_LOGIN_TEXT = ("统一身份认证", "统一认证", "身份认证", "用户登录", "请登录", "登录系统")
_BLOCK_TEXT = (
    "访问验证",
    "安全验证",
    "人机验证",
    "滑动验证",
    "访问过于频繁",
    "您的访问被拦截",
    "已被拦截",
    "web应用防火墙",
    "__jsl_clearance",
    "yunsuo_session",
    "_waf_",
    "challenge-platform",
    "请开启javascript",
    "please enable javascript",
)
_STATUS_OUTCOMES = {401: "auth_required", 403: "blocked", 412: "blocked", 429: "blocked", 521: "blocked"}


def is_login_url(url: str) -> bool:
    return bool(_LOGIN_URL.search(url.split("?", 1)[0]))


def is_login_page(response: Response) -> bool:
    """A login form: a password field, or the words of a unified-identity page."""
    if not isinstance(response, HtmlResponse):
        return False
    if response.css('input[type="password"], input[type=password]'):
        return True
    head = response.text[:20000]
    return any(word in head for word in _LOGIN_TEXT) and bool(response.css("form"))


def is_block_page(response: Response) -> bool:
    """An anti-bot or WAF interstitial instead of content."""
    if not isinstance(response, TextResponse):
        return False
    head = response.text[:20000].lower()
    return any(word.lower() in head for word in _BLOCK_TEXT)


def outcome_for_status(status: int) -> str:
    """The outcome of a list page answered with a non-2xx status (redirects handled apart)."""
    if status in _STATUS_OUTCOMES:
        return _STATUS_OUTCOMES[status]
    if status >= 500:
        return "unreachable"
    return "not_found"


def megabytes(size: float) -> str:
    return f"{size / 2**20:g} MB"


def outcome_for_failure(failure: Failure) -> tuple[str, int | None, str]:
    """(outcome, HTTP status, message) for a request that failed before reaching a callback."""
    exc = failure.value
    meta = getattr(getattr(failure, "request", None), "meta", {})
    if isinstance(exc, RobotsUnavailable):
        return "unreachable", exc.status, str(exc)
    if isinstance(exc, BudgetSpent):
        return "unreachable", None, str(exc)
    if isinstance(exc, (CancelledError, DownloadCancelledError)) and meta.get("download_maxsize"):
        # Scrapy's download handler cancels a body (or a Content-Length) over the cap
        return "parse_failed", None, f"page over {megabytes(meta['download_maxsize'])}"
    if isinstance(exc, IgnoreRequest) and "during decompression" in str(exc):
        limit = megabytes(meta.get("download_maxsize", 0))
        return "parse_failed", None, f"page over {limit} decompressed (a compression bomb?)"
    if isinstance(exc, DownloadTimeoutError):
        budget = meta.get("budget")
        if isinstance(budget, Budget) and budget.left() <= 0.1:  # cut at the end of the column's time
            return "unreachable", None, str(BudgetSpent(budget.seconds))
        seconds = meta.get("download_timeout")
        within = f"{seconds:.0f} s" if isinstance(seconds, (int, float)) else "the request timeout"
        return "unreachable", None, f"no complete answer within {within}"
    if isinstance(exc, HttpError):
        status = exc.response.status
        return outcome_for_status(status), status, response_status_message(status)
    if isinstance(exc, IgnoreRequest) and "robots.txt" in str(exc).lower():
        return "robots_disallowed", None, "forbidden by robots.txt"
    message = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    return "unreachable", None, " ".join(message.split())[:500]


class RobotsUnavailable(IgnoreRequest):
    """robots.txt could not be read (5xx after retries, or no answer): nothing of the host is fetched."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(f"robots.txt unavailable ({reason}): nothing fetched from this host")
        self.status = status


class _Unavailable(RobotParser):
    """What stands for the robots.txt of a host that did not give one: nothing is allowed."""

    def __init__(self, reason: str, status: int | None) -> None:
        self.reason, self.status = reason, status

    @classmethod
    def from_crawler(cls, crawler: Any, robotstxt_body: bytes) -> _Unavailable:  # pragma: no cover
        raise NotImplementedError("built by RobotsMiddleware only")

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False

    def crawl_delay(self, user_agent: str | bytes) -> float | None:
        return None


class RobotsMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, which fetches no URL of a host whose robots.txt it could not read.

    It also fixes Scrapy's hand-over of the parser to requests that waited for it (see
    :meth:`robot_parser`). And Scrapy parses whatever a robots.txt request answers: a 503
    maintenance page reads as "no rules", a failed download as "allow everything", so every
    column of a host with a broken robots.txt was fetched, disallowed ones included (likely
    with a cold cache: no stored copy to read). RFC 9309 §2.3.1.4: a crawler MUST assume
    complete disallow when robots.txt is unreachable through server or network errors; a 4xx
    (no robots.txt) still allows everything. Requests of such a host fail with
    :class:`RobotsUnavailable`, outcome ``unreachable`` (could not check), not
    ``robots_disallowed``. robots.txt requests are retried as every request is.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """The host's parser, for every request that waited for it.

        Scrapy's own hands the parser to the first request waiting for a robots.txt download
        and None ("no rules") to the others, since a Deferred turned into a Future passes None
        on: with a cold cache, every column of a host but one went out unchecked. Once the wait
        is over, the parser is in ``_parsers``.
        """
        parser = await super().robot_parser(request)
        settled = self._parsers.get(urlparse_cached(request).netloc, parser)
        return parser if isinstance(settled, Deferred) else settled

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if isinstance(rp, _Unavailable):
            self._stats.inc_value("robotstxt/unavailable")
            raise RobotsUnavailable(rp.reason, status=rp.status)
        super().process_request_2(rp, request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status < 500:
            await super()._parse_robots(response, netloc, request)
            return
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        self._settle(netloc, _Unavailable(f"HTTP {response.status}", response.status))

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):
            super()._robots_error(exc, netloc)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._settle(netloc, _Unavailable(" ".join(f"{type(exc).__name__}: {exc}".split())[:200], None))

    def _settle(self, netloc: str, parser: _Unavailable) -> None:
        waiting = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(waiting, Deferred):
            waiting.callback(parser)


class RobotsOnlyPolicy(DummyPolicy):
    """HTTP cache policy: keep robots.txt answers (for HTTPCACHE_EXPIRATION_SECS), nothing else.

    List pages have their own conditional GET (validators kept with each column's complete
    walk); articles are fetched once. Failed robots.txt fetches are not cached.
    """

    def should_cache_request(self, request: Request) -> bool:
        return request.url.endswith("/robots.txt")

    def should_cache_response(self, response: Response, request: Request) -> bool:
        return response.status in (200, 404) and request.url.endswith("/robots.txt")


class RobotsCacheStorage(FilesystemCacheStorage):
    """Scrapy's file cache, but a cache that cannot be written (full disk, not a directory) is
    logged once as a warning and the crawl goes on: robots.txt is then fetched, and obeyed, uncached."""

    _warned = False

    def store_response(self, spider: Any, request: Request, response: Response) -> None:
        try:
            super().store_response(spider, request, response)
        except OSError as exc:
            if not self._warned:
                self._warned = True
                logging.getLogger(__name__).warning(
                    "robots.txt cache not written (%s): going on without it", exc.strerror or exc
                )


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting 0.25 s, 0.5 s, 1 s … (``RETRY_BACKOFF_*``) before each retry.

    A 429 or 503 with ``Retry-After`` is waited for as asked, up to ``RETRY_AFTER_MAX``
    (``crawl.retry_after_max_seconds``) and what is left of the column's :class:`Budget`.
    The wait is an asyncio sleep of this request alone: other hosts, and other requests to the
    same host, go on meanwhile, so a failing host slows nothing but itself.
    """

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 0.25)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 300.0)

    async def _pause(self, request: Request, response: Response | None = None) -> None:
        tries = int(request.meta.get("retry_times", 0))
        wait = min(self.backoff_max, self.backoff_base * 2**tries)
        asked = retry_after(response) if response is not None else None
        if asked is not None:
            wait = max(wait, min(asked, self.retry_after_max))
        budget: Budget | None = request.meta.get("budget")
        if budget is not None:
            wait = min(wait, max(budget.left(), 0.0))
        await asyncio.sleep(wait)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        await self._pause(request, response)
        return self._retry(request, response_status_message(response.status)) or response

    async def process_exception(self, request: Request, exception: Exception) -> Any:  # type: ignore[override]
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        await self._pause(request)
        return self._retry(request, exception)


@dataclass
class Budget:
    """The wall time a column may take (``crawl.column_budget_seconds``), counted from its first
    request leaving for the downloader: retries, rounds and Retry-After waits included."""

    seconds: float
    started: float | None = None

    def start(self) -> None:
        if self.started is None:
            self.started = time.monotonic()

    def left(self) -> float:
        return self.seconds if self.started is None else self.seconds - (time.monotonic() - self.started)


class BudgetSpent(IgnoreRequest):
    """The column's time budget is spent: its remaining requests are not sent."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"column time budget of {seconds:g} s spent (crawl.column_budget_seconds)")


class BudgetMiddleware:
    """Downloader middleware: no request of a column whose :class:`Budget` (``meta["budget"]``) is
    spent leaves, and none may take longer than what is left of it (``download_timeout``)."""

    def process_request(self, request: Request) -> None:
        budget: Budget | None = request.meta.get("budget")
        if budget is None:
            return
        budget.start()
        left = budget.left()
        if left <= 0:
            raise BudgetSpent(budget.seconds)
        timeout = request.meta.get("download_timeout")
        if timeout is None or left < timeout:
            request.meta["download_timeout"] = max(left, 0.1)


def retry_after(response: Response) -> float | None:
    """The seconds a 429 or 503 asks to wait (``Retry-After``: seconds or an HTTP date), if any."""
    if response.status not in (429, 503):
        return None
    value = (response.headers.get("Retry-After") or b"").decode("latin-1").strip()
    if value.isdecimal():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


#: What "page not found" pages served with 200 say (a soft 404), in their title or headings; the
#: Chinese words before a bare "404" or "Not Found", which says less.
_SOFT_404 = (
    re.compile(
        r"页面不存在|网页不存在|页面未找到|找不到(?:该|此|您要访问的)?页面|您(?:所)?访问的页面(?:不存在|已删除)"
        r"|信息不存在|文章不存在|已被删除"
    ),
    re.compile(r"\b404\b|\bnot found\b", re.IGNORECASE),
)
_SOFT_404_XPATH = "//title//text() | //h1//text() | //h2//text() | //h3//text() | //p//text()"


def soft_404(response: Response) -> str | None:
    """The words by which a page answered 200 says it is not there (``页面不存在``), if it says so.

    Only short texts count (the title, headings, paragraphs of under 80 characters), so a list
    that holds a notice titled "…已被删除的…" is not one; the caller asks only of a page on which
    no list was recognised.
    """
    if not isinstance(response, TextResponse):
        return None
    texts = [t.strip() for t in response.xpath(_SOFT_404_XPATH).getall()]
    texts = [t for t in texts if t and len(t) < 80]
    for pattern in _SOFT_404:
        for text in texts:
            found = pattern.search(text)
            if found:
                return text if len(text) <= 40 else found[0]
    return None
