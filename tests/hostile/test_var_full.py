"""A full disk under the mail outbox: writing an .eml file fails with one clear error, never a traceback.

The full disk is simulated without root: the outbox file is a symlink to /dev/full, so every write
fails with ENOSPC, exactly as on a disk with no space left.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from monitor.errors import DeliveryError
from monitor.reports.mail import write_eml
from tests.hostile import harness
from tests.hostile.server import Hostile, Sizes, serving

TODAY = dt.date(2026, 12, 1)
pytestmark = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="/dev/full is absent")


def _message() -> EmailMessage:
    message = EmailMessage()
    message["Message-ID"] = "<lag-report-1@xxgk-monitor.invalid>"
    message["Subject"] = "lag report"
    message.set_content("body")
    return message


def test_full_outbox_gives_one_clear_error(tmp_path: Path) -> None:
    good = write_eml(_message(), tmp_path / "ok")  # the name the outbox file gets
    assert good.read_bytes()
    full = tmp_path / "full"
    full.mkdir()
    (full / good.name).symlink_to("/dev/full")
    with pytest.raises(DeliveryError) as caught:
        write_eml(_message(), full)
    text = str(caught.value)
    assert "cannot write" in text
    assert good.name in text
    assert "No space left" in text
    assert "\n" not in text


def test_report_out_on_a_full_disk_is_one_line_and_fails(tmp_path: Path) -> None:
    xxgk = Path(sys.executable).with_name("xxgk")
    config = Path(__file__).resolve().parents[2] / "config" / "hit.yaml"
    db = f"sqlite:///{tmp_path / 't.db'}"
    base = [str(xxgk), "--config", str(config), "--db", db, "report", "--sample"]
    ok = subprocess.run([*base, "--out", str(tmp_path / "ok")], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    names = sorted(p.name for p in (tmp_path / "ok").iterdir())
    assert names
    full = tmp_path / "full"
    full.mkdir()
    for name in names:
        (full / name).symlink_to("/dev/full")
    run = subprocess.run([*base, "--out", str(full)], capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    assert "cannot write" in lines[0]
    assert "No space left" in lines[0]


def test_an_unwritable_robots_cache_is_one_warning_and_the_crawl_goes_on(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "cache").write_text("a file where the cache directory goes", encoding="utf-8")
    with serving(Hostile(Sizes())) as hostile:
        run = harness.crawl(hostile, tmp_path, cases=(), crawl={"retries": 0}, today=TODAY, timeout=180)
    # (before the fix every column was "unreachable: robots.txt unavailable (NotADirectoryError …)")
    assert run.code == 0, run.output[-2000:]
    assert run.status == "finished"
    assert run.fetches["normal"].outcome == "ok", run.output[-2000:]
    assert run.items
    assert run.output.count("robots.txt cache not written") == 1, run.output[-2000:]
    assert "Traceback" not in run.output


def _fill(directory: Path) -> None:
    """Write zeros into ``directory`` until its file system is full."""
    with (directory / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise


def test_a_full_disk_under_the_robots_cache_is_one_warning_and_the_crawl_goes_on(tmp_path: Path) -> None:
    """var/ on a real full file system (a 64 KiB tmpfs, filled up): every cache write fails with
    ENOSPC; the crawl reads robots.txt anyway, warns once, and stores the normal column."""
    var = tmp_path / "var"
    var.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(var)]
    if os.geteuid() != 0 or subprocess.run(mount, capture_output=True, check=False).returncode != 0:
        pytest.skip("mounting a small tmpfs for var/ needs root (CAP_SYS_ADMIN)")
    try:
        _fill(var)
        with serving(Hostile(Sizes())) as hostile:
            run = harness.crawl(hostile, tmp_path, cases=(), crawl={"retries": 0}, today=TODAY, timeout=180)
    finally:
        subprocess.run(["umount", "-l", str(var)], check=False)
    assert run.code == 0, run.output[-2000:]
    assert run.status == "finished"
    assert run.fetches["normal"].outcome == "ok", run.output[-2000:]
    assert run.items
    assert run.output.count("robots.txt cache not written") == 1, run.output[-2000:]
    assert "Traceback" not in run.output
