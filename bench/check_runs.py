"""The timed runs of the check benchmark: ``xxgk`` subprocesses, and the same calls in this process.

Every figure against a goal is the wall time of a plain ``xxgk`` subprocess (stdout to
/dev/null). The splits (which part of a check or a stats run takes how long) come from cProfile:
the same calls made in this process under ``cProfile.Profile``, and one first run in a child
(``bench_check.py _cli``: the same ``main()`` of ``monitor.cli`` under the profiler). The
profile's cumulative time of each of the product's functions in `PARTS` is read back by the
function's code object (file, first line, name); nothing of the product is wrapped or replaced.
The profiler adds its overhead to every Python call, more to Python-heavy parts (the classifier)
than to SQL, so the splits are shown beside the profiled total, and the unprofiled totals apart.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import importlib
import inspect
import io
import json
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from check_backends import Backend, PostgresBackend
from check_institution import TZ, ColumnPlan
from check_load import Loaded, add_new_items, load, vacuum

ROOT = Path(__file__).resolve().parents[1]
XXGK = ROOT / ".venv" / "bin" / "xxgk"
ENTRY = Path(__file__).resolve().parent / "bench_check.py"
NEW_ITEMS = 2_000
CHECK_GOAL, STATS_GOAL = 10.0, 2.0
TIMEOUT = 900

#: The parts the table splits out: name → (module, qualified name) of the product's function.
#: Looked up to find its code object in a profile; never replaced.
PARTS: dict[str, tuple[str, str]] = {
    "load_config": ("monitor.config", "load_config"),
    "connect": ("monitor.store", "connect"),
    "ensure_current": ("monitor.store", "ensure_current"),
    "run_check": ("monitor.checks", "run_check"),
    "classify_new": ("monitor.checks", "classify_new"),
    "build_snapshot": ("monitor.checks", "build_snapshot"),
    "rules.judge": ("monitor.rules", "judge"),
    "check_document": ("monitor.checks", "check_document"),
    "period_tables": ("monitor.checks", "period_tables"),
    "unlabelled": ("monitor.store.checks", "unlabelled"),
    "store_labels": ("monitor.store.checks", "store_labels"),
    "column_facts": ("monitor.store.checks", "column_facts"),
    "recent_outcomes": ("monitor.store.checks", "recent_outcomes"),
    "evidence": ("monitor.store.checks", "evidence"),
    "report_type_counts": ("monitor.store.checks", "report_type_counts"),
    "open_keys": ("monitor.store.checks", "open_keys"),
    "save_findings": ("monitor.store.checks", "save_findings"),
    "count_items_by_site": ("monitor.store", "count_items_by_site"),
    "manual_counts": ("monitor.store", "manual_counts"),
    "build_tables": ("monitor.stats", "build_tables"),
    "to_json": ("monitor.stats", "to_json"),
    "commit": ("sqlalchemy.orm.session", "SessionTransaction.commit"),
}


def log(backend: str, *parts: Any) -> None:
    print(f"[{backend} {time.strftime('%H:%M:%S')}]", *parts, file=sys.stderr, flush=True)


def cli(config: Path, url: str, *args: str, profile: Path | None = None) -> float:
    """Wall seconds of one `xxgk` subprocess, its stdout to /dev/null (as `> /dev/null`).

    With `profile`, the same command runs through `bench_check.py _cli`, under cProfile: the
    profile goes to that file, the seconds of importing `monitor.cli` and of `main()` beside it
    (`<profile>.json`).
    """
    command = [str(XXGK)] if profile is None else [sys.executable, str(ENTRY), "_cli", str(profile)]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "--config", str(config), "--db", url, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"xxgk {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def profiled_cli_child(profile_path: str, argv: list[str]) -> None:
    """`bench_check.py _cli FILE XXGK-ARGS…`: `xxgk` under cProfile; the profile to FILE."""
    started = time.perf_counter()
    from monitor.cli import main as xxgk

    imported = time.perf_counter()
    profiler = cProfile.Profile()
    code = 0
    profiler.enable()
    try:
        xxgk.main(args=argv, prog_name="xxgk", standalone_mode=False)
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        profiler.disable()
    done = time.perf_counter()
    profiler.dump_stats(profile_path)
    times = {"import": imported - started, "main": done - imported}
    Path(f"{profile_path}.json").write_text(json.dumps(times))
    sys.stdout.flush()
    os._exit(code)  # as the CLI would exit, minus interpreter teardown (timed from outside anyway)


@dataclass
class Split:
    """Seconds per part (`PARTS`) of one run under cProfile, its calls, and the profiled total."""

    total: float
    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> float:
        return self.seconds.get(name, 0.0)


def code_key(module: str, qualname: str) -> tuple[str, int, str] | None:
    """The (file, first line, name) by which cProfile knows a function; None if it is gone."""
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return None
    code = inspect.unwrap(found).__code__
    return code.co_filename, code.co_firstlineno, code.co_name


def split_of(profile: Path, total: float, **extra: float) -> Split:
    """The cumulative seconds and primitive calls of each part found in the profile at `profile`."""
    table: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
    split = Split(total)
    for name, (module, qualname) in PARTS.items():
        key = code_key(module, qualname)
        if key is not None and key in table:
            primitive, _, _, cumulative, _ = table[key]
            split.seconds[name], split.calls[name] = cumulative, primitive
    split.seconds.update(extra)
    return split


def read_child_split(profile: Path) -> Split:
    times = json.loads(Path(f"{profile}.json").read_text())
    return split_of(profile, times["main"], **{"import": times["import"]})


@contextlib.contextmanager
def profiling(profile: Path | None) -> Iterator[None]:
    """cProfile over the block, its stats dumped to `profile`; nothing when `profile` is None."""
    if profile is None:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(profile)


class Statements:
    """Every SQL statement run while attached, with its parameters and seconds (for EXPLAIN).

    SQLAlchemy's engine events, the library's own hook: nothing is replaced.
    """

    def __init__(self) -> None:
        self.seen: list[tuple[float, str, Any]] = []

    @contextlib.contextmanager
    def attached(self) -> Iterator[None]:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            conn.info["bench_started"] = time.perf_counter()

        def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            self.seen.append((time.perf_counter() - conn.info.pop("bench_started"), statement, parameters))

        event.listen(Engine, "before_cursor_execute", before)
        event.listen(Engine, "after_cursor_execute", after)
        try:
            yield
        finally:
            event.remove(Engine, "before_cursor_execute", before)
            event.remove(Engine, "after_cursor_execute", after)

    def selects(self) -> list[tuple[str, Any]]:
        return [
            (statement, parameters)
            for _, statement, parameters in self.seen
            if statement.startswith("SELECT")
        ]


def explain(url: str, statements: list[tuple[str, Any]], n: int) -> str:
    """The `n` slowest of `statements`, each run again to its last row (a SQLite cursor returns at
    the first row), with its plan: PostgreSQL EXPLAIN (ANALYZE, BUFFERS), SQLite EXPLAIN QUERY PLAN."""
    from monitor import store

    engine = store.connect(url)
    out = []
    with engine.connect() as conn:
        postgres = engine.dialect.name == "postgresql"
        timed = []
        for statement, parameters in statements:
            started = time.perf_counter()
            conn.exec_driver_sql(statement, parameters).all()
            timed.append((time.perf_counter() - started, statement, parameters))
        for seconds, statement, parameters in sorted(timed, key=lambda s: s[0], reverse=True)[:n]:
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            plan = "\n".join(str(r[0]) if postgres else f"{'  ' * (r[1] > 0)}{r[3]}" for r in rows)
            short = " ".join(statement.split())
            out.append(
                f"-- {seconds * 1000:.0f} ms: {short[:600]}{' …' if len(short) > 600 else ''}\n{plan}\n"
            )
        conn.rollback()
    engine.dispose()
    return "\n".join(out)


def check_in_process(
    config_path: Path, url: str, *, profile: Path | None = None, statements: Statements | None = None
) -> Split:
    """One `xxgk check --format json` as the CLI runs it (the same public calls), in this process.

    Without `profile`, the Split holds the wall time only; with it, the parts from the profile.
    """
    from monitor import checks, store
    from monitor.config import load_config

    started = time.perf_counter()
    with profiling(profile), statements.attached() if statements else contextlib.nullcontext():
        config = load_config(config_path)
        today = dt.datetime.now(config.institution.tz).date()
        engine = store.connect(url)
        store.ensure_current(engine)
        with store.sessions(engine).begin() as session:
            result = checks.run_check(session, config, at=today, today=today)
        engine.dispose()
        json.dumps(checks.check_document(result), ensure_ascii=False, indent=2)
    total = time.perf_counter() - started
    split = split_of(profile, total) if profile else Split(total)
    split.summary = checks.summary(result.judgement, result.states, result.resolved)
    return split


def stats_in_process(
    config_path: Path,
    url: str,
    start: dt.date,
    end: dt.date,
    *,
    profile: Path | None = None,
    statements: Statements | None = None,
) -> Split:
    """One `xxgk stats --format json` as the CLI runs it (the same public calls), in this process."""
    from monitor import checks, stats, store
    from monitor.config import load_config

    started = time.perf_counter()
    with profiling(profile), statements.attached() if statements else contextlib.nullcontext():
        config = load_config(config_path)
        engine = store.connect(url)
        store.ensure_current(engine)
        with store.sessions(engine).begin() as session:
            checks.classify_new(session, config)
            tables = checks.period_tables(session, config, start=start, end=end)
        engine.dispose()
        stats.to_json(tables)
    total = time.perf_counter() - started
    split = split_of(profile, total) if profile else Split(total)
    split.summary = {"total": tables.total, "by_type": tables.by_type}
    return split


def labelled_share(url: str) -> tuple[int, int, int]:
    """(items, items with a checklist label, items with a report type)."""
    from sqlalchemy import func, select

    from monitor import store
    from monitor.store.models import Item, ItemLabel

    engine = store.connect(url)
    with engine.connect() as conn:
        items = conn.scalar(select(func.count()).select_from(Item))
        labelled = conn.scalar(select(func.count(func.distinct(ItemLabel.item_id))))
        typed = conn.scalar(select(func.count()).select_from(Item).where(Item.report_type.is_not(None)))
    engine.dispose()
    return items, labelled, typed


def top_of_profile(path: Path, n: int = 30) -> str:
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("cumulative").print_stats(n)
    stats.sort_stats("tottime").print_stats(n)
    return out.getvalue()


@dataclass
class Result:
    backend: str
    version: str
    loaded: Loaded
    init: float = 0.0
    first: list[float] = field(default_factory=list)  # plain `xxgk check`, first run
    first_split: Split | None = None  # one more first run, under cProfile
    steady: list[float] = field(default_factory=list)
    steady_totals: list[float] = field(default_factory=list)  # in process, unprofiled
    steady_splits: list[Split] = field(default_factory=list)  # in process, under cProfile
    new: list[float] = field(default_factory=list)
    new_split: Split | None = None
    stats: list[float] = field(default_factory=list)
    stats_totals: list[float] = field(default_factory=list)
    stats_splits: list[Split] = field(default_factory=list)
    startup: list[float] = field(default_factory=list)
    shares: tuple[int, int, int] = (0, 0, 0)
    vacuum_after_first: float = 0.0
    size_after: float = 0.0
    profiles: dict[str, Path] = field(default_factory=dict)
    plans: dict[str, str] = field(default_factory=dict)


def med(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def run_backend(
    backend: Backend, args: argparse.Namespace, work: Path, config_path: Path, plans: list[ColumnPlan]
) -> Result:
    """Load the backend's base database, then the first, steady and stats runs on copies of it."""
    from monitor import store

    today = dt.datetime.now(TZ).date()
    base = backend.create_base()
    t = time.perf_counter()
    subprocess.run(
        [str(XXGK), "--config", str(config_path), "--db", base, "init"],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=TIMEOUT,
    )
    init = time.perf_counter() - t
    loaded = load(base, plans, items=args.items, today=today)
    loaded.size_mb = backend.size_mb(base)
    result = Result(backend.name, backend.version(), loaded, init=init)
    log(backend.name, f"loaded {loaded.items:,} items, {loaded.links:,} links in {loaded.seconds:.1f} s")
    result.startup = [cli(config_path, base, "--version") for _ in range(args.runs)]
    first_runs(backend, args, work, config_path, result)
    main_url = backend.copy("main")
    result.first.append(cli(config_path, main_url, "check", "--format", "json"))
    log(backend.name, f"first check (xxgk): {result.first[-1]:.1f} s")
    result.shares = labelled_share(main_url)
    if isinstance(backend, PostgresBackend):
        engine = store.connect(main_url)
        result.vacuum_after_first = vacuum(engine)
        engine.dispose()
    steady_runs(backend.name, args, work, config_path, main_url, plans, result)
    stats_runs(backend.name, args, work, config_path, main_url, today, result)
    result.size_after = backend.size_mb(main_url)
    backend.drop(main_url)
    backend.drop(base)
    return result


