"""The demo campus as a whole: determinism, scales, ground truth against what the server serves,
publish() for incremental crawls, and the shipped config/demo.yaml."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

import pytest
from w3lib.url import canonicalize_url

from monitor.config import load_config
from monitor.demo import (
    DemoCampus,
    DemoColumn,
    DemoServer,
    DemoSite,
    build_campus,
    demo_config_yaml,
    expected_counts,
    expected_items,
    expected_outcomes,
)
from monitor.demo.configfile import shipped_config
from monitor.demo.paging import list_urls, page_count
from tests.demo.conftest import TODAY, fetch, fetch_ok

ROOT = Path(__file__).resolve().parents[2]
YEAR_AGO = TODAY - dt.timedelta(days=364)


def _snapshot(campus: DemoCampus) -> list[tuple[str, str, str, list[tuple[str, str, object]]]]:
    return [
        (site.id, site.ip, column.id, [(i.href, i.title, i.published_on) for i in column.items])
        for site in campus.sites()
        for column in site.columns
    ]


def test_build_is_deterministic() -> None:
    assert _snapshot(build_campus(today=TODAY)) == _snapshot(build_campus(today=TODAY))
    assert _snapshot(build_campus(today=TODAY, seed=8)) != _snapshot(build_campus(today=TODAY))


def test_small_scale_covers_every_family_and_behaviour(campus: DemoCampus) -> None:
    sites = list(campus.sites())
    columns = [c for s in sites for c in s.columns]
    assert len(sites) == 19  # 14, and issue 10's five (layout.NEW_SITES)
    assert len(campus.campuses) == 3
    assert 3_500 <= sum(len(c.items) for c in columns) <= 5_000
    families = {"webplus", "vsb", "drupal", "jsonapi", "custom", "jsp", "trs", "dede", "php"}
    assert {c.family for c in columns} == families
    assert {s.behaviour for s in sites} == {"ok", "login", "down", "blocked"}
    assert {s.encoding for s in sites} == {"utf-8", "gbk", "lying"}
    assert set(expected_outcomes(campus).values()) == {
        "ok", "empty", "unreachable", "auth_required", "blocked",
        "robots_disallowed", "not_found", "parse_failed",
    }  # fmt: skip
    assert sum(1 for c in columns if c.cms == "auto" and c.family == "webplus") == 2  # one auto site


def test_hit_scale_is_big_enough() -> None:
    hit = build_campus(today=TODAY, scale="hit")
    assert len(list(hit.sites())) == 38  # the benchmarks' sites: without issue 10's unless asked
    assert len(list(build_campus(today=TODAY, scale="hit", new_columns=True).sites())) == 43
    assert sum(expected_counts(hit, YEAR_AGO, TODAY).values()) >= 20_000


def test_outcomes_with_and_without_the_cookie(campus: DemoCampus) -> None:
    outcomes = expected_outcomes(campus)
    assert outcomes[("oa", "tzgg")] == "auth_required"
    assert expected_outcomes(campus, authenticated=True)[("oa", "tzgg")] == "ok"
    assert outcomes[("sz-jwb", "jwtz")] == "ok"  # flaky, recovered by retries
    assert outcomes[("wh-cwc", "tzgg")] == "unreachable"
    assert outcomes[("wh-zcc", "cgxx")] == "blocked"


def test_expected_items_rules(campus: DemoCampus, server: DemoServer) -> None:
    items = expected_items(campus)
    jwc = campus.site("jwc")
    shared = set(jwc.column("tzgg").items) & set(jwc.column("jxyx").items)
    assert len(shared) == 1
    assert len(items["jwc"]) == len(jwc.column("tzgg").items) + len(jwc.column("jxyx").items) - 1
    assert not any("weixin" in url for urls in items.values() for url in urls)
    assert items["oa"] == {}
    assert items["wh-cwc"] == {}
    assert items["wh-zcc"] == {}
    assert expected_items(campus, authenticated=True)["oa"]
    undated = [url for url, (_, day) in items["news"].items() if day is None]
    assert len(undated) == 1
    assert undated[0].endswith(".docx")
    pinned = campus.site("jwc").column("tzgg").items[0]
    assert items["jwc"][server.url("jwc", pinned.href)] == (pinned.title, pinned.published_on)
    assert expected_items(campus, port=9) != items


def test_every_expected_item_is_served_and_linked_from_its_column(
    campus: DemoCampus, server: DemoServer
) -> None:
    expected = expected_items(campus)
    outcomes = expected_outcomes(campus)
    for site in campus.sites():
        linked: set[str] = set()
        for column in site.columns:
            if outcomes[(site.id, column.id)] == "ok":
                linked |= _linked_items(server, site, column)
        assert set(expected[site.id]) <= linked, site.id
        for url in expected[site.id]:
            assert fetch(url).status == 200, url


def _linked_items(server: DemoServer, site: DemoSite, column: DemoColumn) -> set[str]:
    """Canonical URLs of the rows of every list page of a column, as a crawler would resolve them."""
    found: set[str] = set()
    encoding = "gb18030" if site.encoding == "gbk" else "utf-8"
    for path in list_urls(column):
        page_url = server.url(site.id, path)
        reply = fetch_ok(page_url)
        assert reply.status == 200, page_url
        if column.family == "jsonapi" and column.template == "api_rows":
            hrefs = [row["linkUrl"] for row in json.loads(reply.body)["data"]["rows"]]
        elif column.family == "jsonapi":
            hrefs = [row["url"] for row in json.loads(reply.body)["data"]]
        else:
            hrefs = [a.get("href") for a in reply.doc(encoding).cssselect(".main a") if a.get("href")]
        found |= {canonicalize_url(urljoin(page_url, href)) for href in hrefs}
    return found


def test_counts_sum_up(campus: DemoCampus) -> None:
    items = expected_items(campus, port=8800)
    everything = expected_counts(campus, dt.date(2000, 1, 1), TODAY)
    assert everything == {site: sum(1 for _, d in v.values() if d) for site, v in items.items()}
    last_year = expected_counts(campus, YEAR_AGO, TODAY)
    halves = Counter(expected_counts(campus, YEAR_AGO, TODAY - dt.timedelta(days=100)))
    halves.update(expected_counts(campus, TODAY - dt.timedelta(days=99), TODAY))
    assert dict(halves) == last_year
    assert last_year["jwc"] < everything["jwc"]  # the old pinned row is older than a year


def test_publish_shifts_webplus_items_to_later_pages(own_server: DemoServer) -> None:
    campus = own_server.campus
    column = campus.site("jwc").column("tzgg")
    before = list(column.items)
    new = campus.publish("jwc", "tzgg", 3, on=TODAY)
    assert column.items[:2] == before[:2]
    assert column.items[2:5] == new
    first = fetch(own_server.url("jwc", "/2591/list.htm")).doc()
    titles = [a.get("title") for a in first.cssselect("span.Article_Title a")]
    assert titles[2:5] == [item.title for item in new]
    second = fetch(own_server.url("jwc", "/2591/list2.htm")).doc()
    assert second.cssselect("span.Article_Title a")[0].get("href") == before[12].href
    assert fetch(own_server.url("jwc", new[0].href)).status == 200
    assert all(own_server.url("jwc", i.href) in expected_items(campus)["jwc"] for i in new)


def test_publish_keeps_vsb_history_files(own_server: DemoServer) -> None:
    campus = own_server.campus
    column = campus.site("yjsy").column("tzgg")

    def rows(n: int) -> list[str]:
        page = fetch(own_server.url("yjsy", f"/tzgg/{n}.htm")).doc()
        return [a.get("href") for a in page.cssselect("div.list li a")]

    history = {n: rows(n) for n in range(1, page_count(column))}
    campus.publish("yjsy", "tzgg", 6, on=TODAY)
    assert page_count(column) == 13
    assert {n: rows(n) for n in history} == history  # same file, same rows (only the pager totals change)
    first = fetch(own_server.url("yjsy", "/tzgg.htm")).doc()
    assert first.cssselect("span.p_next a")[0].get("href") == "tzgg/12.htm"
    assert first.cssselect("span.p_t")[0].text == "共156条"
    assert fetch(own_server.url("yjsy", "/tzgg/12.htm")).status == 200


def test_publishing_to_a_blank_column_fills_it(own_server: DemoServer) -> None:
    campus = own_server.campus
    assert expected_outcomes(campus)[("sz-hq", "fwzn")] == "empty"
    (item,) = campus.publish("sz-hq", "fwzn", 1, on=TODAY)
    assert expected_outcomes(campus)[("sz-hq", "fwzn")] == "ok"
    page = fetch(own_server.url("sz-hq", "/fwzn/list.htm")).doc()
    assert [a.get("href") for a in page.cssselect("li.news a")] == [item.href]
    assert fetch(own_server.url("sz-hq", item.href)).status == 200


def test_publish_changes_validators(own_server: DemoServer) -> None:
    url = own_server.url("today", "/category/10")
    before = fetch(url)
    own_server.campus.publish("today", "notices", 1, on=TODAY)
    after = fetch(url, {"If-None-Match": before.headers["etag"]})
    assert after.status == 200
    assert fetch(url, {"If-Modified-Since": before.headers["last-modified"]}).status == 200


def test_shipped_config_matches_the_generator() -> None:
    shipped = (ROOT / "config" / "demo.yaml").read_text(encoding="utf-8")
    assert shipped == shipped_config(), "regenerate: python -m monitor.demo.configfile config/demo.yaml"
    config = load_config(ROOT / "config" / "demo.yaml")
    assert (config.institution.id, config.institution.name) == ("demo", "演示大学")
    assert [site.id for _, site in config.sites()] == [site.id for site in build_campus(today=TODAY).sites()]


def test_config_for_a_served_campus_loads(campus: DemoCampus, server: DemoServer, tmp_path: Path) -> None:
    checklist = ROOT / "config" / "checklist.yaml"
    text = demo_config_yaml(campus, port=server.port, checklist_path=str(checklist))
    (tmp_path / "demo.yaml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "demo.yaml")
    columns = {(site.id, c.id): c for _, site in config.sites() for c in site.columns}
    assert set(columns) == set(expected_outcomes(campus))
    assert columns[("oa", "tzgg")].auth is not None
    assert config.site("oa").intranet
    assert columns[("sz-www", "tzgg")].selectors is not None
    assert columns[("sz-www", "tzgg")].cms == "auto"
    api = columns[("wh-today", "kx")].api
    assert api is not None
    assert api.first_page == 1
    assert "{page}" in api.url
    for (site_id, _), column in columns.items():
        assert column.url.startswith(f"http://{campus.site(site_id).ip}:{server.port}/")
    assert all(re.match(r"^[a-z-]+@example\.edu\.cn$", o) for _, s in config.sites() for o in s.owner)


@pytest.mark.parametrize("field", ["title", "published_on", "href"])
def test_truth_follows_the_model(campus: DemoCampus, field: str) -> None:
    item = campus.site("today").column("news").items[5]
    copy = build_campus(today=TODAY)
    changed = dataclasses.replace(item, **{field: "/x" if field != "published_on" else None})
    copy.site("today").column("news").items[5] = changed
    assert expected_items(copy, port=1) != expected_items(campus, port=1)
