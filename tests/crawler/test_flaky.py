"""A flaky host (30% of requests answer 503) under ``cms: auto`` is read completely.

The loopback site (tests/crawler/loopback.py) fails at random, from a fixed seed; the list's
pager chains 40 pages, so that one page given up loses every page after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor import store
from monitor.store import crawls
from tests.crawler.loopback import Site, config_yaml, list_page, serving, xxgk

TODAY = dt.date(2026, 11, 26)
PAGES, PER_PAGE = 40, 12


def rows() -> list[tuple[str, str, str]]:
    days = [TODAY - dt.timedelta(days=n) for n in range(PAGES * PER_PAGE)]
    return [
        (f"/info/{n}.htm", f"关于第{n}项工作的通知", day.isoformat()) for n, day in enumerate(days, start=1)
    ]


def pages() -> dict[str, bytes]:
    listed = rows()
    out = {}
    for k in range(1, PAGES + 1):
        chunk = listed[(k - 1) * PER_PAGE : k * PER_PAGE]
        more = f"/tzgg/list{k + 1}.htm" if k < PAGES else None
        out["/tzgg/list.htm" if k == 1 else f"/tzgg/list{k}.htm"] = list_page(chunk, next_path=more)
    return out


@pytest.fixture(params=[4, 5, 6, 7])
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    with serving(Site(pages=pages(), flaky=0.3, seed=request.param)) as running:
        yield running


def test_a_flaky_host_under_auto_loses_nothing(
    tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "t.yaml"
    config.write_text(
        config_yaml(site, {"tzgg": {"url": "/tzgg/list.htm", "cms": "auto"}}, retries=2), encoding="utf-8"
    )
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    code, out = xxgk(config, db_url, "crawl", "--full", "--today", TODAY.isoformat())
    assert code == 0, out
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            got = crawls.site_items(session, institution_key="t").get("s", {})
    finally:
        engine.dispose()
    want = {site.url(href): (title, dt.date.fromisoformat(day)) for href, title, day in rows()}
    assert len(got) == len(want)
    assert got == want
    assert site.seen.count("/tzgg/list.htm") >= 1
    failures = len(site.requests()) - PAGES
    assert failures > 0  # the host did fail
