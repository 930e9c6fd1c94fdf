"""`xxgk check`, `xxgk stats`, `xxgk import-counts` and `xxgk ack` on a crawled demo campus.

One real crawl of the demo campus per backend (module scope) feeds the read-only tests; the
tests that change the campus crawl their own.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, make_url, text

from monitor import stats
from monitor.cli import main
from monitor.config import load_config
from monitor.demo import (
    DemoCampus,
    DemoServer,
    build_campus,
    demo_config_yaml,
    expected_counts,
    expected_verdicts,
)
from tests.conftest import PG_ADMIN_URL, _unavailable

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def xxgk(config: Path, db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--db", db, *args])
    return result.exit_code, result.stdout + result.stderr


def write_config(path: Path, campus: DemoCampus, server: DemoServer) -> Path:
    checklist = str(ROOT / "config" / "checklist.yaml")
    path.write_text(demo_config_yaml(campus, port=server.port, checklist_path=checklist), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoCampus, Path]]:
    campus = build_campus(today=TODAY)
    with DemoServer(campus) as server:
        yield campus, write_config(tmp_path_factory.mktemp("demo") / "demo.yaml", campus, server)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"], ids=["sqlite", "pg"])
def crawled(
    request: pytest.FixtureRequest, served: tuple[DemoCampus, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database holding one full crawl of the demo campus (and one check of it)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'demo.db'}"
        admin = None
    else:
        admin = request.getfixturevalue("pg_admin")
        if isinstance(admin, str):
            _unavailable(admin)
        name = f"xxgk_t_{secrets.token_hex(6)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    code, out = xxgk(served[1], url, "crawl", "--full")
    assert code == 0, out
    yield url
    if isinstance(admin, Engine):
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


def check_json(config: Path, db: str, *args: str) -> dict:
    code, out = xxgk(config, db, "check", "--format", "json", *args)
    assert code == 0, out
    return json.loads(out)


def test_every_column_gets_the_verdict_of_the_ground_truth(
    served: tuple[DemoCampus, Path], crawled: str
) -> None:
    campus, config = served
    doc = check_json(config, crawled)
    got = {(c["site"], c["column"]): (c["status"], c["reason"]) for c in doc["columns"]}
    assert got == expected_verdicts(campus, at=TODAY)
    assert doc["at"] == TODAY.isoformat()


def test_every_checklist_item_has_a_status_with_its_evidence(
    served: tuple[DemoCampus, Path], crawled: str
) -> None:
    doc = check_json(served[1], crawled)
    assert [item["number"] for item in doc["checklist"]] == list(range(1, 51))
    statuses = {item["status"] for item in doc["checklist"]}
    assert statuses <= {"ok", "stale", "overdue", "missing", "could_not_check"}
    for item in doc["checklist"]:
        if item["status"] in ("ok", "stale", "overdue"):
            assert item["evidence"], item
    config = load_config(served[1])
    mapped = {slug for _, site in config.sites() for column in site.columns for slug in column.checklist}
    by_slug = {item["slug"]: item for item in doc["checklist"]}
    assert all(by_slug[slug]["status"] != "missing" or by_slug[slug]["reason"] for slug in mapped)


def test_findings_keep_their_identity_across_checks(served: tuple[DemoCampus, Path], crawled: str) -> None:
    first = check_json(served[1], crawled)
    second = check_json(served[1], crawled)
    assert {f["key"] for f in first["findings"]} == {f["key"] for f in second["findings"]}
    assert {f["state"] for f in second["findings"]} == {"ongoing"}
    assert second["resolved"] == []
    assert "column_stale:xxgk/gkdt" in {f["key"] for f in second["findings"]}


def test_a_check_of_a_past_date_uses_only_what_was_known_then(
    served: tuple[DemoCampus, Path], crawled: str
) -> None:
    yesterday = TODAY - dt.timedelta(days=1)
    doc = check_json(served[1], crawled, "--at", yesterday.isoformat())
    assert doc["at"] == yesterday.isoformat()
    assert {(c["status"], c["reason"]) for c in doc["columns"]} == {("could_not_check", "never_crawled")}


def test_stats_md_equals_the_ground_truth_table(served: tuple[DemoCampus, Path], crawled: str) -> None:
    campus, config = served
    start, end = TODAY - dt.timedelta(days=364), TODAY
    code, out = xxgk(config, crawled, "stats", "--from", str(start), "--to", str(end), "--format", "md")
    assert code == 0, out
    truth = expected_counts(campus, start, end)
    tables = stats.build_tables(load_config(config), start=start, end=end, counts=truth, manual={})
    assert out.startswith(stats.to_markdown(tables).rstrip("\n"))


def test_rules_are_listed_with_their_documentation() -> None:
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0
    names = "column_freshness not_checked site_inspection checklist_coverage checklist_cadence disclosure_lag"
    for name in [*names.split(), "count_drop"]:
        assert f"{name}\n    " in result.stdout


def test_a_fixed_column_resolves_its_finding(tmp_path: Path, db_url: str) -> None:
    campus = build_campus(today=TODAY)
    with DemoServer(campus) as server:
        config = write_config(tmp_path / "demo.yaml", campus, server)
        assert xxgk(config, db_url, "crawl", "--full")[0] == 0
        before = check_json(config, db_url)
        assert "column_stale:xxgk/gkdt" in {f["key"] for f in before["findings"]}
        campus.publish("xxgk", "gkdt", 2, on=TODAY)
        assert xxgk(config, db_url, "crawl")[0] == 0
        after = check_json(config, db_url)
    assert "column_stale:xxgk/gkdt" in after["resolved"]
    assert "column_stale:xxgk/gkdt" not in {f["key"] for f in after["findings"]}
    verdicts = {(c["site"], c["column"]): c["status"] for c in after["columns"]}
    assert verdicts[("xxgk", "gkdt")] == "fresh"


def test_hand_counts_replace_crawled_counts_and_are_marked(tmp_path: Path, db_url: str) -> None:
    config = ROOT / "config" / "hit.yaml"
    assert xxgk(config, db_url, "init")[0] == 0
    counts = tmp_path / "oa.csv"
    counts.write_text(
        "site,from,to,count,note\noa,2021-09-01,2022-08-31,3067,OA 系统导出\n", encoding="utf-8"
    )
    code, out = xxgk(config, db_url, "import-counts", str(counts))
    assert code == 0, out
    code, out = xxgk(config, db_url, "stats", "--from", "2021-09-01", "--to", "2022-08-31", "--format", "md")
    assert "| 3 | 校内OA系统 | oa.hit.edu.cn | 3067* |" in out
    assert "* 人工填报" in out


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("site,from,to,count\nnowhere,2021-09-01,2022-08-31,1\n", ":2: unknown site 'nowhere'"),
        ("site,from,to,count\noa,2021-09-01,2022-13-31,1\n", ":2: from and to: expected a date as"),
        ("site,from,to,count\noa,2022-09-01,2021-08-31,1\n", ":2: from 2022-09-01 is after to 2021-08-31"),
        ("site,from,to,count\noa,2021-09-01,2022-08-31,-4\n", ":2: expected a whole number >= 0 in count"),
        ("site,count\noa,3\n", ":1: expected the columns site,from,to,count"),
    ],
)
def test_bad_count_files_name_the_line(tmp_path: Path, csv_text: str, message: str) -> None:
    path = tmp_path / "counts.csv"
    path.write_text(csv_text, encoding="utf-8")
    code, out = xxgk(ROOT / "config" / "hit.yaml", f"sqlite:///{tmp_path}/x.db", "import-counts", str(path))
    assert code == 1
    assert message in out
    assert out.count("\n") == 1


def test_acknowledging_a_finding_keeps_who_and_why(served: tuple[DemoCampus, Path], crawled: str) -> None:
    check_json(served[1], crawled)
    code, out = xxgk(
        served[1], crawled, "ack", "column_stale:xxgk/gkdt", "--by", "王老师", "--note", "已通知"
    )
    assert code == 0, out
    code, out = xxgk(served[1], crawled, "ack", "column_stale:nowhere/x", "--by", "王老师")
    assert code == 2
    assert "no open finding" in out
