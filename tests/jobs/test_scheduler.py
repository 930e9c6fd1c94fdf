"""The scheduler's cron triggers fire at the right local times (Asia/Shanghai), across a day and a week."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor import scheduler
from monitor.config import load_config

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "nightly", "weekly"),
    [
        # 01:00 on Friday 27 November in Shanghai is still Thursday 17:00 UTC
        (
            dt.datetime(2026, 11, 26, 17, 0, tzinfo=dt.UTC),
            local(2026, 11, 27, 2, 0),
            local(2026, 11, 30, 8, 0),
        ),
        # just after the nightly run: the next is tomorrow
        (local(2026, 11, 27, 2, 0, 1), local(2026, 11, 28, 2, 0), local(2026, 11, 30, 8, 0)),
        # Monday 07:59: the weekly run is a minute away; Monday 08:00:01: next Monday
        (local(2026, 11, 30, 7, 59), local(2026, 12, 1, 2, 0), local(2026, 11, 30, 8, 0)),
        (local(2026, 11, 30, 8, 0, 1), local(2026, 12, 1, 2, 0), local(2026, 12, 7, 8, 0)),
        # across the year
        (local(2026, 12, 31, 23, 0), local(2027, 1, 1, 2, 0), local(2027, 1, 4, 8, 0)),
    ],
)
def test_next_runs_in_the_institutions_zone(
    now: dt.datetime, nightly: dt.datetime, weekly: dt.datetime
) -> None:
    planned = {p.id: p.next_run for p in scheduler.plan(load_config(ROOT / "config" / "hit.yaml"), now=now)}
    assert planned == {"nightly": nightly, "weekly": weekly}
    assert all(run.utcoffset() == dt.timedelta(hours=8) for run in planned.values())


def test_numeric_weekdays_keep_their_crontab_meaning(tmp_path: Path) -> None:
    text = (ROOT / "config" / "hit.yaml").read_text(encoding="utf-8").replace('"0 8 * * MON"', '"30 7 * * 1"')
    (tmp_path / "hit.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "checklist.yaml").write_bytes((ROOT / "config" / "checklist.yaml").read_bytes())
    planned = {
        p.id: p.next_run for p in scheduler.plan(load_config(tmp_path / "hit.yaml"), now=local(2026, 11, 27))
    }
    assert planned["weekly"] == local(2026, 11, 30, 7, 30)  # a Monday, as crontab means it
