"""Every page as HTML (through a parser) and as its JSON twin, on the crawled and checked demo campus."""

from __future__ import annotations

import io
import threading

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from monitor import store
from monitor.config import load_config
from monitor.demo import expected_verdicts
from monitor.store.models import Column, ColumnItem, Item, Site
from monitor.store.web import RecentItem, recent_items
from monitor.web import pages
from monitor.web.context import Judged, JudgementCache, Viewer
from tests.web.conftest import TODAY, Dashboard, parse

PAGES = ["/", "/checklist", "/sites/jwc", "/findings", "/stats", "/runs", "/api/docs"]
APIS = ["/api/overview", "/api/checklist", "/api/sites/jwc", "/api/findings", "/api/stats", "/api/runs"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_chinese_for_a_logged_in_user(
    clients: dict[str, httpx.Client], path: str
) -> None:
    answer = clients["office"].get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    html = parse(answer.text)
    assert html.find("html")["lang"] == "zh-CN"
    assert html.find("nav") is not None
    assert not html.find_all("script"), "pages work without JavaScript"


@pytest.mark.parametrize("path", APIS)
def test_every_api_route_answers_json(clients: dict[str, httpx.Client], path: str) -> None:
    answer = clients["office"].get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert isinstance(answer.json(), dict)


def test_the_overview_shows_every_column_with_the_ground_truth_verdict(
    dashboard: Dashboard, clients: dict[str, httpx.Client]
) -> None:
    doc = clients["office"].get("/api/overview").json()
    assert doc["check"]["at"] == TODAY.isoformat()
    got = {
        (site["id"], column["id"]): (column["status"], column["reason"])
        for campus in doc["campuses"]
        for site in campus["sites"]
        for column in site["columns"]
    }
    truth = expected_verdicts(dashboard.campus, at=TODAY)
    assert got == truth
    html = parse(clients["office"].get("/").text)
    lights = html.select("table.overview span.light")
    assert len(lights) == len(truth)
    assert {"s-fresh", "s-stale"} <= {c for light in lights for c in light["class"]}


def test_the_overview_filters_by_campus_status_and_owner(clients: dict[str, httpx.Client]) -> None:
    client = clients["office"]
    weihai = client.get("/api/overview", params={"campus": "weihai"}).json()
    assert {c["id"] for c in weihai["campuses"]} == {"weihai"}
    stale = client.get("/api/overview", params={"status": "stale"}).json()
    statuses = {col["status"] for c in stale["campuses"] for s in c["sites"] for col in s["columns"]}
    assert statuses == {"stale"}
    owner = client.get("/api/overview").json()["choices"]["owners"][0]
    mine = client.get("/api/overview", params={"owner": owner}).json()
    assert all(owner in s["owners"] for c in mine["campuses"] for s in c["sites"])
    html = parse(client.get("/", params={"campus": "weihai"}).text)
    assert html.select_one('select[name="campus"] option[selected]')["value"] == "weihai"


def test_the_checklist_matrix_has_10_categories_and_50_items_with_evidence(
    clients: dict[str, httpx.Client],
) -> None:
    doc = clients["office"].get("/api/checklist").json()
    assert [c["number"] for c in doc["categories"]] == list(range(1, 11))
    numbers = [item["number"] for c in doc["categories"] for item in c["items"]]
    assert numbers == list(range(1, 51))
    html = parse(clients["office"].get("/checklist").text)
    assert len(html.select("table.matrix tbody tr")) == 50
    assert html.select("ul.evidence a[href^='http']"), "evidence links to the published items"


def test_the_site_page_has_columns_recent_items_and_a_12_month_svg_chart(
    clients: dict[str, httpx.Client],
) -> None:
    doc = clients["office"].get("/api/sites/jwc").json()
    assert [c["id"] for c in doc["columns"]] == ["tzgg", "jxyx"]
    assert len(doc["months"]) == 12
    assert doc["months"][-1]["month"] == f"{TODAY.year}-{TODAY.month:02d}"
    assert sum(m["count"] for m in doc["months"]) > 0
    assert doc["items"]
    html = parse(clients["office"].get("/sites/jwc").text)
    svg = html.select_one("svg.chart")
    assert svg is not None
    assert len(svg.find_all("rect")) == 12
    assert html.select("ol.recent li")


def every_item_newest_first(session: store.Session, site: str) -> list[RecentItem]:
    """All the site's items in the order of the page: one query sorting them all (the plain way)."""
    first_column = (
        select(func.min(ColumnItem.column_id)).where(ColumnItem.item_id == Item.id).scalar_subquery()
    )
    rows = session.execute(
        select(Item.title, Item.url, Item.published_on, Column.key, Item.is_attachment)
        .join(Column, Column.id == first_column)
        .join(Site, Site.id == Item.site_id)
        .where(Site.key == site)
        .order_by(Item.published_on.is_(None), Item.published_on.desc(), Item.id.desc())
    )
    return [RecentItem(*row) for row in rows]


def test_recent_items_are_the_newest_by_date_then_id_and_undated_ones_last(dashboard: Dashboard) -> None:
    config = load_config(dashboard.config)
    engine = store.connect(dashboard.db_url)
    try:
        with store.sessions(engine).begin() as session:
            key, undated = config.institution.id, set()
            for _, site in config.sites():
                every = every_item_newest_first(session, site.id)
                for limit in (20, len(every) + 1):  # the page's 20; everything, undated ones included
                    found = recent_items(session, institution_key=key, site_key=site.id, limit=limit)
                    assert found == every[:limit], site.id
                undated |= {site.id for item in every if item.published_on is None}
            assert undated, "some site has undated items"
    finally:
        engine.dispose()


def test_the_judgement_is_made_once_and_re_made_behind_the_pages(dashboard: Dashboard) -> None:
    """Concurrent first requests share one judgement; an expired one is served while re-made."""
    config = load_config(dashboard.config)
    engine = store.connect(dashboard.db_url)
    sessions = store.sessions(engine)

    def load(cache: JudgementCache) -> Judged:
        with sessions.begin() as session:
            judged = cache.load(session, config, today=TODAY)
        assert judged is not None
        return judged

    try:
        cache, found = JudgementCache(), []
        threads = [threading.Thread(target=lambda: found.append(load(cache))) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert len(found) == 4
        assert all(judged is found[0] for judged in found)
        expiring = JudgementCache(ttl=0.0)
        first = load(expiring)
        assert load(expiring) is first  # expired: kept, while a new one is made in the background
        expiring.wait(timeout=120)
        remade = load(expiring)
        expiring.wait(timeout=120)
        assert remade is not first
        office = Viewer("office", "office", None, "-")
        assert pages.overview(remade, config, office, {}) == pages.overview(first, config, office, {})
    finally:
        engine.dispose()


def test_pages_kept_with_the_judgement_follow_each_viewers_scope(clients: dict[str, httpx.Client]) -> None:
    for _ in range(2):  # the second round meets the kept pages
        for name in ("office", "dept", "viewer"):
            html = parse(clients[name].get("/").text)
            sites = {a["href"] for a in html.select("table.overview a[href^='/sites/']")}
            matrix = parse(clients[name].get("/checklist").text)
            evidence = {a["href"] for a in matrix.select("ul.evidence a[href^='/sites/']")}
            if name == "dept":
                assert sites == {"/sites/jwc"}
                assert evidence <= {"/sites/jwc"}
            else:
                assert len(sites) > 1
                assert len(evidence) > 1


def test_an_unknown_site_is_404_in_html_and_json(clients: dict[str, httpx.Client]) -> None:
    assert clients["office"].get("/sites/no-such-site").status_code == 404
    assert clients["office"].get("/api/sites/no-such-site").json() == {"detail": "没有这个网站"}


def test_statistics_follow_the_period_and_export_csv_and_xlsx(clients: dict[str, httpx.Client]) -> None:
    client = clients["office"]
    period = {"from": f"{TODAY.year - 1}-01-01", "to": TODAY.isoformat()}
    doc = client.get("/api/stats", params=period).json()
    assert (doc["from"], doc["to"]) == (period["from"], period["to"])
    assert doc["total"] == sum(c["total"] for c in doc["campuses"]) > 0
    csv = client.get("/stats.csv", params=period)
    assert csv.headers["content-disposition"].startswith("attachment;")
    assert csv.content.decode("utf-8-sig").splitlines()[0] == "校区,序号,网站名称,网址,数量,人工填报"
    xlsx = client.get("/stats.xlsx", params=period)
    book = load_workbook(io.BytesIO(xlsx.content))
    assert [sheet.title for sheet in book.worksheets] == [c["name"] for c in doc["campuses"]]
    assert client.get("/api/stats", params={"from": "yesterday"}).status_code == 400
    for edge in ("0001-01-01", "9999-12-31"):  # years whose neighbours Python cannot hold: 400, not 500
        for path in ("/stats", "/api/stats", "/stats.csv", "/stats.xlsx"):
            assert client.get(path, params={"from": edge, "to": "2025-01-01"}).status_code == 400, path
            assert client.get(path, params={"from": "2025-01-01", "to": edge}).status_code == 400, path
    assert client.get("/stats", params={"from": "2025-02-01", "to": "2025-01-01"}).status_code == 400


def test_findings_list_filters_and_acknowledge_keeps_who_and_when(
    dashboard: Dashboard, clients: dict[str, httpx.Client]
) -> None:
    client = clients["office"]
    doc = client.get("/api/findings").json()
    assert doc["findings"]
    key = next(f["key"] for f in doc["findings"] if f["kind"] == "column_stale")
    stale = client.get("/api/findings", params={"kind": "column_stale"}).json()["findings"]
    assert {f["kind"] for f in stale} == {"column_stale"}
    page = parse(client.get("/findings").text)
    form = next(f for f in page.select("form.ack") if f.find("input", attrs={"name": "key"})["value"] == key)
    fields = {field["name"]: field.get("value", "") for field in form.find_all("input")}
    answer = client.post("/findings/ack", data={**fields, "note": "已通知<b>部门</b>"})
    assert answer.status_code == 303
    found = next(f for f in client.get("/api/findings").json()["findings"] if f["key"] == key)
    assert found["acknowledged_by"] == "office"
    assert found["ack_note"] == "已通知<b>部门</b>"
    assert found["acknowledged_at"].startswith(TODAY.isoformat()[:4])
    assert "已通知&lt;b&gt;部门&lt;/b&gt;" in client.get("/findings").text


def test_a_viewer_sees_everything_but_cannot_acknowledge(clients: dict[str, httpx.Client]) -> None:
    client = clients["viewer"]
    assert client.get("/api/overview").status_code == 200
    assert not parse(client.get("/findings").text).select("form.ack")
    key = client.get("/api/findings").json()["findings"][0]["key"]
    csrf = parse(client.get("/findings").text).find("input", attrs={"name": "csrf"})["value"]
    assert client.post("/findings/ack", data={"key": key, "csrf": csrf}).status_code == 403
