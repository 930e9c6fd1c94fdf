"""`xxgk crawl` on issue 10's demo sites, compared with their ground truth: exact items with
families set and with every column `cms: auto`, and no request to what robots.txt disallows.

Each test runs real crawls (the crawler subprocess) against the demo campus on loopback, in a
fresh working directory (so the robots and HTTP caches under var/cache start cold), on SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from w3lib.url import canonicalize_url

from monitor import store
from monitor.cli import main
from monitor.demo import (
    DemoCampus,
    DemoServer,
    build_campus,
    demo_config_yaml,
    expected_items,
    expected_outcomes,
)
from monitor.demo.configfile import CmsChoice
from monitor.demo.layout import NEW_SITES
from monitor.demo.paging import first_page_aliases, list_urls
from monitor.store import crawls
from tests.demo.conftest import TODAY

ROOT = Path(__file__).resolve().parents[2]
NEW_SITE_IDS = [site.id for sites in NEW_SITES.values() for site in sites]
Items = dict[str, dict[str, tuple[str, dt.date | None]]]


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoServer]:
    monkeypatch.chdir(tmp_path)  # a cold var/cache
    with DemoServer(build_campus(today=TODAY, new_columns=True)) as server:
        yield server


def crawl(server: DemoServer, tmp_path: Path, *args: str, cms: CmsChoice = "family") -> str:
    """Write the config, run `xxgk crawl --full --today TODAY …`; the database URL."""
    config = tmp_path / f"demo-{cms}.yaml"
    checklist = str(ROOT / "config" / "checklist.yaml")
    text = demo_config_yaml(server.campus, port=server.port, checklist_path=checklist, cms=cms)
    # these tests count the column crawl's own requests (issue 12's link checks add their own)
    config.write_text(text + "checks: {link_checks: false}\n", encoding="utf-8")
    db_url = f"sqlite:///{tmp_path / 'xxgk.db'}"
    argv = ["--config", str(config), "--db", db_url, "crawl", "--full", "--today", TODAY.isoformat(), *args]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 0, result.stdout + result.stderr
    return db_url


def outcomes_and_items(db_url: str) -> tuple[dict[tuple[str, str], str], Items]:
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            run = crawls.latest_run(session, institution_key="demo")
            assert run is not None
            rows = crawls.run_fetches(session, run_id=run[0])
            items = crawls.site_items(session, institution_key="demo")
    finally:
        engine.dispose()
    return {(r.site, r.column): r.outcome for r in rows}, items


def assert_exact(campus: DemoCampus, db_url: str, *, sites: list[str]) -> None:
    """Outcomes, then items per site (up to three of each kind of difference, every site listed)."""
    outcomes, got = outcomes_and_items(db_url)
    want_outcomes = {key: value for key, value in expected_outcomes(campus).items() if key[0] in sites}
    assert {k: (v, want_outcomes.get(k)) for k, v in outcomes.items() if v != want_outcomes.get(k)} == {}
    assert set(outcomes) == set(want_outcomes)
    truth, differences = expected_items(campus), {}
    for site in sites:
        want, have = truth[site], got.get(site, {})
        missing, extra = sorted(set(want) - set(have)), sorted(set(have) - set(want))
        wrong = [(url, have[url], want[url]) for url in want if url in have and have[url] != want[url]]
        if missing or extra or wrong:
            differences[site] = (
                f"{len(missing)} missing, {len(extra)} extra, {len(wrong)} of {len(want)} wrong: "
            )
            differences[site] += f"{(missing + extra)[:2]} (url, stored, truth) {wrong[:2]}"
    assert differences == {}


def test_new_sites_with_families_set_are_stored_exactly(served: DemoServer, tmp_path: Path) -> None:
    sites = [arg for site in NEW_SITE_IDS for arg in ("--site", site)]
    assert_exact(served.campus, crawl(served, tmp_path, *sites), sites=NEW_SITE_IDS)


def test_every_column_auto_is_stored_exactly(served: DemoServer, tmp_path: Path) -> None:
    db_url = crawl(served, tmp_path, cms="auto")
    assert_exact(served.campus, db_url, sites=[site.id for site in served.campus.sites()])


def test_a_disallowed_column_is_never_requested_from_a_cold_cache(served: DemoServer, tmp_path: Path) -> None:
    """The VSB column's robots.txt lines are /xsgz.htm and /xsgz/; the WebPlus one's /lqcx/."""
    db_url = crawl(served, tmp_path, "--site", "hxxy", "--site", "wh-zsb")
    forbidden = {site: served.campus.site(site).robots_disallow for site in ("hxxy", "wh-zsb")}
    asked = [(r.site, r.target) for r in served.requests() if r.site in forbidden]
    assert [(site, target) for site, target in asked if target.startswith(forbidden[site])] == []
    assert ("hxxy", "/robots.txt") in asked
    outcomes, _ = outcomes_and_items(db_url)
    assert outcomes[("hxxy", "xsgz")] == outcomes[("wh-zsb", "lqcx")] == "robots_disallowed"


def _nightly(server: DemoServer, tmp_path: Path, db_url: str, *args: str) -> list[str]:
    """Run a crawl without --full; the canonical URLs it asked for (robots.txt left out)."""
    before = len(server.requests())
    config = tmp_path / "demo-family.yaml"
    argv = ["--config", str(config), "--db", db_url, "crawl", "--today", TODAY.isoformat(), *args]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 0, result.stdout + result.stderr
    asked = server.requests()[before:]
    return [canonicalize_url(server.url(r.site, r.target)) for r in asked if r.target != "/robots.txt"]


def test_a_nightly_crawl_with_nothing_new_costs_about_one_request_per_column(
    served: DemoServer, tmp_path: Path
) -> None:
    """Issue 10's bound: at most 1.05 requests per column (robots.txt excluded), title-only columns
    included; a column the crawler may ask for is one on a site that answers, not disallowed."""
    db_url = crawl(served, tmp_path)
    asked = _nightly(served, tmp_path, db_url)
    sites = [site for site in served.campus.sites() if site.behaviour != "down"]
    columns = [(site, c) for site in sites for c in site.columns if c.behaviour != "disallowed"]
    firsts = {canonicalize_url(served.url(site.id, column.path)) for site, column in columns}
    assert len(asked) <= 1.05 * len(columns), sorted(url for url in asked if url not in firsts)


def test_new_items_cost_one_article_each_and_only_where_the_date_is(
    served: DemoServer, tmp_path: Path
) -> None:
    """After publishing to four new columns, the nightly crawl stores exactly the new items and
    opens only the articles of the new items whose date is on the article alone, each once."""
    campus, sites = served.campus, [arg for site in NEW_SITE_IDS for arg in ("--site", site)]
    db_url = crawl(served, tmp_path, *sites)
    published = {
        (site, column): campus.publish(site, column, 4, on=TODAY)
        for site, column in (("xgb", "xgdt"), ("wh-dzb", "tzgg"), ("wh-xsc", "tzgg"), ("sz-rwxy", "tzgg"))
    }
    asked = _nightly(served, tmp_path, db_url, *sites)
    assert_exact(campus, db_url, sites=NEW_SITE_IDS)
    lists = {
        canonicalize_url(served.url(site.id, path))
        for site in campus.sites()
        for column in site.columns
        for path in (*list_urls(column), *first_page_aliases(column))
    }
    articles = sorted(url for url in asked if url not in lists)
    new_xgb = sorted(canonicalize_url(served.url("xgb", item.href)) for item in published[("xgb", "xgdt")])
    assert articles == new_xgb
