"""End to end: crawl the demo's 教务处 site, scan it, and judge: the personal-data traps are found
exactly (pages, the PDF, the XLSX, the DOCX), masked and invalid numbers are no finding, a second
scan fetches nothing, and no planted number is anywhere in full: not in the database file, the
command output and logs, the check's JSON, the reports or the dashboard's pages and API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor import store
from monitor.cli import main
from monitor.demo import DemoCampus, DemoServer, build_campus, demo_config_yaml, pii
from monitor.store import scans

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def campus() -> DemoCampus:
    return build_campus(today=TODAY)


@pytest.fixture(scope="module")
def server(campus: DemoCampus) -> Iterator[DemoServer]:
    with DemoServer(campus) as running:
        yield running


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, campus: DemoCampus, server: DemoServer) -> dict:
    """One crawl and one scan of site jwc in a fresh SQLite database; the outputs of each step."""
    tmp = tmp_path_factory.mktemp("scan")
    config = tmp / "demo.yaml"
    checklist = str(ROOT / "config" / "checklist.yaml")
    config.write_text(demo_config_yaml(campus, port=server.port, checklist_path=checklist), encoding="utf-8")
    db = tmp / "demo.db"
    run = {"config": config, "db": f"sqlite:///{db}", "file": db}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp)
        steps = {
            "crawl": ["crawl", "--site", "jwc"],
            "scan": ["scan", "--all", "--site", "jwc"],
            "again": ["scan", "--all", "--site", "jwc"],
            "check": ["check", "--format", "json"],
        }
        for name, args in steps.items():
            requests_before = len(server.requests())
            result = CliRunner().invoke(main, ["-v", "--config", str(config), "--db", run["db"], *args])
            assert result.exit_code == 0, result.output
            run[name] = result.stdout + result.stderr
            run[f"{name}_requests"] = len(server.requests()) - requests_before
    return run


def test_the_traps_are_found_exactly(scanned: dict, campus: DemoCampus) -> None:
    findings = json.loads(scanned["check"][scanned["check"].index("{") :])["findings"]
    assert pii.mismatches(campus, findings) == []
    leaks = [f for f in findings if f["kind"] == "pii_leak"]
    assert len(leaks) == 4
    for finding in leaks:
        assert finding["subject"] == f"jwc/{finding['detail']['url']}"
        assert all(k["excerpts"] for k in finding["detail"]["kinds"])


def test_masked_values_are_counted_as_masked(scanned: dict, campus: DemoCampus) -> None:
    engine = store.connect(scanned["db"])
    with store.sessions(engine).begin() as session:
        rows = scans.pii_rows(session, institution_key="demo", known_by=dt.datetime.now(dt.UTC))
        totals = scans.scan_totals(session, institution_key="demo")
    engine.dispose()
    masked = {(r.url, r.kind): r.masked for r in rows if r.masked and not r.leaks}
    assert sorted(kind for _, kind in masked) == ["id_number", "mobile"]
    assert sum(masked.values()) == 3
    assert totals["scanned"] >= 300  # the list rows' placeholder files (an empty PDF, empty ZIPs)
    assert totals.get("failed", 0) + totals.get("not_scanned", 0) <= 12  # are failed or not scanned


def test_a_second_scan_fetches_nothing(scanned: dict) -> None:
    assert scanned["again_requests"] == 0
    assert "scan: 0 items" in scanned["again"]


def test_no_planted_number_appears_in_full(scanned: dict, campus: DemoCampus) -> None:
    numbers = pii.planted_numbers(campus)
    assert len(numbers) == 18
    places = {name: scanned[name] for name in ("crawl", "scan", "again", "check")}
    places["database file"] = scanned["file"].read_bytes().decode("latin-1")
    for log in Path(scanned["file"].parent).rglob("*.log"):
        places[str(log)] = log.read_text(errors="replace")
    for where, text in places.items():
        for number in numbers:
            assert number not in text, f"{number[:3]}… in full in the {where}"
