"""Request economy, counted on the server: an article is opened once per new item, never again.

A loopback title-only column (tests/crawler/loopback.py): its list shows no dates, so each new
item's article is opened for its date, one of them shows none. A second crawl with nothing new
asks for the first list page only; a new item costs its own article and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.extract import extract_list
from monitor import store
from monitor.config import load_config
from monitor.store import crawls
from tests.crawler.loopback import Site, article_page, config_yaml, serving, xxgk

TODAY = dt.date(2026, 11, 26)


def title_only(items: list[tuple[str, str]], *, next_path: str | None) -> bytes:
    rows = "".join(f'<li><a href="{href}" title="{title}">{title}</a></li>' for href, title in items)
    pager = f'<div class="pager"><a href="{next_path}">下一页</a></div>' if next_path else ""
    html = (
        '<html><head><meta charset="utf-8"><title>学术报告</title></head><body>'
        f'<div class="nav"><a href="/">首页</a><a href="/about.htm">学院概况</a></div>'
        f'<div class="main"><ul class="list">{rows}</ul>{pager}</div></body></html>'
    )
    return html.encode("utf-8")


def build(site: Site, count: int) -> None:
    """``count`` items, newest first, 10 a page; item 3's article shows no date."""
    items = [(f"/bg/{n}.htm", f"学术报告第{n}期：材料科学前沿进展") for n in range(count, 0, -1)]
    chunks = [items[i : i + 10] for i in range(0, len(items), 10)]
    site.pages.clear()
    for k, chunk in enumerate(chunks, start=1):
        more = f"/bg/list{k + 1}.htm" if k < len(chunks) else None
        site.pages["/bg/list.htm" if k == 1 else f"/bg/list{k}.htm"] = title_only(chunk, next_path=more)
    for n in range(1, count + 1):
        day = (TODAY - dt.timedelta(days=3 * (count - n))).isoformat()
        body = article_page(f"学术报告第{n}期：材料科学前沿进展", day)
        site.pages[f"/bg/{n}.htm"] = body.replace(f"发布时间：{day}".encode(), b"") if n == 3 else body


@pytest.fixture
def site() -> Iterator[Site]:
    with serving(Site()) as running:
        build(running, 25)
        yield running


@pytest.fixture
def config(tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "t.yaml"
    path.write_text(config_yaml(site, {"bg": {"url": "/bg/list.htm", "cms": "auto"}}), encoding="utf-8")
    return path


def dates(db_url: str) -> dict[str, dt.date | None]:
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            items = crawls.site_items(session, institution_key="t").get("s", {})
    finally:
        engine.dispose()
    return {url: day for url, (_, day) in items.items()}


def articles(paths: list[str]) -> list[str]:
    return [path for path in paths if path.startswith("/bg/") and "list" not in path]


def test_a_title_only_column_opens_each_article_once_ever(tmp_path: Path, site: Site, config: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    assert xxgk(config, db_url, "crawl", "--full", "--today", TODAY.isoformat())[0] == 0
    first = site.requests()
    assert sorted(articles(first)) == sorted(f"/bg/{n}.htm" for n in range(1, 26))
    got = dates(db_url)
    assert got[site.url("/bg/3.htm")] is None  # its article shows no date
    assert got[site.url("/bg/25.htm")] == TODAY
    assert got[site.url("/bg/1.htm")] == TODAY - dt.timedelta(days=72)

    assert xxgk(config, db_url, "crawl", "--today", TODAY.isoformat())[0] == 0
    assert site.requests()[len(first) :] == ["/bg/list.htm"]  # nothing new: one request

    build(site, 27)  # two new items on top
    before = len(site.requests())
    assert xxgk(config, db_url, "crawl", "--today", TODAY.isoformat())[0] == 0
    asked = site.requests()[before:]
    assert sorted(articles(asked)) == ["/bg/26.htm", "/bg/27.htm"]
    assert len(asked) <= 4  # the first page, the two articles, at most the second page
    assert dates(db_url)[site.url("/bg/27.htm")] == TODAY


def test_the_profile_that_read_a_column_is_stored_for_the_next_crawl(
    tmp_path: Path, site: Site, config: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    assert xxgk(config, db_url, "crawl", "--full", "--today", TODAY.isoformat())[0] == 0
    column = load_config(config).campuses[0].sites[0].columns[0]
    page = HtmlResponse(url=site.url("/bg/list.htm"), body=site.pages["/bg/list.htm"], encoding="utf-8")
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            state = crawls.column_states(session, institution_key="t")[("s", "bg")]
    finally:
        engine.dispose()
    assert state.profile == extract_list(page, column=column, today=TODAY).profile
