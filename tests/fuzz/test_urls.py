"""Fuzz crawler.urls: any link on any page is a canonical http(s) URL or no page, never an error."""

from __future__ import annotations

from hypothesis import example, given

from crawler import urls
from tests.fuzz.strategies import BASES, URLS

HOSTS = frozenset({"jwc.hit.edu.cn", "news.qlu.edu.cn"})


@given(href=URLS, base=BASES)
@example(href="http://[::1/a", base="http://jwc.hit.edu.cn/")  # an unclosed IPv6 bracket
@example(href="http://[x]/a.pdf", base="http://jwc.hit.edu.cn/")  # brackets around no address
@example(href="http://jwc.hit.edu.cn:99999/x", base="http://jwc.hit.edu.cn/")  # port out of range
@example(href="x.htm", base="http://[::1/list.htm")  # a broken page URL
@example(href="http://jwc.hit.edu.cn@\x00", base="http://jwc.hit.edu.cn/")  # a NUL for a host
@example(href="http://jwc.hit.edu.cn\x00/x", base="http://jwc.hit.edu.cn/")
@example(href="http://jwc.hit.edu.cn////.pdf", base="http://jwc.hit.edu.cn/")  # // then a dot segment
def test_canonical_is_an_absolute_http_url_without_fragment_or_none(href: str, base: str) -> None:
    url = urls.canonical(href, base=base)
    if url is None:
        return
    assert url.startswith(("http://", "https://"))
    assert "#" not in url
    assert urls.canonical(url, base=url) == url  # canonical twice is canonical once
    assert urls.host_of(url).isprintable()
    assert urls.host_of(url)
    assert isinstance(urls.is_attachment(url), bool)


@given(url=URLS)
@example(url="http://[::1/a")
@example(url="http://[x]/a.pdf")
@example(url="//[/")
def test_attachment_and_host_checks_answer_for_any_string(url: str) -> None:
    assert isinstance(urls.is_attachment(url), bool)
    host = urls.host_of(url)
    assert host == host.lower()
    assert urls.same_site(url, HOSTS) == (host in HOSTS)


def test_a_path_starting_with_two_slashes_keeps_them_when_dot_segments_go() -> None:
    # urljoin reads a bare //evil.com/./x as a host and a path; the path of a URL is never a host
    base = "http://jwc.hit.edu.cn/"
    assert (
        urls.canonical("http://jwc.hit.edu.cn//evil.com/./x", base=base)
        == "http://jwc.hit.edu.cn//evil.com/x"
    )
    assert urls.canonical("http://jwc.hit.edu.cn////.pdf", base=base) == "http://jwc.hit.edu.cn////.pdf"
