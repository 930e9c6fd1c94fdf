"""Responses and failures turned into column outcomes, on real Scrapy objects."""

from __future__ import annotations

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from crawler import middlewares as mw


def page(html: str, url: str = "http://oa.example.edu.cn/") -> HtmlResponse:
    return HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8")


@pytest.mark.parametrize(
    ("url", "login"),
    [
        ("https://ids.hit.edu.cn/authserver/login?service=http%3A%2F%2Foa.hit.edu.cn%2F", True),
        ("http://oa.example.edu.cn/cas/login?service=x", True),
        ("http://sso.example.edu.cn/login", True),
        ("http://www.example.edu.cn/user/login", True),
        ("http://news.example.edu.cn/2022/0901/c1a2/page.htm", False),
        ("http://news.example.edu.cn/xxyw/list.htm?from=login", False),
        ("http://www.example.edu.cn/catalog/loginfo.htm", False),
    ],
)
def test_login_urls(url: str, login: bool) -> None:
    assert mw.is_login_url(url) is login


def test_a_password_form_is_a_login_page() -> None:
    assert mw.is_login_page(page('<form><input name="u"><input type="password" name="p"></form>'))


def test_unified_identity_words_with_a_form_are_a_login_page() -> None:
    assert mw.is_login_page(page("<h1>统一身份认证</h1><form action='/x'><button>扫码</button></form>"))


def test_a_news_list_is_no_login_page() -> None:
    html = "<ul><li><a href='/a.htm'>关于统一身份认证系统升级的通知</a><span>2022-09-01</span></li></ul>"
    assert not mw.is_login_page(page(html))


@pytest.mark.parametrize(
    "html",
    [
        "<title>访问验证</title><script>var a=1;</script>",
        "<p>您的访问被拦截，请稍后再试</p>",
        "<script>document.cookie='__jsl_clearance=1'</script>",
        "<noscript>Please enable JavaScript to continue</noscript>",
    ],
)
def test_anti_bot_pages_are_block_pages(html: str) -> None:
    assert mw.is_block_page(page(html))


def test_an_ordinary_page_is_no_block_page() -> None:
    assert not mw.is_block_page(page("<ul><li><a href='/a.htm'>学校召开安全工作会议</a></li></ul>"))


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(401, "auth_required"), (403, "blocked"), (412, "blocked"), (429, "blocked"), (404, "not_found"),
     (410, "not_found"), (500, "unreachable"), (503, "unreachable"), (521, "blocked")],
)  # fmt: skip
def test_status_outcomes(status: int, outcome: str) -> None:
    assert mw.outcome_for_status(status) == outcome


def _failure(exc: Exception) -> Failure:
    try:
        raise exc
    except Exception:
        return Failure()


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (IgnoreRequest("Forbidden by robots.txt"), "robots_disallowed"),
        (mw.RobotsUnavailable("HTTP 503", status=503), "unreachable"),
        (ConnectionRefusedError(), "unreachable"),
        (DNSLookupError("no such host"), "unreachable"),
        (TimeoutError(), "unreachable"),
        (HttpError(Response("http://x.edu.cn/", status=404, request=Request("http://x.edu.cn/")), "404"),
         "not_found"),
    ],
)  # fmt: skip
def test_failure_outcomes(exc: Exception, outcome: str) -> None:
    assert mw.outcome_for_failure(_failure(exc))[0] == outcome


@pytest.mark.parametrize(
    ("html", "gone"),
    [
        ("<title>404</title><h1>页面不存在</h1><p>您访问的页面不存在或已被删除</p>", "页面不存在"),
        ("<title>提示</title><p>对不起，信息不存在！</p>", "对不起，信息不存在！"),
        ("<title>404 Not Found</title><h1>Not Found</h1>", "404 Not Found"),
        # a list of notices, one of them about deleted records, is not a "not found" page
        (
            "<title>通知公告</title><ul><li><a href='/1.htm'>关于已被删除账号的说明及后续处理办法的通知，"
            "请各单位"
            "认真阅读并及时转发给所有相关人员知悉，谢谢配合与支持</a></li></ul>",
            None,
        ),
        ("<title>通知公告</title><p>欢迎访问</p>", None),
    ],
)
def test_soft_404_pages_say_so_in_their_title_or_headings(html: str, gone: str | None) -> None:
    assert (
        mw.soft_404(
            page(
                f"<html><head>{html.split('</title>')[0]}</title></head><body>"
                f"{html.split('</title>')[1]}</body></html>"
            )
        )
        == gone
    )
