"""The HTTP behaviours a crawler meets: conditional GET, login wall, anti-bot block, 404, redesign,
blank column, flaky 503s, a down site, GBK and lying charsets, robots.txt, files, one socket per site."""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlsplit
from urllib.robotparser import RobotFileParser

import pytest

from monitor.demo import SESSION_COOKIE, DemoCampus, DemoServer
from tests.demo.conftest import fetch


def test_conditional_get_answers_304(campus: DemoCampus, server: DemoServer) -> None:
    item = campus.site("news").column("xxyw").items[0]
    for url in (server.url("news", "/xxyw/list.htm"), server.url("news", item.href)):
        first = fetch(url)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        by_tag = fetch(url, {"If-None-Match": etag})
        assert (by_tag.status, by_tag.body, by_tag.headers["etag"]) == (304, b"", etag)
        assert fetch(url, {"If-Modified-Since": modified}).status == 304
        assert fetch(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status == 200
        assert fetch(url, {"If-None-Match": '"other"', "If-Modified-Since": modified}).status == 200


def test_login_wall_redirects_and_opens_to_the_cookie(server: DemoServer) -> None:
    wall = fetch(server.url("oa", "/tzgg.htm"))
    assert wall.status == 302
    location = urlsplit(wall.headers["location"])
    assert location.path == "/cas/login"
    assert parse_qs(location.query)["service"] == [server.url("oa", "/tzgg.htm")]
    login = fetch(wall.headers["location"])
    assert login.status == 200
    assert "统一身份认证" in login.text
    assert login.doc().cssselect('input[type="password"]')
    inside = fetch(server.url("oa", "/tzgg.htm"), {"Cookie": f"lang=zh; {SESSION_COOKIE}"})
    assert inside.status == 200
    assert inside.doc().cssselect("li#line_u5_0 a")
    assert fetch(server.url("oa", "/tzgg.htm"), {"Cookie": "XXGK_DEMO_SESSION=wrong"}).status == 302


def test_blocked_site_answers_403_except_robots(server: DemoServer) -> None:
    blocked = fetch(server.url("wh-zcc", "/cgxx/list.htm"))
    assert blocked.status == 403
    assert "访问验证" in blocked.text
    assert "<script>" in blocked.text
    assert fetch(server.url("wh-zcc", "/robots.txt")).status == 200


def test_missing_redesigned_and_blank_columns(server: DemoServer) -> None:
    assert fetch(server.url("sz-hq", "/lszl/list.htm")).status == 404
    redesigned = fetch(server.url("rsc", "/gzzd/list.htm"))
    assert redesigned.status == 200
    page = redesigned.doc("gb18030")
    assert not page.cssselect("li.news, #wp_news_w6, #wp_paging_w6")
    assert page.cssselect("p a")
    blank = fetch(server.url("sz-hq", "/fwzn/list.htm")).doc()
    assert blank.cssselect("#wp_news_w6 ul.news_list")
    assert not blank.cssselect("li.news")
    assert blank.cssselect("em.all_count")[0].text == "0"


def test_flaky_column_fails_twice_per_page_then_recovers(own_server: DemoServer) -> None:
    for path in ("/jwtz.htm", "/jwtz/3.htm"):
        statuses = [fetch(own_server.url("sz-jwb", path)).status for _ in range(4)]
        assert statuses == [503, 503, 200, 200]
    assert fetch(own_server.url("sz-jwb", "/ksap.htm")).status == 200


def test_down_site_refuses_connections(campus: DemoCampus, server: DemoServer) -> None:
    ip = campus.site("wh-cwc").ip
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((ip, server.port), timeout=5).close()


def test_each_site_answers_on_its_own_address(campus: DemoCampus, server: DemoServer) -> None:
    assert fetch(server.url("news", "/tzgg.htm")).status == 404
    assert fetch(server.url("yjsy", "/tzgg.htm")).status == 200
    assert len({site.ip for site in campus.sites()}) == len(list(campus.sites()))


def test_gbk_site(server: DemoServer) -> None:
    reply = fetch(server.url("rsc", "/rczp/list.htm"))
    assert reply.headers["content-type"] == "text/html"
    text = reply.body.decode("gb18030")
    assert reply.body.decode("gbk") == text
    assert '<meta charset="gbk">' in text
    assert "人才招聘" in text
    with pytest.raises(UnicodeDecodeError):
        reply.body.decode("utf-8")


def test_lying_charset_site(server: DemoServer) -> None:
    reply = fetch(server.url("sz-jwb", "/ksap.htm"))
    assert reply.headers["content-type"] == "text/html"
    assert 'charset=gb2312"' in reply.text
    assert "考试安排" in reply.text
    assert reply.body.decode("gb18030", errors="replace") != reply.text


def test_robots_txt(campus: DemoCampus, server: DemoServer) -> None:
    robots = RobotFileParser()
    robots.parse(fetch(server.url("wh-zsb", "/robots.txt")).text.splitlines())
    assert not robots.can_fetch("xxgk-monitor", server.url("wh-zsb", "/lqcx/list.htm"))
    assert robots.can_fetch("xxgk-monitor", server.url("wh-zsb", "/zsdt/list.htm"))
    everything = RobotFileParser()
    everything.parse(fetch(server.url("news", "/robots.txt")).text.splitlines())
    assert everything.can_fetch("xxgk-monitor", server.url("news", "/xxyw/list.htm"))


@pytest.mark.parametrize(
    ("ext", "content_type"),
    [
        ("pdf", "application/pdf"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_attachments_are_served_with_their_type(
    campus: DemoCampus, server: DemoServer, ext: str, content_type: str
) -> None:
    files = [i for s in campus.sites() for c in s.columns for i in c.items if i.href.endswith(ext)]
    site = next(s for s in campus.sites() for c in s.columns if files[0] in c.items)
    assert files[0].href.startswith("/_upload/article/files/")
    reply = fetch(server.url(site.id, files[0].href))
    assert (reply.status, reply.headers["content-type"]) == (200, content_type)
    assert reply.body


def test_external_links_are_listed_but_not_served(campus: DemoCampus, server: DemoServer) -> None:
    external = [i for i in campus.site("news").column("xxyw").items if i.external]
    assert external
    assert all(i.href.startswith("https://mp.weixin.qq.com/s/") for i in external)
    page = fetch(server.url("news", "/xxyw/list.htm")).text
    pages = [fetch(server.url("news", f"/xxyw/list{k}.htm")).text for k in range(2, 21)]
    assert all(any(i.href in p for p in [page, *pages]) for i in external)


def test_head_and_unknown_methods(server: DemoServer) -> None:
    head = fetch(server.url("news", "/xxyw/list.htm"), method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert int(head.headers["content-length"]) > 0
    assert fetch(server.url("news", "/xxyw/list.htm"), method="DELETE").status == 405
