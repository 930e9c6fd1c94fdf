"""A folder's institutions on one nightly schedule share one job and one crawler process.

`xxgk schedule` over a folder makes one ``nightly:CRON@ZONE`` job for the institutions whose
nights start together (``jobs.nightly_together``: one crawl of them all, then each one's scan,
check, reports and delivery) and forgets the stored jobs the folder no longer has. Run for two
copies of the demo campus with a real SMTP server (aiosmtpd), both are crawled by one crawler
process and each gets its own check and its own mail.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor import jobs, scheduler, store
from monitor.demo.institutions import demo_copies, write_folder
from monitor.deployment import load_deployment
from monitor.store.models import CheckRun, CrawlRun, Institution
from tests.distributed.conftest import CHECKLIST, HostCounter, serve_counted
from tests.jobs.test_mail_e2e import Inbox, free_port

TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def started(built: BlockingScheduler) -> set[str]:
    """Start the scheduler in a thread; the ids of its jobs once running; then shut it down."""
    thread = threading.Thread(target=built.start, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not built.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert built.running
    time.sleep(0.2)  # the start event's listener has run by the time the loop waits
    ids = {job.id for job in built.get_jobs()}
    built.shutdown(wait=False)
    thread.join(timeout=30)
    return ids


def test_institutions_starting_together_share_one_nightly_job_and_gone_ones_are_forgotten(
    tmp_path: Path,
) -> None:
    folder = write_folder(
        demo_copies(3, today=TODAY), tmp_path / "deployment", port=8800, checklist_path=CHECKLIST
    )
    late = (folder / "demo3.yaml").read_text(encoding="utf-8")
    assert "crawl: " in late
    (folder / "demo3.yaml").write_text(
        "\n".join(
            '  crawl: "30 1 * * *"' if line.strip().startswith("crawl: ") and line.startswith("  ") else line
            for line in late.splitlines()
        ),
        encoding="utf-8",
    )
    configs = load_deployment(folder).institutions
    assert configs[2].schedule.crawl == "30 1 * * *" != configs[0].schedule.crawl
    db_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    first, *rest = configs
    together = f"nightly:{first.schedule.crawl}@Asia/Shanghai"
    built = scheduler.build(first, db_url=db_url, more=rest)
    assert started(built) == {together, "nightly:demo3", "weekly:demo1", "weekly:demo2", "weekly:demo3"}
    again = scheduler.build(first, db_url=db_url, more=rest[:1])  # demo3 left the folder
    ids = started(again)
    assert ids == {together, "weekly:demo1", "weekly:demo2"}


def test_one_nightly_job_crawls_two_institutions_in_one_process_and_mails_each(tmp_path: Path) -> None:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    campuses = demo_copies(2, today=TODAY)
    db_url = f"sqlite:///{tmp_path / 'night.db'}"
    try:
        with serve_counted(campuses, HostCounter()) as port:
            folder = write_folder(campuses, tmp_path / "deployment", port=port, checklist_path=CHECKLIST)
            deployment = load_deployment(folder)
            engine = store.connect(db_url, create=True)
            store.upgrade(engine)
            with store.sessions(engine).begin() as session:
                for config in deployment.institutions:
                    store.sync_config(session, config=config, now=dt.datetime.now(dt.UTC))
            engine.dispose()
            for config in deployment.institutions:
                key = config.institution.id
                runtime = jobs.Runtime(
                    config_path=deployment.path_of(key),
                    db_url=db_url,
                    smtp_url=f"smtp://127.0.0.1:{controller.port}",
                )
                jobs.configure(runtime, institution=key)
            logs = jobs.nightly_together(["demo1", "demo2"])
    finally:
        controller.stop()
    for key, done in logs.items():
        assert done.failures == [], (key, done.failures)
        assert [line.split(":")[0] for line in done.steps] == [
            "crawl",
            "scan",
            "check",
            "reports",
            "delivery",
        ]
    engine = store.connect(db_url)
    try:
        with Session(engine) as session:
            crawled = session.execute(
                select(Institution.key, CrawlRun.status, CrawlRun.pid).join(
                    Institution, Institution.id == CrawlRun.institution_id
                )
            ).all()
            checked = session.scalars(
                select(Institution.key).join(CheckRun, CheckRun.institution_id == Institution.id)
            ).all()
    finally:
        engine.dispose()
    assert sorted((key, status) for key, status, _ in crawled) == [
        ("demo1", "finished"),
        ("demo2", "finished"),
    ]
    assert len({pid for _, _, pid in crawled}) == 1, "not one crawler process"
    assert sorted(checked) == ["demo1", "demo2"]
    recipients = {str(message["To"]) for message in inbox.messages}
    for config in deployment.institutions:
        assert config.mail.office[0] in recipients
