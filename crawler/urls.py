"""URLs as the crawler stores them: canonical and absolute, with attachment and host checks.

Every link read from a list page goes through :func:`canonical`, so that one article reached by
``../info/1039/3201.htm``, ``/info/1039/3201.htm#top`` or ``HTTP://Host/info/1039/3201.htm`` is one
item. The query is kept (offset pagers and VSB download links live in it) but sorted by
``w3lib.url.canonicalize_url``; the fragment is dropped.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from w3lib.url import canonicalize_url

#: File types that list rows link to directly (RSSHub's hit/jwc and hitwh routes branch on these).
ATTACHMENT_EXTENSIONS = frozenset(
    {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".wps", ".zip", ".rar", ".7z"}
    | {".txt", ".csv", ".et"}
)
#: VSB serves attachments through an HTML interstitial at this path (the file id is in the query).
VSB_DOWNLOAD_PATH = "/system/_content/download.jsp"

_NOT_PAGES = ("javascript:", "mailto:", "tel:", "data:", "#")


def canonical(url: str, *, base: str) -> str | None:
    """The absolute, canonical form of ``url`` found on ``base``; None for links that are no page."""
    href = url.strip()
    if not href or href.lower().startswith(_NOT_PAGES):
        return None
    absolute = urljoin(base, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if "/." in parts.path:  # urljoin leaves ../ in an absolute href; joining its path resolves them
        path = urlsplit(urljoin(absolute, parts.path)).path
        absolute = parts._replace(path=path).geturl()
    return canonicalize_url(absolute)


def is_attachment(url: str) -> bool:
    """True for a link to a file (by extension) or to VSB's download page, rather than an article."""
    path = unquote(urlsplit(url).path).lower()
    return path.endswith(VSB_DOWNLOAD_PATH) or PurePosixPath(path).suffix in ATTACHMENT_EXTENSIONS


def host_of(url: str) -> str:
    """The lower-case host name of ``url`` (no port), or ``""`` when it has none."""
    return (urlsplit(url).hostname or "").lower()


def same_site(url: str, hosts: frozenset[str]) -> bool:
    """True when ``url`` lives on one of ``hosts`` (exact host names, compared case-insensitively)."""
    return host_of(url) in {host.lower() for host in hosts}
