"""The `xxgk` group and its global options, the shared command plumbing, and `init` and `stats`."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from monitor import __version__, checks, stats, store
from monitor.config import Config
from monitor.deployment import Deployment, load_deployment, load_selected
from monitor.errors import ConfigError, MonitorError

DEFAULT_CONFIG = "config/hit.yaml"
DEFAULT_DB = "sqlite:///var/xxgk.db"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    """What the global options give every command; the config is loaded on first use.

    `config_path` is one institution's file or a folder of them (`monitor.deployment`);
    `selected` holds the ids of ``--institution`` (empty: every institution).
    """

    config_path: Path
    db_url: str
    selected: tuple[str, ...] = ()
    _deployment: Deployment | None = field(default=None, repr=False)
    _chosen: Deployment | None = field(default=None, repr=False)  # only those of --institution

    @property
    def deployment(self) -> Deployment:
        if self._deployment is None:
            found = load_deployment(self.config_path)
            _check_channels(found)
            self._deployment = found
        return self._deployment

    @property
    def configs(self) -> tuple[Config, ...]:
        """The institutions this command works on: those of --institution, or every one.

        With --institution over a folder only those files are read while the folder is as its
        last full read left it (`monitor.deployment.load_selected`)."""
        if self._deployment is None and self._chosen is None and self.selected:
            found = load_selected(self.config_path, self.selected)
            _check_channels(found)
            if found.partial:
                self._chosen = found
            else:  # the whole folder was read
                self._deployment = found
        if self._deployment is None and self._chosen is not None:
            return self._chosen.select(self.selected)
        return self.deployment.select(self.selected)

    @property
    def config(self) -> Config:
        """The one institution of a command that works on one; an error when there are several."""
        configs = self.configs
        if len(configs) != 1:
            ids = ", ".join(c.institution.id for c in configs[:8]) + (" …" if len(configs) > 8 else "")
            raise ConfigError(
                f"{self.config_path} holds {len(configs)} institutions ({ids}): "
                "choose one with --institution ID"
            )
        return configs[0]

    def file_of(self, config: Config) -> Path:
        """The YAML file of one institution (the crawler and the jobs read it)."""
        key = config.institution.id
        if self._deployment is None and self._chosen is not None and key in self._chosen.paths:
            return self._chosen.paths[key]
        return self.deployment.path_of(key)

    def of(self, config: Config) -> State:
        """This state narrowed to one institution, with its own file as the config."""
        file, key = self.file_of(config), config.institution.id
        return State(file, self.db_url, (key,), Deployment(file, (config,), {key: file}))

    @contextmanager
    def session(self, *, migrate: bool = False) -> Iterator[store.Session]:
        """A session on a database at head (upgraded first when `migrate`); commits on success."""
        with store.translate_errors(self.db_url):
            engine = store.connect(self.db_url, create=migrate)
            try:
                store.upgrade(engine) if migrate else store.ensure_current(engine)
                with store.sessions(engine).begin() as session:
                    yield session
            finally:
                engine.dispose()


def verbosity() -> int:
    """The crawler's -v count for this command's log level: 2 with -vv (DEBUG), 1 with -v, else 0."""
    level = logging.getLogger().level
    return 2 if level <= logging.DEBUG else int(level < logging.WARNING)


def _check_channels(found: Deployment) -> None:
    for config in found.institutions:
        if config.notify:  # the bot kinds live in the channel registry, above the config
            from monitor.reports import channels

            channels.check(config, source=found.paths[config.institution.id])


def fail_cleanly(func: F) -> F:
    """Turn our errors into one line on stderr and exit 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MonitorError as exc:
            click.echo(f"xxgk: error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


#: Where each command is defined; its module is imported only when the command runs (or --help
#: lists them), so `xxgk stats` does not pay for the scheduler, the mailer or the web server.
LAZY_COMMANDS = {
    "check": "monitor.cli.compliance",
    "rules": "monitor.cli.compliance",
    "ack": "monitor.cli.compliance",
    "import-counts": "monitor.cli.compliance",
    "checklist": "monitor.cli.documents",
    "requests": "monitor.cli.documents",
    "crawl": "monitor.cli.crawling",
    "worker": "monitor.cli.distributing",
    "discover": "monitor.cli.crawling",
    "extract": "monitor.cli.extracting",
    "demo": "monitor.cli.crawling",
    "scan": "monitor.cli.scanning",
    "report": "monitor.cli.reporting",
    "schedule": "monitor.cli.reporting",
    "user": "monitor.cli.web",
    "serve": "monitor.cli.web",
}


class OneLineUsageError(click.UsageError):
    """A usage error shown as one line (``xxgk stats: error: Invalid value for '--from': …``), exit 2.

    Click prints the usage, a hint and the error on three lines; a clerk's terminal, a cron mail or
    a log wants the one line that names what is wrong and where to look.
    """

    def __init__(self, cause: click.UsageError) -> None:
        super().__init__(cause.message, cause.ctx)
        self.cause = cause

    def format_message(self) -> str:
        return self.cause.format_message()

    def show(self, file: Any = None) -> None:
        command = self.ctx.command_path if self.ctx is not None else "xxgk"
        message = " ".join(self.format_message().split())
        click.echo(f"{command}: error: {message} (see '{command} --help')", err=True, file=file)


class LazyGroup(click.Group):
    """A group whose commands register themselves when their module is first imported.

    Usage errors, its own and its commands', are one line (:class:`OneLineUsageError`).
    """

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise _one_line(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _one_line(exc) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            importlib.import_module(LAZY_COMMANDS[cmd_name])
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            _with_institution(found)
        return found


def _select(ctx: click.Context, _: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    state = ctx.find_object(State)
    if value and state is not None:
        state.selected = value
    return value


def _with_institution(command: click.Command) -> None:
    """Give every command (and every command of a group) the repeatable ``--institution ID``."""
    if isinstance(command, click.Group):  # the group too: `xxgk report` renders, `report annual` too
        for sub in command.commands.values():
            _with_institution(sub)
    if any(param.name == "institutions" for param in command.params):
        return
    command.params.append(
        click.Option(
            ["--institution", "institutions"],
            multiple=True,
            metavar="ID",
            expose_value=False,
            callback=_select,
            help="Only this institution of a config folder (repeatable; default: every one).",
        )
    )


def _one_line(exc: click.UsageError) -> click.UsageError:
    return exc if isinstance(exc, OneLineUsageError) else OneLineUsageError(exc)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xxgk")
@click.option(
    "--config",
    "config_path",
    envvar="XXGK_CONFIG",
    default=DEFAULT_CONFIG,
    show_default=True,
    type=click.Path(path_type=Path),
    help="Institution config (YAML), or a folder of them (one institution per *.yaml). Env: XXGK_CONFIG.",
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
@fail_cleanly
def init(state: State) -> None:
    """Create or upgrade the database and sync the config (every institution of it) into it."""
    configs = state.configs
    with state.session(migrate=True) as session:
        now = dt.datetime.now(dt.UTC)
        results = [store.sync_config(session, config=config, now=now) for config in configs]
    click.echo(f"database {store.safe_url(state.db_url)} is at the latest revision")
    for config, result in zip(configs, results, strict=True):
        _print_sync(config, result)


def _print_sync(config: Config, result: store.SyncResult) -> None:
    sites = sum(1 for _ in config.sites())
    columns = sum(len(site.columns) for _, site in config.sites())
    click.echo(f"{config.institution.id}: {len(config.campuses)} campuses, {sites} sites, {columns} columns")
    for verb, names in (
        ("added", result.added),
        ("updated", result.updated),
        ("retired", result.retired),
        ("revived", result.revived),
    ):
        if names:
            click.echo(f"  {verb}: {len(names)} ({', '.join(names[:5])}{' …' if len(names) > 5 else ''})")


def parse_date(_: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return stats.parse_day(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command("stats")
@click.option("--from", "start", callback=parse_date, help="First day (YYYY-MM-DD), inclusive.")
@click.option("--to", "end", callback=parse_date, help="Last day (YYYY-MM-DD), inclusive.")
@click.option("--format", "fmt", type=click.Choice(stats.FORMATS), default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@pass_state
@fail_cleanly
def stats_command(
    state: State, start: dt.date | None, end: dt.date | None, fmt: str, out: Path | None
) -> None:
    """Items published per site in a period: the annual report's tables.

    Without --from/--to, the latest complete statistics year (from the institution's year_start).
    """
    if (start is None) != (end is None):
        raise click.UsageError("give both --from and --to, or neither (the last statistics year)")
    if start is not None and end is not None and start > end:  # before the database is opened
        raise click.UsageError(f"--from {start} is after --to {end}")
    if fmt in ("xlsx", "docx") and out is None:
        raise click.UsageError(f"--format {fmt} needs --out FILE")
    configs = state.configs
    if len(configs) > 1 and fmt in ("csv", "xlsx", "docx"):
        raise click.UsageError(f"--format {fmt} takes one institution: add --institution ID")
    found: list[tuple[Config, stats.StatsTables]] = []
    with state.session() as session:
        for config in configs:
            first, last = _period(config, start, end)
            checks.classify_new(session, config)  # the report's counts by type need every title typed
            found.append((config, checks.period_tables(session, config, start=first, end=last)))
    if len(found) == 1:
        _emit_stats(found[0][1], fmt, out)
    else:
        _emit_many(found, fmt, out)


def _period(config: Config, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    if start is None or end is None:
        today = dt.datetime.now(config.institution.tz).date()
        start, end = stats.statistics_year(config.institution.year_start, today=today)
    if start > end:
        raise click.UsageError(f"--from {start} is after --to {end}")
    return start, end


def _emit_many(found: list[tuple[Config, stats.StatsTables]], fmt: str, out: Path | None) -> None:
    """Several institutions: JSON ``{"institutions": [{"id", "name", ...one document}]}``, else
    each institution's tables under its name."""
    if fmt == "json":
        docs = [
            {"id": c.institution.id, "name": c.institution.name, **json.loads(stats.to_json(t))}
            for c, t in found
        ]
        text = json.dumps({"institutions": docs}, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "table" and out is None:
        for config, tables in found:
            click.echo(f"{config.institution.name} ({config.institution.id})")
            _print_table(tables)
        return
    else:
        text = "".join(
            f"## {c.institution.name} ({c.institution.id})\n\n{stats.to_markdown(t)}\n" for c, t in found
        )
    if out is None:
        click.echo(text, nl=False)
    else:
        _write(out, text.encode("utf-8"))


def _emit_stats(tables: stats.StatsTables, fmt: str, out: Path | None) -> None:
    if fmt == "xlsx" and out is not None:
        _write(out, stats.to_xlsx(tables))
        return
    if fmt == "docx" and out is not None:
        from monitor.documents import annual  # python-docx only when asked for

        _write(out, annual.stats_document(tables))
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
