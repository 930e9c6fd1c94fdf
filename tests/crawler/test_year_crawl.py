"""A year-less list over three years, crawled for real: the articles at the guesses fix the years.

A loopback site (tests/crawler/loopback.py) shows ``MM-DD`` only, 10 rows a page, with an old row on
top that no 置顶 marker flags; each article page prints its full date. The stored dates must be the
articles' dates, for a few article requests, and a second crawl opens no article.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor import store
from monitor.store import crawls
from tests.crawler.loopback import Site, article_page, config_yaml, list_page, serving, xxgk

TODAY = dt.date(2026, 1, 10)
PAGE = 10


def truth(newest: dt.date = dt.date(2025, 12, 24), count: int = 89) -> list[tuple[str, dt.date]]:
    """(path, date): an old 2023-05-30 row on top, then one every 9 days from ``newest`` back."""
    days = [dt.date(2023, 5, 30)] + [newest - dt.timedelta(days=9 * n) for n in range(count)]
    return [(f"/info/{n}.htm", day) for n, day in enumerate(days, start=1)]


def pages(rows: list[tuple[str, dt.date]]) -> dict[str, bytes]:
    out = {}
    chunks = [rows[i : i + PAGE] for i in range(0, len(rows), PAGE)]
    for k, chunk in enumerate(chunks, start=1):
        listed = [(path, f"第{path[6:-4]}号通知", f"{day:%m-%d}") for path, day in chunk]
        more = f"/tzgg/list{k + 1}.htm" if k < len(chunks) else None
        out["/tzgg/list.htm" if k == 1 else f"/tzgg/list{k}.htm"] = list_page(listed, next_path=more)
    for path, day in rows:
        out[path] = article_page(f"第{path[6:-4]}号通知", day.isoformat())
    return out


@pytest.fixture
def site() -> Iterator[Site]:
    with serving(Site(pages=pages(truth()))) as running:
        yield running


@pytest.fixture
def config(tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "t.yaml"
    path.write_text(config_yaml(site, {"tzgg": {"url": "/tzgg/list.htm"}}), encoding="utf-8")
    return path


def stored(db_url: str) -> dict[str, dt.date | None]:
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            items = crawls.site_items(session, institution_key="t").get("s", {})
    finally:
        engine.dispose()
    return {url: day for url, (_, day) in items.items()}


def test_a_year_less_list_over_three_years_gets_every_year_right(
    tmp_path: Path, site: Site, config: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    code, out = xxgk(config, db_url, "crawl", "--full", "--today", TODAY.isoformat())
    assert code == 0, out
    want = {site.url(path): day for path, day in truth()}
    got = stored(db_url)
    wrong = sorted((url, got.get(url), day) for url, day in want.items() if got.get(url) != day)
    assert not wrong, f"{len(wrong)} wrong, e.g. {wrong[:3]}"
    articles = [path for path in site.requests() if path.startswith("/info/")]
    assert len(articles) == len(set(articles))  # each opened once
    assert len(articles) <= 6  # the old top row, the row under it, and one per year boundary


def test_an_old_row_on_top_in_the_same_season_moves_nothing_else(tmp_path: Path, config: Path) -> None:
    """05-30 (2023) above 04-20, 04-11 … (2026), read on 2026-06-01: the old row's article alone
    would pull the rows under it to 2023; the article of the row under it keeps them in 2026."""
    rows = truth(dt.date(2026, 4, 20), 59)
    with serving(Site(pages=pages(rows))) as other:
        config.write_text(config_yaml(other, {"tzgg": {"url": "/tzgg/list.htm"}}), encoding="utf-8")
        db_url = f"sqlite:///{tmp_path / 'x.db'}"
        assert xxgk(config, db_url, "crawl", "--full", "--today", "2026-06-01")[0] == 0
        want = {other.url(path): day for path, day in rows}
    got = stored(db_url)
    wrong = sorted((url, got.get(url), day) for url, day in want.items() if got.get(url) != day)
    assert not wrong, f"{len(wrong)} wrong, e.g. {wrong[:3]}"


def test_a_second_crawl_opens_no_article(tmp_path: Path, site: Site, config: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    assert xxgk(config, db_url, "crawl", "--full", "--today", TODAY.isoformat())[0] == 0
    before = len(site.requests())
    assert xxgk(config, db_url, "crawl", "--today", TODAY.isoformat())[0] == 0
    assert site.requests()[before:] == ["/tzgg/list.htm"]
    assert stored(db_url) == {site.url(path): day for path, day in truth()}
