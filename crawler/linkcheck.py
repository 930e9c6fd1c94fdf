"""Why a link did not open, told from its answer: pure functions over Scrapy responses and failures.

Reasons (``monitor.store.models.LINK_REASONS``): ``ok``; ``not_found`` (404) and ``gone`` (410);
``soft_404`` (200 with 页面不存在/已删除 …, :func:`crawler.middlewares.soft_404`); ``auth_required``
(401, a login page, a redirect to 统一身份认证); ``blocked`` (403, 412, 429, an anti-bot page);
``timeout``; ``dns`` (the host name does not resolve); ``unreachable`` (refused, reset);
``server_error`` (5xx); ``robots_disallowed``. ``blocked`` and ``robots_disallowed`` say the
monitor could not look, not that the link is broken (:data:`NOT_JUDGED`).
"""

from __future__ import annotations

from collections.abc import Iterable

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from crawler import middlewares as mw
from crawler.article.page import without_asides
from crawler.urls import canonical, host_of, is_attachment

#: Reasons that say nothing about the link: the check itself was refused.
NOT_JUDGED = frozenset({"ok", "blocked", "robots_disallowed"})
#: HEAD answers that mean "ask with GET" (the server does not do HEAD).
HEAD_REFUSED = frozenset({400, 403, 405, 406, 501})
MAX_LINKS_PER_PAGE = 100


def reason_for_status(status: int) -> str:
    """The reason of a non-2xx, non-redirect answer."""
    if status == 410:
        return "gone"
    if status in (401, 407):
        return "auth_required"
    if status in (403, 412, 429, 451, 521):
        return "blocked"
    if status >= 500:
        return "server_error"
    return "not_found" if status >= 400 else "ok"


def reason_for_page(response: Response) -> str:
    """The reason of a 200 answer: a page that says it is not there, asks to log in, or blocks."""
    if mw.is_login_url(response.url) or mw.is_login_page(response):
        return "auth_required"
    if mw.is_block_page(response):
        return "blocked"
    if isinstance(response, TextResponse) and mw.soft_404(response):
        return "soft_404"
    return "ok"


def reason_for_failure(failure: Failure) -> str:
    """The reason of a request that got no answer."""
    exc = failure.value
    if isinstance(exc, DNSLookupError):
        return "dns"
    if isinstance(exc, (TimeoutError, TCPTimedOutError)):
        return "timeout"
    if isinstance(exc, IgnoreRequest) and "robots.txt" in str(exc).lower():
        return "robots_disallowed"
    outcome, status, message = mw.outcome_for_failure(failure)
    if outcome == "robots_disallowed":
        return outcome
    if "within" in message or "timed out" in message.lower() or "timeout" in type(exc).__name__.lower():
        return "timeout"
    if status is not None:
        return reason_for_status(status)
    return "unreachable"


def page_links(response: TextResponse, *, hosts: frozenset[str], external: bool) -> list[tuple[str, bool]]:
    """The links of an article page's content (sidebars, footers and comments left out), each once:
    (canonical URL, is an attachment), on `hosts` unless `external`; the page itself left out."""
    try:
        tree = without_asides(response)
    except Exception:  # an odd tree: read every anchor instead
        tree = response.selector.root
    hrefs: Iterable[str] = tree.xpath("//a/@href | //iframe/@src | //embed/@src")
    found: dict[str, bool] = {}
    own = response.url.split("#", 1)[0]
    for href in hrefs:
        url = canonical(str(href), base=response.url)
        if url is None or url == own or url in found:
            continue
        if not external and host_of(url) not in hosts:
            continue
        found[url] = is_attachment(url)
        if len(found) >= MAX_LINKS_PER_PAGE:
            break
    return list(found.items())