def first_runs(
    backend: Backend, args: argparse.Namespace, work: Path, config_path: Path, result: Result
) -> None:
    """1. `--first-runs` plain first runs and one under cProfile, each on a fresh copy."""
    for n in range(args.first_runs):
        url = backend.copy(f"first{n}")
        result.first.append(cli(config_path, url, "check", "--format", "json"))
        log(backend.name, f"first check (xxgk) {n + 1}: {result.first[-1]:.1f} s")
        backend.drop(url)
    url = backend.copy("profiled")
    profile = work / f"first-{backend.name}.prof"
    seconds = cli(config_path, url, "check", "--format", "json", profile=profile)
    result.first_split = read_child_split(profile)
    log(backend.name, f"first check under cProfile: {seconds:.1f} s")
    backend.drop(url)


def steady_runs(
    name: str,
    args: argparse.Namespace,
    work: Path,
    config_path: Path,
    url: str,
    plans: list[ColumnPlan],
    result: Result,
) -> None:
    """2. Steady checks (nothing new to classify), then each after NEW_ITEMS new items."""
    for n in range(args.runs):
        result.steady.append(cli(config_path, url, "check", "--format", "json"))
        log(name, f"steady check {n + 1}: {result.steady[-1]:.1f} s")
    result.steady_totals = [check_in_process(config_path, url).total for _ in range(args.runs)]
    profile = work / f"profile-check-{name.lower()}.prof"
    result.steady_splits = [check_in_process(config_path, url, profile=profile) for _ in range(args.runs)]
    if args.profile or med(result.steady) > CHECK_GOAL:
        result.profiles["steady check"] = profile
    statements = Statements()
    check_in_process(config_path, url, statements=statements)
    result.plans["check"] = explain(url, statements.selects(), 4)
    for n in range(args.runs):
        add_new_items(url, plans, result.loaded, count=NEW_ITEMS, seed=100 + n)
        result.new.append(cli(config_path, url, "check", "--format", "json"))
        log(name, f"check after {NEW_ITEMS} new items {n + 1}: {result.new[-1]:.1f} s")
    add_new_items(url, plans, result.loaded, count=NEW_ITEMS, seed=200)
    result.new_split = check_in_process(config_path, url, profile=work / "profile-new.prof")


def stats_runs(
    name: str,
    args: argparse.Namespace,
    work: Path,
    config_path: Path,
    url: str,
    today: dt.date,
    result: Result,
) -> None:
    """3. `xxgk stats` for the last complete statistics year."""
    from monitor import stats as stats_module

    start, end = stats_module.statistics_year("09-01", today=today)
    for n in range(args.runs):
        result.stats.append(
            cli(config_path, url, "stats", "--from", str(start), "--to", str(end), "--format", "json")
        )
        log(name, f"stats {n + 1}: {result.stats[-1]:.2f} s")
    result.stats_totals = [stats_in_process(config_path, url, start, end).total for _ in range(args.runs)]
    profile = work / f"profile-stats-{name.lower()}.prof"
    result.stats_splits = [
        stats_in_process(config_path, url, start, end, profile=profile) for _ in range(args.runs)
    ]
    if args.profile or med(result.stats) > STATS_GOAL:
        result.profiles["stats"] = profile
    statements = Statements()
    stats_in_process(config_path, url, start, end, statements=statements)
    result.plans["stats"] = explain(url, statements.selects(), 3)
