"""The site page's calendar heatmap: a well-formed SVG of 53 weeks × 7 days whose cells hold the items."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import httpx

from monitor import store
from monitor.config import load_config
from monitor.web.charts import heatmap, year_start
from tests.web.conftest import TODAY, Dashboard

SVG = "{http://www.w3.org/2000/svg}"


def heatmap_svg(html: str) -> ET.Element:
    """The heatmap exactly as served, parsed as XML (so it must be well-formed)."""
    found = re.search(r'<svg[^>]*class="heatmap".*?</svg>', html, re.DOTALL)
    assert found is not None, "no heatmap on the page"
    return ET.fromstring(found.group(0))


def items_in(dashboard: Dashboard, site: str, start: dt.date, end: dt.date) -> int:
    engine = store.connect(dashboard.db_url)
    try:
        with store.sessions(engine).begin() as session:
            key = load_config(dashboard.config).institution.id
            return store.count_items_by_site(session, institution_key=key, start=start, end=end).get(site, 0)
    finally:
        engine.dispose()


def shanghai_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def test_the_heatmap_has_a_cell_per_day_summing_to_the_sites_items(
    dashboard: Dashboard, clients: dict[str, httpx.Client]
) -> None:
    client = clients["office"]
    svg = heatmap_svg(client.get("/sites/jwc").text)
    days = svg.findall(f"{SVG}rect[@class]")
    cells = [rect for rect in days if "day" in rect.get("class", "").split()]
    # The page's own today: a run that crosses midnight in Shanghai renders the next day.
    today = dt.date.fromisoformat(cells[-1].get("data-date", ""))
    assert today in (TODAY, shanghai_today())
    start = year_start(today)
    assert start.weekday() == 0
    assert len(cells) == (today - start).days + 1
    assert len({rect.get("x") for rect in cells}) == 53
    assert len({rect.get("y") for rect in cells}) == 7
    assert [rect.get("data-date") for rect in cells][:: len(cells) - 1] == [
        start.isoformat(),
        today.isoformat(),
    ]
    total = sum(int(rect.get("data-count", "0")) for rect in cells)
    assert total == items_in(dashboard, "jwc", start, today) > 0
    assert total == client.get("/api/sites/jwc").json()["calendar"]["total"]
    assert len(svg.findall(f"{SVG}g[@class='legend']/{SVG}rect")) == 5
    assert svg.find(f"{SVG}title") is not None


def test_the_monthly_bars_count_the_items_of_each_month(
    dashboard: Dashboard, clients: dict[str, httpx.Client]
) -> None:
    months = clients["office"].get("/api/sites/jwc").json()["months"]
    for row in months:
        start = dt.date.fromisoformat(f"{row['month']}-01")
        end = min((start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1), shanghai_today())
        assert row["count"] == items_in(dashboard, "jwc", start, end), row["month"]
    assert sum(row["count"] for row in months) > 0


def test_the_heatmap_escapes_its_labels() -> None:
    title = '<script>alert(1)</script>"><img onerror=alert(1)>'
    svg = ET.fromstring(str(heatmap({TODAY: 3}, end=TODAY, title=title)))
    assert svg.find(f"{SVG}title").text == title
    assert svg.get("aria-label") == title
    assert not svg.findall(f".//{SVG}script")
    assert not svg.findall(".//script")
    hot = [rect for rect in svg.iter(f"{SVG}rect") if rect.get("data-date") == TODAY.isoformat()]
    assert hot[0].get("data-count") == "3"
    assert "l4" in hot[0].get("class", "")
