"""crawler.urls: canonical URLs, attachments, hosts."""

from __future__ import annotations

import pytest

from crawler.urls import canonical, host_of, is_attachment, same_site

LIST = "https://www.lntdxy.com/zbgg.htm"


@pytest.mark.parametrize(
    ("href", "base", "expected"),
    [
        ("../info/1039/3201.htm", LIST, "https://www.lntdxy.com/info/1039/3201.htm"),
        ("info/1039/3201.htm", LIST, "https://www.lntdxy.com/info/1039/3201.htm"),
        ("  /2022/1205/c814a216251/page.htm  ", "https://news.qlu.edu.cn/814/list.htm",
         "https://news.qlu.edu.cn/2022/1205/c814a216251/page.htm"),
        ("?page=1", "http://today.hit.edu.cn/category/10", "http://today.hit.edu.cn/category/10?page=1"),
        ("http://x.edu.cn/a/../b/./c.htm#top", LIST, "http://x.edu.cn/b/c.htm"),
        ("HTTP://Today.HIT.edu.cn/article/2026/10/05/1#comments", LIST,
         "http://today.hit.edu.cn/article/2026/10/05/1"),
        ("?maxPageItems=20&keywords=&pager.offset=40", "https://www.hitsz.edu.cn/article/id-74.html",
         "https://www.hitsz.edu.cn/article/id-74.html?keywords=&maxPageItems=20&pager.offset=40"),
        ("/upload/校园地图.pdf", "http://x.edu.cn/", "http://x.edu.cn/upload/%E6%A0%A1%E5%9B%AD%E5%9C%B0%E5%9B%BE.pdf"),
        # JSP rows: one article whatever the order of its query, which is kept
        ("content.jsp?urltype=news.NewsContentUrl&wbtreeid=1101&wbnewsid=5306", "http://x.edu.cn/list.jsp?wbtreeid=1101",
         "http://x.edu.cn/content.jsp?urltype=news.NewsContentUrl&wbnewsid=5306&wbtreeid=1101"),
        ("./202209/t20220901_123456.html", "http://x.gov.cn/zwgk/tzgg/index.html",
         "http://x.gov.cn/zwgk/tzgg/202209/t20220901_123456.html"),
    ],
)  # fmt: skip
def test_canonical_makes_links_absolute_and_canonical(href: str, base: str, expected: str) -> None:
    assert canonical(href, base=base) == expected


NOT_PAGES = ["", "   ", "#", "#top", "javascript:void(0);", "JavaScript:openWin()", "mailto:a@hit.edu.cn"]


@pytest.mark.parametrize("href", [*NOT_PAGES, "tel:0451-86412114", "ftp://ftp.hit.edu.cn/pub/"])
def test_canonical_refuses_links_that_are_no_page(href: str) -> None:
    assert canonical(href, base=LIST) is None


def test_canonical_of_one_article_reached_three_ways_is_one_url() -> None:
    forms = ["../info/1039/3201.htm", "/info/1039/3201.htm#top", "HTTPS://WWW.LNTDXY.COM/info/1039/3201.htm"]
    assert len({canonical(form, base=LIST) for form in forms}) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://jwc.hit.edu.cn/_upload/article/files/12/34/a/校历.PDF", True),
        ("http://x.edu.cn/files/%E5%90%8D%E5%8D%95.xlsx", True),
        ("http://x.edu.cn/a.docx", True),
        ("http://x.edu.cn/a.wps", True),
        ("http://x.edu.cn/a.et", True),
        ("http://x.edu.cn/a.7z", True),
        ("http://x.edu.cn/a.txt?v=1", True),
        (
            "http://x.edu.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid=2",
            True,
        ),
        ("http://x.edu.cn/info/1039/3201.htm", False),
        ("http://x.edu.cn/2022/1205/c814a216251/page.htm", False),
        ("http://x.edu.cn/list.jsp?file=a.pdf", False),
        ("http://x.edu.cn/pdf/", False),
    ],
)
def test_is_attachment(url: str, expected: bool) -> None:
    assert is_attachment(url) is expected


def test_host_of() -> None:
    assert host_of("https://News.QLU.edu.cn:8443/814/list.htm") == "news.qlu.edu.cn"
    assert host_of("not a url") == ""


def test_same_site_compares_exact_hosts() -> None:
    hosts = frozenset({"today.hit.edu.cn", "News.Hit.edu.cn"})
    assert same_site("http://today.hit.edu.cn/article/2026/10/05/1", hosts)
    assert same_site("http://news.hit.edu.cn/xxyw/list.htm", hosts)
    assert not same_site("https://mp.weixin.qq.com/s/abc", hosts)
    assert not same_site("http://hit.edu.cn/", hosts)
