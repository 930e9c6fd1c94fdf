"""The `xxgk` command line: the only place that reads argv, the environment and files, and prints.

Every command turns a :class:`~monitor.errors.MonitorError` into one line on stderr and exit
code 1; usage errors exit 2, and so do commands whose capability is not built yet.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import click

from monitor import __version__, crawl, stats, store
from monitor.config import Config, load_config
from monitor.errors import MonitorError

DEFAULT_CONFIG = "config/hit.yaml"
DEFAULT_DB = "sqlite:///var/xxgk.db"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    """What the global options give every command; the config is loaded on first use."""

    config_path: Path
    db_url: str
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @contextmanager
    def session(self, *, migrate: bool = False) -> Iterator[store.Session]:
        """A session on a database at head (upgraded first when `migrate`); commits on success."""
        with store.translate_errors(self.db_url):
            engine = store.connect(self.db_url)
            try:
                store.upgrade(engine) if migrate else store.ensure_current(engine)
                with store.sessions(engine).begin() as session:
                    yield session
            finally:
                engine.dispose()


def _fail_cleanly(func: F) -> F:
    """Turn our errors into one line on stderr and exit 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MonitorError as exc:
            click.echo(f"xxgk: error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xxgk")
@click.option(
    "--config",
    "config_path",
    envvar="XXGK_CONFIG",
    default=DEFAULT_CONFIG,
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Institution config (YAML). Env: XXGK_CONFIG.",
)
@click.option(
    "--db",
    "db_url",
    envvar="XXGK_DB",
    default=DEFAULT_DB,
    show_default=True,
    help="Database URL: sqlite:///FILE or postgresql+psycopg://USER@HOST/DB. Env: XXGK_DB.",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def main(ctx: click.Context, config_path: Path, db_url: str, verbose: int) -> None:
    """xxgk-monitor: watch a university's information disclosure (信息公开)."""
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = State(config_path=config_path, db_url=db_url)


pass_state = click.make_pass_decorator(State)


@main.command()
@pass_state
@_fail_cleanly
def init(state: State) -> None:
    """Create or upgrade the database and sync the config into it."""
    config = state.config
    with state.session(migrate=True) as session:
        result = store.sync_config(session, config=config, now=dt.datetime.now(dt.UTC))
    sites = sum(1 for _ in config.sites())
    columns = sum(len(site.columns) for _, site in config.sites())
    click.echo(
        f"database {store.safe_url(state.db_url)} is at the latest revision; "
        f"{config.institution.id}: {len(config.campuses)} campuses, {sites} sites, {columns} columns"
    )
    for verb, names in (
        ("added", result.added),
        ("updated", result.updated),
        ("retired", result.retired),
        ("revived", result.revived),
    ):
        if names:
            click.echo(f"  {verb}: {len(names)} ({', '.join(names[:5])}{' …' if len(names) > 5 else ''})")


def _parse_date(_: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date as YYYY-MM-DD (got {value!r})") from None


@main.command("stats")
@click.option("--from", "start", callback=_parse_date, help="First day (YYYY-MM-DD), inclusive.")
@click.option("--to", "end", callback=_parse_date, help="Last day (YYYY-MM-DD), inclusive.")
@click.option("--format", "fmt", type=click.Choice(stats.FORMATS), default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@pass_state
@_fail_cleanly
def stats_command(
    state: State, start: dt.date | None, end: dt.date | None, fmt: str, out: Path | None
) -> None:
    """Items published per site in a period: the annual report's tables.

    Without --from/--to, the latest complete statistics year (from the institution's year_start).
    """
    config = state.config
    if (start is None) != (end is None):
        raise click.UsageError("give both --from and --to, or neither (the last statistics year)")
    if start is None or end is None:
        today = dt.datetime.now(config.institution.tz).date()
        start, end = stats.statistics_year(config.institution.year_start, today=today)
    if start > end:
        raise click.UsageError(f"--from {start} is after --to {end}")
    if fmt == "xlsx" and out is None:
        raise click.UsageError("--format xlsx needs --out FILE")
    with state.session() as session:
        key = config.institution.id
        counts = store.count_items_by_site(session, institution_key=key, start=start, end=end)
        manual = store.manual_counts(session, institution_key=key, start=start, end=end)
    tables = stats.build_tables(config, start=start, end=end, counts=counts, manual=manual)
    _emit_stats(tables, fmt, out)


def _emit_stats(tables: stats.StatsTables, fmt: str, out: Path | None) -> None:
    if fmt == "xlsx" and out is not None:
        _write(out, stats.to_xlsx(tables))
        return
    if fmt == "table" and out is None:
        _print_table(tables)
        return
    render = {"md": stats.to_markdown, "csv": stats.to_csv, "json": stats.to_json}.get(fmt, stats.to_markdown)
    text = render(tables)
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        _write(out, text.encode("utf-8"))


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise MonitorError(f"cannot write {path}: {exc.strerror or exc}") from None
    click.echo(f"wrote {path} ({len(data)} bytes)", err=True)


def _print_table(tables: stats.StatsTables) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"主动公开信息数量 {tables.start} — {tables.end}")
    for header, justify in (
        ("校区", "left"),
        ("序号", "right"),
        ("网站名称", "left"),
        ("网址", "left"),
        ("数量", "right"),
    ):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for row in stats.to_rows(tables):
        table.add_row(*row, end_section=row[2] == "总计")
    table.add_row("", "", "合计", "", str(tables.total))
    Console(highlight=False).print(table)


@main.command("crawl")
@click.option("--site", "sites", multiple=True, metavar="ID", help="Crawl only this site (repeatable).")
@click.option("--full", is_flag=True, help="Page back to the beginning of every column (backfill).")
@click.option("--today", callback=_parse_date, help="Crawl as of this date (default: today, local).")
@click.option("--timeout", type=click.IntRange(min=1), default=6 * 3600, show_default=True, help="Seconds.")
@pass_state
@_fail_cleanly
def crawl_command(
    state: State, sites: tuple[str, ...], full: bool, today: dt.date | None, timeout: int
) -> None:
    """Crawl every column of the configured sites into the database."""
    _crawl(state, sites=sites, full=full, today=today, timeout=timeout)


def _crawl(state: State, *, sites: tuple[str, ...], full: bool, today: dt.date | None, timeout: int) -> None:
    config = state.config
    for site in sites:
        config.site(site)  # unknown ids fail here, with one line
    with state.session(migrate=True) as session:
        store.sync_config(session, config=config, now=dt.datetime.now(dt.UTC))
    verbose = logging.getLogger().level < logging.WARNING
    argv = crawl.crawl_command(
        config_path=state.config_path,
        db_url=state.db_url,
        sites=sites,
        full=full,
        today=today,
        progress=sys.stderr.isatty(),
        verbose=2 if logging.getLogger().level <= logging.DEBUG else int(verbose),
    )
    code = crawl.run_crawl(argv, timeout=timeout)
    with state.session() as session:
        run = store.crawls.latest_run(session, institution_key=config.institution.id)
        rows = store.crawls.run_fetches(session, run_id=run[0]) if run else []
    _print_fetches(rows)
    if code != 0:
        raise MonitorError(f"the crawl ended with errors (exit {code}); run with -v for details")


def _print_fetches(rows: list[store.crawls.FetchRow]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="crawl summary")
    for header in ("site", "column", "outcome", "HTTP", "pages", "items seen", "new", "note"):
        table.add_column(
            header, justify="right" if header in ("HTTP", "pages", "items seen", "new") else "left"
        )
    for row in rows:
        style = "" if row.outcome in ("ok", "empty") else "yellow"
        note = (row.error or "")[:80]
        cells = (row.site, row.column, row.outcome, str(row.http_status or ""), str(row.pages))
        table.add_row(*cells, str(row.items_seen), str(row.items_new), note, style=style)
    seen, new = sum(r.items_seen for r in rows), sum(r.items_new for r in rows)
    table.add_row("total", f"{len(rows)} columns", "", "", "", str(seen), str(new), "", end_section=True)
    Console(highlight=False).print(table)


def _http_url(_: click.Context, param: click.Parameter, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise click.BadParameter(f"expected an http:// or https:// URL (got {value!r})")
    return value


@main.command("discover")
@click.argument("url", callback=_http_url)
@click.option("--max-pages", type=click.IntRange(min=1), default=40, show_default=True, help="Pages to read.")
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=crawl.DISCOVER_TIMEOUT,
    show_default=True,
    help="Seconds before the discovery is stopped.",
)
@pass_state
@_fail_cleanly
def discover_command(state: State, url: str, max_pages: int, timeout: int) -> None:
    """Propose the columns block for a site, from the navigation of its home page URL.

    The links of the home page's menus and 更多 blocks that lead to list pages on its host become
    columns with a CMS family, a kind and checklist guesses: paste the block into the site's
    entry and check it. Pages are fetched with the config's politeness settings.
    """
    state.config  # noqa: B018 - a broken config fails here, with its one line
    argv = crawl.discover_command(url=url, config_path=state.config_path, max_pages=max_pages)
    click.echo(crawl.run_discover(argv, timeout=timeout), nl=False)


@main.command("demo")
@click.option("--port", type=click.IntRange(0, 65535), default=8800, show_default=True,
              help="Port of the demo sites (0: any free port).")  # fmt: skip
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("var/demo"),
              show_default=True, help="Where the demo config and database go.")  # fmt: skip
@pass_state
@_fail_cleanly
def demo_command(state: State, port: int, workdir: Path) -> None:
    """Serve the bundled demo campus on loopback, crawl it, and check the result against its truth."""
    from monitor import demo

    today = dt.datetime.now(dt.UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    campus = demo.build_campus(today=today)
    workdir.mkdir(parents=True, exist_ok=True)
    with _demo_server(demo, campus, port) as server:
        config_path = workdir / "demo.yaml"
        checklist = Path(__file__).resolve().parents[1] / "config" / "checklist.yaml"
        config_path.write_text(
            demo.demo_config_yaml(campus, port=server.port, checklist_path=str(checklist)), encoding="utf-8"
        )
        db_url = state.db_url if state.db_url != DEFAULT_DB else _fresh_sqlite(workdir / "demo.db")
        click.echo(f"demo campus: {len(list(campus.sites()))} sites on 127.0.0.11… port {server.port}")
        click.echo(f"config {config_path}, database {store.safe_url(db_url)}")
        demo_state = State(config_path=config_path, db_url=db_url)
        _crawl(demo_state, sites=(), full=True, today=today, timeout=1800)
        _demo_report(campus, demo_state, today)


def _fresh_sqlite(path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


@contextmanager
def _demo_server(demo: Any, campus: Any, port: int) -> Iterator[Any]:
    try:
        server = demo.DemoServer(campus, port=port).start()
    except OSError:
        if port == 0:
            raise
        click.echo(f"port {port} is taken; using a free port", err=True)
        server = demo.DemoServer(campus, port=0).start()
    try:
        yield server
    finally:
        server.stop()


def _demo_report(campus: Any, state: State, today: dt.date) -> None:
    start, end = today - dt.timedelta(days=364), today
    config = state.config
    with state.session() as session:
        counts = store.count_items_by_site(session, institution_key="demo", start=start, end=end)
        run = store.crawls.latest_run(session, institution_key="demo")
        rows = store.crawls.run_fetches(session, run_id=run[0]) if run else []
    tables = stats.build_tables(config, start=start, end=end, counts=counts, manual={})
    click.echo(stats.to_markdown(tables))
    outcomes = {(row.site, row.column): row.outcome for row in rows}
    from monitor.demo.selfcheck import mismatches

    wrong = mismatches(campus, outcomes=outcomes, counts=counts, start=start, end=end)
    if wrong:
        raise MonitorError(f"the demo differs from its ground truth: {'; '.join(wrong[:5])}")
    click.echo(f"ground truth: all {len(outcomes)} column outcomes and {len(counts)} site counts match")


_NOT_BUILT = {
    "check": ("check [--at DATE] [--format text|json]", "compliance checks, issue #4"),
    "report": ("report [--send | --out DIR] [--sample]", "lag reports by e-mail, issue #5"),
    "serve": ("serve [--host H --port P]", "the dashboard, issue #6"),
    "schedule": ("schedule", "the nightly scheduler, issue #5"),
}


def _not_built(name: str, usage: str, where: str) -> click.Command:
    @click.pass_context
    def command(ctx: click.Context, /, **_: Any) -> None:
        click.echo(f"xxgk {name}: not built yet ({where}); see README.md, 'Status'", err=True)
        ctx.exit(2)

    return click.Command(
        name,
        callback=command,
        help=f"Not built yet ({where}). Usage: xxgk {usage}",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


for _name, (_usage, _where) in _NOT_BUILT.items():
    main.add_command(_not_built(_name, _usage, _where))
