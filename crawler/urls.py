"""URLs as the crawler stores them: canonical and absolute, with attachment and host checks.

Every link read from a list page goes through :func:`canonical`, so that one article reached by
``../info/1039/3201.htm``, ``/info/1039/3201.htm#top`` or ``HTTP://Host/info/1039/3201.htm`` is one
item. The query is kept (offset pagers and VSB download links live in it) but sorted by
``w3lib.url.canonicalize_url``; the fragment is dropped.

Most links are *plain* (:data:`PLAIN`): http(s), a lower-case host name, a port, and a path of
characters that w3lib leaves alone, with no query, percent-escape or dot segment. For those the
canonical form is the joined URL without its fragment, and w3lib is skipped;
``tests/crawler/test_fast_paths.py`` checks that both give the same string.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

from w3lib.url import canonicalize_url

#: File types that list rows link to directly (RSSHub's hit/jwc and hitwh routes branch on these).
ATTACHMENT_EXTENSIONS = frozenset(
    {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".wps", ".zip", ".rar", ".7z"}
    | {".txt", ".csv", ".et"}
)
#: VSB serves attachments through an HTML interstitial at this path (the file id is in the query).
VSB_DOWNLOAD_PATH = "/system/_content/download.jsp"

#: Link prefixes (lower-cased) that lead to no page.
NOT_PAGES = ("javascript:", "mailto:", "tel:", "data:", "#")
_PORT = r"(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])"
#: A URL that ``canonicalize_url`` returns unchanged: http(s), a lower-case LDH host (or IPv4
#: address), a port in range, and a path of segments that neither start with a dot nor hold a
#: character w3lib would escape or split on (no %, ;, ?, #, space, non-ASCII).
PLAIN = re.compile(
    rf"https?://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::{_PORT})?(?:/(?!\.)[A-Za-z0-9\-._~!$&'()*+,=:@]*)+"
)
_FRAGMENT = re.compile(r"[!-~]*")  # printable ASCII: dropped without a second look
_ORIGIN = re.compile(r"https?://[^/?#]*")
#: scheme://host[:port] followed by the end or by /, ? or # (no user info, no IPv6, ASCII only).
_SIMPLE_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([A-Za-z0-9.-]*)(?::[0-9]*)?(?=[/?#]|$)")


def canonical(url: str, *, base: str) -> str | None:
    """The absolute, canonical form of ``url`` found on ``base``; None for links that are no page."""
    href = url.strip()
    if not href or href.lower().startswith(NOT_PAGES):
        return None
    try:
        return _plain(href, base) or _canonical(href, base)
    except ValueError:  # urllib and w3lib refuse a broken authority: http://[x/, a port over 65535
        return None


def _plain(href: str, base: str) -> str | None:
    """The canonical form of a link that joins to a :data:`PLAIN` URL (its fragment dropped), else None.

    A root-relative link is joined by prefixing the base's origin: for a path without dot
    segments, query or parameters, that is what ``urljoin`` returns.
    """
    origin = _ORIGIN.match(base) if href.startswith("/") and not href.startswith("//") else None
    absolute = origin[0] + href if origin else urljoin(base, href)
    url, _, fragment = absolute.partition("#")
    return url if PLAIN.fullmatch(url) and _FRAGMENT.fullmatch(fragment) else None


def _canonical(href: str, base: str) -> str | None:
    """:func:`canonical` by ``urljoin`` and ``w3lib.url.canonicalize_url``: any link."""
    absolute = urljoin(base, href)
    parts = urlsplit(absolute)
    # A host holding a control character (http://a@\x00/) is no page: w3lib would drop it, leaving none.
    if parts.scheme not in ("http", "https") or not parts.hostname or not parts.hostname.isprintable():
        return None
    if "/." in parts.path:  # urljoin leaves ../ in an absolute href; joining its path resolves them
        # behind "/.", a path that starts with // is not read as a host (http://h//a/./b is not http://a/b)
        path = urlsplit(urljoin(absolute, "/." + parts.path)).path
        absolute = parts._replace(path=path).geturl()
    return canonicalize_url(absolute)


def is_attachment(url: str) -> bool:
    """True for a link to a file (by extension) or to VSB's download page, rather than an article."""
    path = _path(url).lower()
    return path.endswith(VSB_DOWNLOAD_PATH) or suffix(path) in ATTACHMENT_EXTENSIONS


def _path(url: str) -> str:
    """The URL's path, percent-escapes decoded; a :data:`PLAIN` URL's path is all after its host."""
    if PLAIN.fullmatch(url):
        return url[url.index("/", url.index("://") + 3) :]
    try:
        return unquote(urlsplit(url).path)
    except ValueError:  # a broken IPv6 host (http://[x/): no path to read
        return ""


def suffix(path: str) -> str:
    """``PurePosixPath(path).suffix`` without a path object: the last name's extension, if any.

    The last name skips empty and ``.`` segments (``/a.pdf/`` → ``.pdf``); a name that starts or
    ends with its only dot has no extension.
    """
    name = next((part for part in reversed(path.split("/")) if part and part != "."), "")
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def host_of(url: str) -> str:
    """The lower-case host name of ``url`` (no port), or ``""`` when it has none.

    ``urlsplit(url).hostname``, lower-cased; an authority of plain ASCII letters, digits, dots
    and hyphens with an optional port is read with one regex instead.
    """
    plain = _SIMPLE_HOST.match(url)
    if plain:
        return plain[1].lower()
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # a broken IPv6 host (http://[x/) is no host
        return ""


def same_site(url: str, hosts: frozenset[str]) -> bool:
    """True when ``url`` lives on one of ``hosts`` (exact host names, compared case-insensitively)."""
    host = host_of(url)
    return host in hosts or any(host == known.lower() for known in hosts)
