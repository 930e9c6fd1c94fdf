"""A folder of institutions crawled in one crawler process, several at once (`crawler.run.crawl_many`).

Three copies of the demo campus and a fourth institution on the first copy's hosts are one
folder. `xxgk crawl --full --parallel 4` crawls them in one process: every institution has its
own finished run (all recorded by the same crawler pid), the copy crawled alone into another
database has the same column outcomes and items, the two institutions that share hosts ran one
after the other, and no host saw more requests at once than ``per_host_concurrency``.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.run import host_groups
from monitor import store
from monitor.config import load_config
from monitor.demo.institutions import demo_copies, write_folder
from monitor.store.models import CrawlRun, Institution
from tests.distributed.conftest import CHECKLIST, HostCounter, fetches, serve_counted

TODAY = dt.date(2026, 11, 26)
PER_HOST = 2


def xxgk(config: Path, db_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "monitor", "--config", str(config), "--db", db_url, *args]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=900, check=False)


def tightened(config: str) -> str:
    """Politeness the counter can catch; no link checks (they are no part of what is compared)."""
    config = config.replace("per_host_concurrency: 4", f"per_host_concurrency: {PER_HOST}")
    return config.replace("\ncrawl:\n", "\nchecks:\n  link_checks: false\ncrawl:\n", 1)


def items(db_url: str, institution: str) -> dict[str, dict[str, tuple[str, dt.date | None]]]:
    engine = store.connect(db_url)
    try:
        with Session(engine) as session:
            return store.crawls.site_items(session, institution_key=institution)
    finally:
        engine.dispose()


def runs(db_url: str) -> dict[str, CrawlRun]:
    engine = store.connect(db_url)
    try:
        with Session(engine) as session:
            query = select(Institution.key, CrawlRun).join(
                Institution, Institution.id == CrawlRun.institution_id
            )
            rows = session.execute(query).all()
            session.expunge_all()
            return {key: run for key, run in rows}
    finally:
        engine.dispose()


def test_a_folder_is_crawled_in_one_process_each_institution_as_if_alone(tmp_path: Path) -> None:
    counter = HostCounter()
    campuses = demo_copies(3, today=TODAY)
    with serve_counted(campuses, counter) as port:
        folder = write_folder(campuses, tmp_path / "deployment", port=port, checklist_path=CHECKLIST)
        for file in folder.glob("demo*.yaml"):
            file.write_text(tightened(file.read_text(encoding="utf-8")), encoding="utf-8")
        twin = (folder / "demo1.yaml").read_text(encoding="utf-8").replace("id: demo1\n", "id: twin\n", 1)
        assert "id: twin\n" in twin
        (folder / "twin.yaml").write_text(twin, encoding="utf-8")
        together, alone = f"sqlite:///{tmp_path / 'together.db'}", f"sqlite:///{tmp_path / 'alone.db'}"

        done = xxgk(folder, together, "crawl", "--full", "--parallel", "4", "--today", TODAY.isoformat(),
                    cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        assert "crawling 4 institutions, 4 at once" in done.stdout
        for key in ("demo1", "demo2", "demo3", "twin"):
            assert f"{key}: finished, 36 columns" in done.stdout, done.stdout
        assert max(counter.peak.values()) <= PER_HOST, counter.peak.most_common(3)

        solo = xxgk(folder, alone, "crawl", "--institution", "demo2", "--full", "--today", TODAY.isoformat(),
                    cwd=tmp_path)  # fmt: skip
        assert solo.returncode == 0, solo.stderr[-3000:]

    found = runs(together)
    assert sorted(found) == ["demo1", "demo2", "demo3", "twin"]
    assert {run.status for run in found.values()} == {"finished"}
    assert len({run.pid for run in found.values()}) == 1, "not one crawler process"
    first, second = sorted((found["demo1"], found["twin"]), key=lambda run: run.started_at)
    assert second.started_at >= first.finished_at, "two institutions on one host crawled at once"
    assert fetches(together, "demo2") == fetches(alone, "demo2")
    assert items(together, "demo2") == items(alone, "demo2")
    assert items(together, "twin") == items(together, "demo1")
    assert sum(len(by_url) for by_url in items(together, "demo3").values()) > 1000


def test_institutions_sharing_a_host_are_one_group_in_config_order(tmp_path: Path) -> None:
    campuses = demo_copies(3, today=TODAY)
    folder = write_folder(campuses, tmp_path / "deployment", port=8800, checklist_path=CHECKLIST)
    one, two, three = (load_config(folder / f"demo{i}.yaml") for i in (1, 2, 3))
    assert [[c.institution.id for c in group] for group in host_groups([one, two, three])] == [
        ["demo1"],
        ["demo2"],
        ["demo3"],
    ]
    twin = one.model_copy(update={"institution": one.institution.model_copy(update={"id": "twin"})})
    groups = host_groups([twin, two, one, three])
    assert [[c.institution.id for c in group] for group in groups] == [
        ["twin", "demo1"],
        ["demo2"],
        ["demo3"],
    ]


def test_a_night_stopped_by_its_timeout_aborts_the_crawl_under_way_and_starts_no_other(
    tmp_path: Path,
) -> None:
    counter = HostCounter()
    campuses = demo_copies(3, today=TODAY)
    with serve_counted(campuses, counter) as port:
        folder = write_folder(campuses, tmp_path / "deployment", port=port, checklist_path=CHECKLIST)
        for file in folder.glob("demo*.yaml"):  # hundreds of pages on the busiest host, 0.2 s apart
            # link checks on: one started while the night is being stopped must not leave the run open
            slow = (
                file.read_text(encoding="utf-8")
                .replace("per_host_concurrency: 4", "per_host_concurrency: 2")
                .replace("delay_seconds: 0\n", "delay_seconds: 0.2\n")
            )
            file.write_text(slow, encoding="utf-8")
        db_url = f"sqlite:///{tmp_path / 'night.db'}"
        done = xxgk(folder, db_url, "crawl", "--full", "--parallel", "1", "--timeout", "8", "--today",
                    TODAY.isoformat(), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert (
        done.stderr.strip().splitlines()[-1]
        == "xxgk: error: the crawl did not finish within 8 s and was stopped"
    )
    assert "demo1: aborted, " in done.stdout, done.stdout
    assert "demo2: not crawled" in done.stdout
    assert "demo3: not crawled" in done.stdout
    found = runs(db_url)
    assert sorted(found) == ["demo1"]
    assert found["demo1"].status == "aborted"
    assert found["demo1"].finished_at is not None
