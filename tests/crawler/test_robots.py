"""No URL that robots.txt disallows is fetched, with a cold robots cache or a warm one, redirects included.

A loopback site whose robots.txt disallows ``/col.htm`` and ``/col/``; the real ``xxgk crawl``
in an empty working directory (so ``var/cache`` starts cold), then again (warm). The server's
request log is the evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor import store
from monitor.store import crawls
from tests.crawler.loopback import Site, article_page, config_yaml, list_page, serving, xxgk

ROBOTS = "User-agent: *\nDisallow: /col.htm\nDisallow: /col/\n"
ROWS = [(f"/info/{n}.htm", f"关于第{n}批项目的通知", f"2026-11-{20 - n:02d}") for n in range(1, 8)]
DISALLOWED = ("/col.htm", "/col/")
TITLES = [(f"/go/{n}.htm", f"第{n}期学术报告通知") for n in range(1, 7)]


@pytest.fixture
def site() -> Iterator[Site]:
    paths = ("/ok/list.htm", "/col.htm", "/col/list2.htm", "/col/list3.htm")
    pages = {path: list_page(ROWS) for path in paths}
    redirects = {"/moved.htm": "/col/list2.htm", "/gone.htm": "/col.htm", "/go/1.htm": "/col/a.htm"}
    # a title-only list whose first article redirects into the disallowed directory
    pages["/titles/list.htm"] = list_page([(href, title, "") for href, title in TITLES])
    pages["/col/a.htm"] = article_page("第1期学术报告通知", "2026-11-01")
    with serving(Site(pages=pages, redirects=redirects, robots=ROBOTS)) as running:
        yield running


@pytest.fixture
def config(tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # var/cache/ is relative to the working directory: cold
    columns = {
        "ok": {"url": "/ok/list.htm"},
        "col": {"url": "/col.htm"},
        "moved": {"url": "/moved.htm"},
        "gone": {"url": "/gone.htm"},
        "sub": {"url": "/col/list2.htm"},
        "sub2": {"url": "/col/list3.htm"},
        "titles": {"url": "/titles/list.htm"},
    }
    path = tmp_path / "t.yaml"
    path.write_text(config_yaml(site, columns), encoding="utf-8")
    return path


def outcomes(db_url: str) -> dict[str, str]:
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            run = crawls.latest_run(session, institution_key="t")
            assert run is not None
            return {row.column: row.outcome for row in crawls.run_fetches(session, run_id=run[0])}
    finally:
        engine.dispose()


def stored_urls(db_url: str) -> set[str]:
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            sites = crawls.site_items(session, institution_key="t")
            return {url for items in sites.values() for url in items}
    finally:
        engine.dispose()


def disallowed(seen: list[str]) -> list[str]:
    return [path for path in seen if path.startswith(DISALLOWED)]


def test_a_cold_cache_fetches_no_disallowed_page(tmp_path: Path, site: Site, config: Path) -> None:
    """Every column's first request waits for the robots.txt being fetched (Scrapy's middleware
    handed the parser to the first waiter only: the others went out unchecked)."""
    assert not (tmp_path / "var").exists()
    site.delays["/robots.txt"] = 0.5  # a first fetch over a real network: the columns queue behind it
    code, out = xxgk(config, f"sqlite:///{tmp_path / 'x.db'}", "crawl", "--full", "--site", "s")
    assert code == 0, out
    assert site.seen[0] == "/robots.txt"
    assert disallowed(site.seen) == []
    lists = [path for path in site.seen[1:] if not path.startswith("/go/")]
    assert sorted(lists) == ["/gone.htm", "/moved.htm", "/ok/list.htm", "/titles/list.htm"]
    assert outcomes(f"sqlite:///{tmp_path / 'x.db'}") == {
        "ok": "ok",
        "col": "robots_disallowed",
        "moved": "robots_disallowed",
        "gone": "robots_disallowed",
        "sub": "robots_disallowed",
        "sub2": "robots_disallowed",
        "titles": "ok",
    }


def test_a_warm_cache_fetches_no_disallowed_page_either(tmp_path: Path, site: Site, config: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    assert xxgk(config, db_url, "crawl", "--full", "--site", "s")[0] == 0
    assert xxgk(config, db_url, "crawl", "--site", "s")[0] == 0
    assert (tmp_path / "var" / "cache" / "t").is_dir()
    assert site.seen.count("/robots.txt") == 1  # the second crawl read it from the cache
    assert disallowed(site.seen) == []
    assert outcomes(db_url)["col"] == "robots_disallowed"
    assert stored_urls(db_url) == {site.url(href) for href, *_ in ROWS + TITLES}
    assert site.seen.count("/go/1.htm") == 1  # its redirect was not followed, nor is it asked again


def test_redirects_to_allowed_pages_are_still_followed(tmp_path: Path, site: Site, config: Path) -> None:
    site.redirects["/moved.htm"] = "/ok/list.htm"
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    assert xxgk(config, db_url, "crawl", "--full", "--site", "s")[0] == 0
    assert outcomes(db_url)["moved"] == "ok"
    assert disallowed(site.seen) == []


@pytest.mark.parametrize("status", [500, 503])
def test_a_robots_txt_that_fails_with_a_cold_cache_fetches_nothing(
    tmp_path: Path, site: Site, config: Path, status: int
) -> None:
    """RFC 9309 §2.3.1.4: robots.txt unreachable through a server error means complete disallow."""
    site.robots_status = status
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    assert xxgk(config, db_url, "crawl", "--full", "--site", "s")[0] == 0
    assert site.seen == ["/robots.txt"] * 4  # retried like any request (retries: 3), then given up
    assert set(outcomes(db_url).values()) == {"unreachable"}
    assert stored_urls(db_url) == set()


def test_a_robots_txt_that_recovers_is_read_on_the_next_crawl(
    tmp_path: Path, site: Site, config: Path
) -> None:
    site.robots_status = 503
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    assert xxgk(config, db_url, "crawl", "--full", "--site", "s")[0] == 0
    site.robots_status = 200
    assert xxgk(config, db_url, "crawl", "--site", "s")[0] == 0  # a failed robots.txt was not cached
    assert outcomes(db_url)["ok"] == "ok"
    assert outcomes(db_url)["col"] == "robots_disallowed"
    assert disallowed(site.seen) == []


def test_a_site_without_robots_txt_is_crawled(tmp_path: Path, site: Site, config: Path) -> None:
    site.robots_status = 404
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    assert xxgk(config, db_url, "crawl", "--full", "--site", "s")[0] == 0
    assert set(outcomes(db_url).values()) == {"ok"}
