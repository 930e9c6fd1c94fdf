"""The regulator's view over a config folder of three demo institutions, on both backends.

demo1 is crawled, demo2 only its news site (its other columns are could-not-check), demo3
never: the ranking is demo1, demo2, then demo3 unranked. demo1 also has a stored check of
yesterday (stored between two checks of today), so its trend has two points. Users: a
regulator (every institution), an office user of demo2 and a department user of demo1 (site
jwc); everything goes through the real CLI, a real database and the dashboard served by uvicorn
on loopback.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from monitor import checks, score, store
from monitor.demo.institutions import demo_copies, write_folder
from monitor.demo.institutions import serving as serving_copies
from monitor.deployment import load_deployment
from monitor.store import regulator as stored
from monitor.web import create_app
from tests.web.conftest import PASSWORD, ROOT, TODAY, login, parse, serving, xxgk

#: name → (role, institution, sites)
USERS = {
    "reg": ("regulator", None, ()),
    "office2": ("office", "demo2", ()),
    "dept1": ("department", "demo1", ("jwc",)),
}


@dataclasses.dataclass(frozen=True)
class Served:
    base_url: str
    folder: Path
    db_url: str


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    campuses = demo_copies(3, today=TODAY)
    with serving_copies(campuses) as servers:
        checklist = str(ROOT / "config" / "checklist.yaml")
        yield write_folder(
            campuses, tmp_path_factory.mktemp("dep"), port=servers[0].port, checklist_path=checklist
        )


def _yesterday_check(db_url: str) -> None:
    """A stored check of demo1 judged yesterday, with half its fresh columns stale."""
    engine = store.connect(db_url)
    with store.sessions(engine).begin() as session:
        today = stored.recent_checks(session, institution_keys=["demo1"], since=TODAY)["demo1"][-1]
        columns = dict(today.summary["columns"])
        moved = columns.get("fresh", 0) // 2
        columns["fresh"] -= moved
        columns["stale"] = columns.get("stale", 0) + moved
        check_id = store.checks.start_check(
            session, institution_key="demo1", at=TODAY - dt.timedelta(days=1), now=dt.datetime.now(dt.UTC)
        )
        store.checks.finish_check(session, check_id=check_id, summary={**today.summary, "columns": columns})
    engine.dispose()


@pytest.fixture(scope="module")
def dashboard(folder: Path, database: str) -> Iterator[Served]:
    for args in (
        ["crawl", "--institution", "demo1"],
        ["crawl", "--institution", "demo2", "--site", "news"],
        ["init", "--institution", "demo3"],
        ["check", "--institution", "demo1", "--institution", "demo2"],
    ):
        code, out = xxgk(folder, database, *args)
        assert code == 0, out
    _yesterday_check(database)
    code, out = xxgk(folder, database, "check", "--institution", "demo1")  # checks are stored in time order
    assert code == 0, out
    for name, (role, institution, sites) in USERS.items():
        where = ["--institution", institution] if institution else []
        code, out = xxgk(
            folder, database, "user", "add", name, "--role", role, *where,
            *[f"--site={s}" for s in sites], "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip
        assert code == 0, out
    app = create_app(deployment=load_deployment(folder), db_url=database, secret=secrets.token_hex(16))
    with serving(app) as base_url:
        yield Served(base_url, folder, database)


@pytest.fixture(scope="module")
def clients(dashboard: Served) -> Iterator[dict[str, httpx.Client]]:
    found = {name: login(dashboard.base_url, name) for name in USERS}
    yield found
    for client in found.values():
        client.close()


def stored_scores(db_url: str) -> dict[str, float | None]:
    engine = store.connect(db_url)
    with store.sessions(engine)() as session:
        found = stored.recent_checks(session, institution_keys=["demo1", "demo2", "demo3"], since=TODAY)
    engine.dispose()
    return {key: score.score(checks[-1].summary).value for key, checks in found.items()}


def test_the_regulator_sees_every_institution_ranked_by_its_stored_score(
    dashboard: Served, clients: dict[str, httpx.Client]
) -> None:
    doc = clients["reg"].get("/api/regulator").json()
    assert doc["regulator"] == {"id": "demo-regulator", "name": "演示省教育厅"}
    rows = doc["institutions"]
    assert [row["id"] for row in rows] == ["demo1", "demo2", "demo3"]
    assert [row["rank"] for row in rows] == [1, 2, None]
    expected = stored_scores(dashboard.db_url)
    assert {row["id"]: row["score"] for row in rows[:2]} == expected
    assert rows[0]["score"] > rows[1]["score"]
    assert rows[1]["components"]["columns_unchecked"] > 0  # demo2's unread columns
    assert rows[2]["score"] is None
    assert rows[2]["check"] is None
    assert doc["counts"] == {"institutions": 3, "checked": 2}


def test_the_trend_holds_the_latest_check_of_each_day(clients: dict[str, httpx.Client]) -> None:
    demo1 = clients["reg"].get("/api/regulator").json()["institutions"][0]
    yesterday, today = demo1["trend"]
    assert yesterday["at"] == (TODAY - dt.timedelta(days=1)).isoformat()
    assert today == {"at": TODAY.isoformat(), "score": demo1["score"]}
    assert yesterday["score"] < today["score"]
    assert demo1["change"] == round(today["score"] - yesterday["score"], 1)


def test_the_ranking_page_links_into_each_institution(clients: dict[str, httpx.Client]) -> None:
    reg = clients["reg"]
    html = parse(reg.get("/regulator").text)
    rows = html.select("table.ranking tbody tr")
    assert [row["data-institution"] for row in rows] == ["demo1", "demo2", "demo3"]
    assert rows[0].select_one("svg.spark polyline") is not None
    assert rows[0].select_one("a")["href"] == "/institutions/demo1"
    opened = reg.get("/institutions/demo2", follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == "/"
    checks = {row["id"]: row["check"] for row in reg.get("/api/regulator").json()["institutions"]}
    assert reg.get("/api/overview").json()["check"]["id"] == checks["demo2"]["id"]
    assert "演示大学2" in reg.get("/").text
    assert reg.get("/api/overview?institution=demo1").json()["check"]["id"] == checks["demo1"]["id"]
    assert reg.get("/api/checklist?institution=demo3").json()["check"] is None
    assert reg.get("/api/overview?institution=nope").status_code == 404


def test_a_fresh_login_of_the_regulator_starts_at_the_ranking(dashboard: Served) -> None:
    with httpx.Client(base_url=dashboard.base_url) as client:
        form = parse(client.get("/login").text).find("input", attrs={"name": "csrf"})
        answer = client.post("/login", data={"username": "reg", "password": PASSWORD, "csrf": form["value"]})
        assert answer.headers["location"] == "/regulator"


def test_an_institution_user_sees_only_its_own(dashboard: Served, clients: dict[str, httpx.Client]) -> None:
    office = clients["office2"]
    doc = office.get("/api/regulator").json()
    assert [row["id"] for row in doc["institutions"]] == ["demo2"]
    assert "监管总览" not in office.get("/").text
    assert office.get("/api/overview?institution=demo1").status_code == 404
    assert office.get("/institutions/demo1", follow_redirects=False).status_code == 404
    assert office.get("/api/findings?institution=demo1").status_code == 404
    # a choice cookie naming another institution is no way in: the user is sent to its own
    session = office.cookies["xxgk_session"]
    forged = {"Cookie": f"xxgk_session={session}; xxgk_institution=demo1"}
    answer = httpx.get(f"{dashboard.base_url}/api/overview", headers=forged, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/api/overview"
    assert answer.cookies["xxgk_institution"] == "demo2"
    assert office.get("/api/overview").json()["check"]["id"] == doc["institutions"][0]["check"]["id"]
    assert "演示大学2" in office.get("/").text


def test_a_department_sees_its_site_of_its_institution(clients: dict[str, httpx.Client]) -> None:
    dept = clients["dept1"]
    sites = {s["id"] for c in dept.get("/api/overview").json()["campuses"] for s in c["sites"]}
    assert sites == {"jwc"}
    assert dept.get("/api/overview?institution=demo2").status_code == 404
    assert [row["id"] for row in dept.get("/api/regulator").json()["institutions"]] == ["demo1"]


def test_the_cli_lists_users_with_their_institution(dashboard: Served) -> None:
    code, out = xxgk(dashboard.folder, dashboard.db_url, "user", "list")
    assert code == 0, out
    assert out.splitlines() == [
        "dept1\tdepartment\tdemo1\tjwc",
        "office2\toffice\tdemo2\t-",
        "reg\tregulator\t*\t-",
    ]
    code, out = xxgk(
        dashboard.folder, dashboard.db_url, "user", "add", "x", "--role", "regulator",
        "--institution", "demo1", "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 2
    assert "a regulator sees every institution" in out
    code, out = xxgk(
        dashboard.folder, dashboard.db_url, "user", "add", "x", "--role", "office",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 1
    assert "choose one with --institution ID" in out


def test_a_check_of_the_whole_folder_judges_each_institution_as_alone(dashboard: Served) -> None:
    """`xxgk check` over a folder batches its queries (issue 14: 3,000 institutions in a minute):
    every institution's snapshot, verdicts and findings equal those of a check of it alone."""
    configs = load_deployment(dashboard.folder).institutions
    engine = store.connect(dashboard.db_url)
    try:
        with store.sessions(engine)() as session:
            together = checks.run_checks(session, configs, at=TODAY, today=TODAY, persist=False)
            alone = [
                checks.run_check(session, config, at=TODAY, today=TODAY, persist=False) for config in configs
            ]
    finally:
        engine.dispose()
    assert [r.snapshot.institution for r in together] == ["demo1", "demo2", "demo3"]
    assert sum(len(r.snapshot.evidence) for r in together) > 0  # demo1's crawl holds checklist evidence
    for batched, single in zip(together, alone, strict=True):
        assert batched.snapshot == single.snapshot
        assert batched.judgement == single.judgement
        assert (batched.states, batched.resolved) == (single.states, single.resolved)
