"""Run one ``xxgk crawl --full`` over the hostile campus and gather what the test and bench judge.

The crawl runs as a subprocess (the CLI, which starts the crawler as its own child), so its wall
time and the peak RSS of its largest process are the crawl's alone. The peak is taken by a small
launcher (:data:`LAUNCHER`) that starts the CLI and reports ``RUSAGE_CHILDREN`` once it has waited
for it: Linux counts the RSS of the process a child was started from in the child's
``ru_maxrss`` (the old memory map's high-water mark is kept at ``exec``), so ``os.wait4`` on a
CLI started straight from a long pytest process reported pytest's size (549 MB in CI after
1,900 tests, against a crawl of ~100 MB).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from monitor import store
from monitor.store import crawls
from tests.hostile.server import CASES, Hostile

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Result:
    code: int
    output: str
    seconds: float
    peak_rss_mb: float
    fetches: dict[str, crawls.FetchRow]  # column id → its outcome row
    items: dict[str, tuple[str, dt.date | None]]  # item URL → (title, date)
    status: str


def config_yaml(hostile: Hostile, *, cases: Sequence[str], crawl: Mapping[str, object]) -> str:
    """Institution ``h``: one site on the hostile server, a normal column and the ``cases``."""
    keys = {"obey_robots": "true", "per_host_concurrency": 8, "delay_seconds": 0, **crawl}
    columns = [("normal", "/normal/list.htm"), *((case, CASES[case].path) for case in cases)]
    lines = [
        "institution: {id: h, name: 测试大学, timezone: Asia/Shanghai, contact: t@example.edu.cn}",
        f"checklist: {ROOT / 'config' / 'checklist.yaml'}",
        "crawl: {" + ", ".join(f"{key}: {value}" for key, value in keys.items()) + "}",
        "mail: {office: [o@example.edu.cn]}",
        "checks: {link_checks: false}",  # the bounds are the column crawl's; its requests are counted
        "campuses:",
        "  - {id: main, name: 校本部, sites: [{id: s, name: 测试站, url: s.example.edu.cn, columns: [",
        *(
            f"      {{id: {cid}, name: {cid}, kind: notice, url: {hostile.url(path)}}},"
            for cid, path in columns
        ),
        "    ]}]}",
    ]
    return "\n".join(lines) + "\n"


def write_config(hostile: Hostile, tmp: Path, *, cases: Sequence[str], crawl: Mapping[str, object]) -> Path:
    config = tmp / "h.yaml"
    config.write_text(config_yaml(hostile, cases=cases, crawl=crawl), encoding="utf-8")
    return config


#: Runs ``argv[2:]``, waits for it and writes its exit code and the peak RSS (KiB) of its process
#: tree to the file ``argv[1]``; the launcher itself is one small interpreter, so the figure it
#: passes on at the CLI's ``exec`` is its own few MB, not the caller's.
LAUNCHER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as out:
    out.write(f"{code} {peak}")
sys.exit(code)
"""


def xxgk(config: Path, db_url: str) -> list[str]:
    """The command line of ``xxgk`` on this config and database."""
    return [sys.executable, "-m", "monitor", "--config", str(config), "--db", db_url]


def crawl(
    hostile: Hostile,
    tmp: Path,
    *,
    cases: Sequence[str],
    crawl: Mapping[str, object],
    today: dt.date,
    timeout: float = 600,
    max_file_bytes: int | None = None,
) -> Result:
    """The crawl, with ``max_file_bytes`` its largest file (``RLIMIT_FSIZE``: a full disk for the
    database, which must exist by then) when given."""
    config = write_config(hostile, tmp, cases=cases, crawl=crawl)
    db_url = f"sqlite:///{tmp / 'h.db'}"
    argv = [*xxgk(config, db_url), "crawl", "--full", "--today", today.isoformat()]
    started = time.monotonic()
    log = tmp / "crawl.log"
    usage = tmp / "usage.txt"
    usage.unlink(missing_ok=True)
    with log.open("w+", encoding="utf-8") as out:
        child = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(usage), *argv],
            cwd=tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            preexec_fn=None if max_file_bytes is None else _limit_files(max_file_bytes),
            start_new_session=True,  # a timeout kills the launcher, the CLI and the crawler at once
        )
        status, peak_kb = _wait(child, timeout, usage)
        seconds = time.monotonic() - started
        out.seek(0)
        output = out.read()
    peak = peak_kb / 1024
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            run = crawls.latest_run(session, institution_key="h")
            assert run is not None, output
            fetches = {row.column: row for row in crawls.run_fetches(session, run_id=run[0])}
            items = crawls.site_items(session, institution_key="h").get("s", {})
    finally:
        engine.dispose()
    return Result(status, output, seconds, peak, fetches, items, run[1])


def _wait(child: subprocess.Popen[str], timeout: float, usage: Path) -> tuple[int, int]:
    """Wait for the launcher ``child``; return the CLI's exit code and its tree's peak RSS (KiB)."""
    try:
        child.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        raise
    code, peak = usage.read_text(encoding="utf-8").split()
    return int(code), int(peak)


def _limit_files(size: int) -> Callable[[], None]:
    def limit() -> None:  # in the child, before exec: Python ignores SIGXFSZ, so writes fail EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit
