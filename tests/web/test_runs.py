"""The crawl runs pages: the history and one run's column outcomes, with their JSON twins and scope."""

from __future__ import annotations

import httpx

from tests.web.conftest import Dashboard, parse


def overview_outcomes(client: httpx.Client) -> dict[tuple[str, str], str | None]:
    doc = client.get("/api/overview").json()
    return {
        (site["id"], column["id"]): column["outcome"]
        for campus in doc["campuses"]
        for site in campus["sites"]
        for column in site["columns"]
    }


def test_the_history_lists_the_crawl_with_columns_counted_by_outcome(
    clients: dict[str, httpx.Client],
) -> None:
    client = clients["office"]
    doc = client.get("/api/runs").json()
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    assert run["status"] == "finished"
    assert run["full"] is True
    assert run["finished_at"] >= run["started_at"]
    expected: dict[str, int] = {}
    for outcome in overview_outcomes(client).values():
        expected[str(outcome)] = expected.get(str(outcome), 0) + 1
    assert run["outcomes"] == expected
    assert run["columns"] == sum(expected.values())
    assert set(run["outcomes"]) - {"ok", "empty"}, "the demo campus has failing columns"
    html = parse(client.get("/runs").text)
    rows = html.select("table.runs tbody tr")
    assert len(rows) == 1
    assert rows[0].select_one(f"a[href='/runs/{run['id']}']") is not None
    assert html.select_one("nav a[href='/runs']") is not None


def test_a_run_shows_each_columns_outcome_and_error(clients: dict[str, httpx.Client]) -> None:
    client = clients["office"]
    run_id = client.get("/api/runs").json()["runs"][0]["id"]
    doc = client.get(f"/api/runs/{run_id}").json()
    got = {(f["site"], f["column"]): f["outcome"] for f in doc["fetches"]}
    assert got == overview_outcomes(client)
    failed = [f for f in doc["fetches"] if f["outcome"] not in ("ok", "empty")]
    assert failed
    assert all(f["error"] for f in failed if f["outcome"] == "unreachable")
    html = parse(client.get(f"/runs/{run_id}").text)
    assert len(html.select("table.fetches tbody tr")) == len(doc["fetches"])
    assert not html.find_all("script")


def test_a_department_sees_only_its_own_sites_columns_in_a_run(clients: dict[str, httpx.Client]) -> None:
    client = clients["dept"]
    run = client.get("/api/runs").json()["runs"][0]
    doc = client.get(f"/api/runs/{run['id']}").json()
    assert {f["site"] for f in doc["fetches"]} == {"jwc"}
    assert run["columns"] == len(doc["fetches"]) == 2
    assert set(run["sites"]) <= {"jwc"}
    html = client.get(f"/runs/{run['id']}").text
    assert "/sites/jwc" in html
    assert "/sites/xxgk" not in html


def test_an_unknown_run_is_404_in_html_and_json(
    dashboard: Dashboard, clients: dict[str, httpx.Client]
) -> None:
    assert clients["office"].get("/runs/999999").status_code == 404
    assert clients["office"].get("/api/runs/999999").json() == {"detail": "没有这次采集"}
    for number in ("999999999999999999999999", "9223372036854775808", "0", "-1"):  # past 64 bits: no run
        assert clients["office"].get(f"/runs/{number}").status_code == 404, number
        assert clients["office"].get(f"/api/runs/{number}").json() == {"detail": "没有这次采集"}
    assert httpx.get(f"{dashboard.base_url}/api/runs").status_code == 401
