"""End to end: `xxgk crawl` against the demo campus on loopback, compared with its ground truth.

A real HTTP server (monitor.demo), the real crawler subprocess, a real database on both
backends. Exact items (URL, title, date) per site, the outcome of every column, incremental
crawls after new items appear, and a crawl killed with SIGKILL half-way.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor import store
from monitor.cli import main
from monitor.demo import (
    COOKIE_ENV,
    SESSION_COOKIE,
    DemoCampus,
    DemoServer,
    build_campus,
    demo_config_yaml,
    expected_counts,
    expected_items,
    expected_outcomes,
)
from monitor.demo.configfile import CmsChoice
from monitor.demo.routes import build_index, resolve
from monitor.store import crawls

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def campus() -> DemoCampus:
    return build_campus(today=TODAY)


@pytest.fixture
def server(campus: DemoCampus) -> Iterator[DemoServer]:
    with DemoServer(campus) as running:
        yield running


@pytest.fixture
def config_path(
    tmp_path: Path, campus: DemoCampus, server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.chdir(tmp_path)  # the crawl's var/cache/ (robots.txt) starts cold, as on a first install
    path = tmp_path / "demo.yaml"
    checklist = str(ROOT / "config" / "checklist.yaml")
    path.write_text(demo_config_yaml(campus, port=server.port, checklist_path=checklist), encoding="utf-8")
    return path


def xxgk(config_path: Path, db_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config_path), "--db", db_url, *args])
    return result.exit_code, result.stdout + result.stderr


def stored(db_url: str) -> dict[str, dict[str, tuple[str, dt.date | None]]]:
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            return crawls.site_items(session, institution_key="demo")
    finally:
        engine.dispose()


def last_outcomes(db_url: str) -> tuple[dict[tuple[str, str], str], list[crawls.FetchRow]]:
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            run = crawls.latest_run(session, institution_key="demo")
            assert run is not None
            rows = crawls.run_fetches(session, run_id=run[0])
    finally:
        engine.dispose()
    return {(r.site, r.column): r.outcome for r in rows}, rows


def expected(
    campus: DemoCampus, *, authenticated: bool = False
) -> dict[str, dict[str, tuple[str, dt.date | None]]]:
    return {
        site: items for site, items in expected_items(campus, authenticated=authenticated).items() if items
    }


def assert_same_items(got: dict[str, dict[str, tuple[str, dt.date | None]]], want: dict[str, dict]) -> None:
    assert sorted(got) == sorted(want)
    for site, items in want.items():
        missing = sorted(set(items) - set(got[site]))[:3]
        extra = sorted(set(got[site]) - set(items))[:3]
        assert not missing, f"{site}: missing {missing}"
        assert not extra, f"{site}: extra {extra}"
        wrong = [(url, got[site][url], items[url]) for url in items if got[site][url] != items[url]][:3]
        assert not wrong, f"{site}: (url, stored, truth) {wrong}"


def test_full_crawl_stores_exactly_the_ground_truth(
    campus: DemoCampus, config_path: Path, db_url: str
) -> None:
    code, out = xxgk(config_path, db_url, "crawl", "--full", "--today", TODAY.isoformat())
    assert code == 0, out
    outcomes, _ = last_outcomes(db_url)
    assert outcomes == expected_outcomes(campus)
    assert_same_items(stored(db_url), expected(campus))


def test_stats_match_the_ground_truth_per_site(campus: DemoCampus, config_path: Path, db_url: str) -> None:
    assert xxgk(config_path, db_url, "crawl", "--full", "--today", TODAY.isoformat())[0] == 0
    start, end = TODAY - dt.timedelta(days=364), TODAY
    code, out = xxgk(config_path, db_url, "stats", "--from", str(start), "--to", str(end), "--format", "json")
    assert code == 0, out
    counts = {s["id"]: s["count"] for c in json.loads(out)["campuses"] for s in c["sites"]}
    truth = expected_counts(campus, start, end)
    assert counts == {site: truth.get(site, 0) for site in counts}


def test_a_second_crawl_with_nothing_new_makes_about_one_request_per_column(
    campus: DemoCampus, config_path: Path, db_url: str
) -> None:
    assert xxgk(config_path, db_url, "crawl", "--full", "--today", TODAY.isoformat())[0] == 0
    assert xxgk(config_path, db_url, "crawl", "--today", TODAY.isoformat())[0] == 0
    _, rows = last_outcomes(db_url)
    readable = [row for row in rows if row.outcome in ("ok", "empty")]
    assert sum(row.pages for row in readable) == len(readable)
    assert sum(row.items_new for row in rows) == 0
    assert_same_items(stored(db_url), expected(campus))


def column_count(campus: DemoCampus) -> int:
    return sum(len(site.columns) for site in campus.sites())


def disallowed_paths(campus: DemoCampus) -> dict[str, tuple[str, ...]]:
    return {site.id: site.robots_disallow for site in campus.sites() if site.robots_disallow}


@pytest.mark.parametrize("cms", ["family", "auto"])
def test_a_nightly_crawl_with_nothing_new_costs_at_most_1_05_requests_per_column(
    campus: DemoCampus, server: DemoServer, config_path: Path, db_url: str, cms: CmsChoice
) -> None:
    """Robots.txt excluded; title-only and year-less columns included: no article is opened again."""
    checklist = str(ROOT / "config" / "checklist.yaml")
    yaml = demo_config_yaml(campus, port=server.port, checklist_path=checklist, cms=cms)
    config_path.write_text(yaml, encoding="utf-8")
    assert xxgk(config_path, db_url, "crawl", "--full", "--today", TODAY.isoformat())[0] == 0
    first = server.requests()
    opened = [r for r in first if r.status == 200]
    articles = [(r.site, r.target) for r in opened if _is_article(campus, r.site, r.target)]
    assert len(articles) == len(set(articles)), "an article was opened twice"
    assert xxgk(config_path, db_url, "crawl", "--today", TODAY.isoformat())[0] == 0
    second = [r for r in server.requests()[len(first) :] if r.target != "/robots.txt"]
    per_column = len(second) / column_count(campus)
    print(f"nightly crawl: {len(second)} requests for {column_count(campus)} columns = {per_column:.3f}")
    assert per_column <= 1.05, sorted((r.site, r.target, r.status) for r in second)
    assert not [r for r in second if _is_article(campus, r.site, r.target)]


def test_no_disallowed_url_is_requested_cold_or_warm(
    campus: DemoCampus, server: DemoServer, config_path: Path, db_url: str
) -> None:
    assert disallowed_paths(campus), "the demo campus has a robots-disallowed column"
    assert xxgk(config_path, db_url, "crawl", "--full", "--today", TODAY.isoformat())[0] == 0  # cold
    assert xxgk(config_path, db_url, "crawl", "--today", TODAY.isoformat())[0] == 0  # warm
    forbidden = disallowed_paths(campus)
    asked = [(r.site, r.target) for r in server.requests() if r.site in forbidden]
    assert asked, "the sites with a disallowed column were crawled"
    assert not [(s, t) for s, t in asked if t.startswith(forbidden[s])]


def _is_article(campus: DemoCampus, site_id: str, target: str) -> bool:
    """An article page of the demo, by the demo's own routes (not a list, API page or file)."""
    if site_id not in {site.id for site in campus.sites()}:
        return False
    path, _, query = target.partition("?")
    route = resolve(build_index(campus.site(site_id)), path, query)
    return route is not None and route.kind == "article"


def test_an_incremental_crawl_stores_exactly_the_new_items(
    campus: DemoCampus, config_path: Path, db_url: str
) -> None:
    assert xxgk(config_path, db_url, "crawl", "--full", "--today", TODAY.isoformat())[0] == 0
    for site_id, column_id in (("news", "xxyw"), ("today", "notices"), ("sz-jwb", "jwtz"), ("jwc", "tzgg")):
        campus.publish(site_id, column_id, 25, on=TODAY)
    code, out = xxgk(config_path, db_url, "crawl", "--today", TODAY.isoformat())
    assert code == 0, out
    _, rows = last_outcomes(db_url)
    assert sum(row.items_new for row in rows) == 100
    assert_same_items(stored(db_url), expected(campus))


def test_an_intranet_column_is_crawled_with_its_cookie(
    campus: DemoCampus, config_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(COOKIE_ENV, SESSION_COOKIE)
    code, out = xxgk(config_path, db_url, "crawl", "--full", "--site", "oa", "--today", TODAY.isoformat())
    assert code == 0, out
    outcomes, _ = last_outcomes(db_url)
    assert outcomes == {("oa", "tzgg"): "ok"}
    assert stored(db_url)["oa"] == expected(campus, authenticated=True)["oa"]


def test_a_crawl_killed_half_way_loses_nothing_and_doubles_nothing(
    campus: DemoCampus, config_path: Path, db_url: str
) -> None:
    assert xxgk(config_path, db_url, "init")[0] == 0
    argv = [
        sys.executable,
        "-m",
        "crawler",
        "--config",
        str(config_path),
        "--db",
        db_url,
        "--today",
        str(TODAY),
    ]
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(len(v) for v in stored(db_url).values()) < 300:
        assert child.poll() is None, "the crawl ended before it could be killed"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    half = sum(len(v) for v in stored(db_url).values())
    assert 300 <= half < sum(len(v) for v in expected(campus).values())
    code, out = xxgk(config_path, db_url, "crawl", "--today", TODAY.isoformat())
    assert code == 0, out
    assert_same_items(stored(db_url), expected(campus))
