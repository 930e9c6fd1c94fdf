"""`xxgk checklist`, `xxgk requests` and `xxgk report annual`: the office's documents and register."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from monitor import documents, stats
from monitor.cli.main import State, fail_cleanly, main, parse_date, pass_state
from monitor.cli.reporting import report_command
from monitor.documents import checklist, register
from monitor.errors import MonitorError
from monitor.rules.requests import ANSWERS, REQUESTERS, choice
from monitor.store import requests as register_store

FC = TypeVar("FC", bound=Callable[..., Any])


def _today(state: State) -> dt.date:
    return dt.datetime.now(state.config.institution.tz).date()


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise MonitorError(f"cannot write {path}: {exc.strerror or exc}") from None
    click.echo(f"wrote {path} ({len(data)} bytes)", err=True)


def _emit(data: bytes, out: Path | None) -> None:
    if out is None:
        text = data.decode("utf-8")
        click.echo(text, nl=not text.endswith("\n"))
    else:
        _write(out, data)


def _not_after(day: dt.date | None, today: dt.date, option: str) -> None:
    if day is not None and day > today:
        raise click.BadParameter(f"{day} is in the future (today is {today})", param_hint=option)


# ----------------------------------------------------------------------------- checklist


@main.command("checklist")
@click.option("--at", callback=parse_date, help="As of this date, with what was known then (default today).")
@click.option("--format", "fmt", type=click.Choice(["md", "xlsx", "docx"]), default="md", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@pass_state
@fail_cleanly
def checklist_command(state: State, at: dt.date | None, fmt: str, out: Path | None) -> None:
    """The 高等学校信息公开事项清单公开情况表: 50 items, status, where published, remarks.

    The verdicts are those of `xxgk check --at DATE` (judged read-only: nothing is stored).
    """
    config, today = state.config, _today(state)
    _not_after(at, today, "--at")
    if fmt in ("xlsx", "docx") and out is None:
        raise click.UsageError(f"--format {fmt} needs --out FILE")
    with state.session() as session:
        table = documents.checklist_table(session, config, at=at or today, today=today)
    render = {"md": lambda t: checklist.to_markdown(t).encode("utf-8"), "xlsx": checklist.to_xlsx}
    _emit(render.get(fmt, checklist.to_docx)(table), out)


# ----------------------------------------------------------------------------- requests


@main.group("requests")
def requests_group() -> None:
    """The 依申请公开 register: record requests for disclosure, answer them, list and export them.

    A request must be answered within 15 working days of its receipt (《高等学校信息公开办法》
    第二十四条); an unanswered one past that is a finding of `xxgk check` (request_overdue).
    """


def _kind_option(table: dict[str, str], what: str, option: str, dest: str) -> Callable[[FC], FC]:
    """A required option taking an id of `table` or its Chinese words; a bad one is a usage error."""

    def convert(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return choice(table, value, what=what)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return click.option(
        option, dest, callback=convert, required=True, help=f"One of: {', '.join(table)} (or 中文)."
    )


def _subject(_: click.Context, __: click.Parameter, value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise click.BadParameter("expected what was asked for (not empty)")
    if len(text) > 500:
        raise click.BadParameter(f"expected at most 500 characters (got {len(text)})")
    return text


@requests_group.command("add")
@click.option("--received", callback=parse_date, required=True, help="Day the request was received.")
@_kind_option(REQUESTERS, "requester type", "--requester", "requester")
@click.option("--subject", callback=_subject, required=True, help="What was asked for.")
@click.option("--note", default="", help="Anything else to keep (no names or numbers of people).")
@pass_state
@fail_cleanly
def requests_add(state: State, received: dt.date, requester: str, subject: str, note: str) -> None:
    """Record a request for disclosure; prints its number and answer deadline."""
    config, today = state.config, _today(state)
    _not_after(received, today, "--received")
    with state.session() as session:
        number = register_store.add_request(
            session,
            institution_key=config.institution.id,
            received_on=received,
            requester=requester,
            subject=subject,
            note=note.strip() or None,
            now=dt.datetime.now(dt.UTC),
        )
        row = register_store.get_request(session, institution_key=config.institution.id, request_id=number)
    assert row is not None
    shown = register.rows([row], today=today)[0]
    click.echo(f"request {number} recorded: received {shown.received_on}, answer due by {shown.due}")


@requests_group.command("answer")
@click.argument("request_id", metavar="ID", type=click.IntRange(min=1))
@click.option("--on", "answered_on", callback=parse_date, required=True, help="Day the answer was given.")
@_kind_option(ANSWERS, "answer kind", "--kind", "kind")
@click.option("--note", default="", help="Added to the request's note.")
@pass_state
@fail_cleanly
def requests_answer(state: State, request_id: int, answered_on: dt.date, kind: str, note: str) -> None:
    """Record the answer to request ID: the day and the kind (公开, 部分公开, 不予公开 …)."""
    config, today = state.config, _today(state)
    _not_after(answered_on, today, "--on")
    with state.session() as session:
        row = register_store.answer_request(
            session,
            institution_key=config.institution.id,
            request_id=request_id,
            answered_on=answered_on,
            answer=kind,
            note=note.strip() or None,
            now=dt.datetime.now(dt.UTC),
        )
    shown = register.rows([row], today=today)[0]
    click.echo(f"request {request_id} answered on {shown.answered_on}: {shown.answer} ({shown.state_label})")


def _period_options(func: FC) -> FC:
    for option in reversed(
        (
            click.option("--from", "start", callback=parse_date, help="Received on or after (YYYY-MM-DD)."),
            click.option("--to", "end", callback=parse_date, help="Received on or before (YYYY-MM-DD)."),
            click.option(
                "--today", callback=parse_date, help="Judge deadlines as of this day (default today)."
            ),
        )
    ):
        func = option(func)
    return func


def _register_rows(
    state: State, start: dt.date | None, end: dt.date | None, today: dt.date | None
) -> list[register.RegisterRow]:
    if start is not None and end is not None and start > end:
        raise click.UsageError(f"--from {start} is after --to {end}")
    with state.session() as session:
        found = register_store.list_requests(
            session, institution_key=state.config.institution.id, start=start, end=end
        )
    return register.rows(found, today=today or _today(state))


@requests_group.command("list")
@_period_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_state
@fail_cleanly
def requests_list(
    state: State, start: dt.date | None, end: dt.date | None, today: dt.date | None, fmt: str
) -> None:
    """List the requests with their deadline and state (办理中, 已逾期, 按期答复, 逾期答复)."""
    rows = _register_rows(state, start, end, today)
    if fmt == "json":
        click.echo(json.dumps([vars(row) for row in rows], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"依申请公开登记（{len(rows)} 件）")
    for header in register.HEADER:
        table.add_column(header)
    for row in rows:
        table.add_row(*row.cells())
    Console(highlight=False).print(table)


@requests_group.command("export")
@_period_options
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@pass_state
@fail_cleanly
def requests_export(
    state: State,
    start: dt.date | None,
    end: dt.date | None,
    today: dt.date | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Export the register (CSV or XLSX)."""
    if fmt == "xlsx" and out is None:
        raise click.UsageError("--format xlsx needs --out FILE")
    rows = _register_rows(state, start, end, today)
    if fmt == "xlsx" and out is not None:
        title = f"{state.config.institution.name}依申请公开登记（{len(rows)} 件）"
        _write(out, register.to_xlsx(rows, title=title))
        return
    _emit(register.to_csv(rows).encode("utf-8"), out)


# ----------------------------------------------------------------------------- report annual


@report_command.command("annual")
@click.option("--from", "start", callback=parse_date, help="First day (default: the last statistics year).")
@click.option("--to", "end", callback=parse_date, help="Last day, inclusive.")
@click.option("--at", callback=parse_date, help="Checklist as of this day (default today).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The .docx file.")
@pass_state
@fail_cleanly
def report_annual(
    state: State, start: dt.date | None, end: dt.date | None, at: dt.date | None, out: Path
) -> None:
    """The annual report's sections 二(一) and 二(二), with the checklist table appended (Word)."""
    config, today = state.config, _today(state)
    if (start is None) != (end is None):
        raise click.UsageError("give both --from and --to, or neither (the last statistics year)")
    if start is None or end is None:
        start, end = stats.statistics_year(config.institution.year_start, today=today)
    if start > end:
        raise click.UsageError(f"--from {start} is after --to {end}")
    _not_after(at, today, "--at")
    with state.session() as session:
        data, tables = documents.annual_report(
            session, config, start=start, end=end, at=at or today, today=today
        )
    _write(out, data)
    click.echo(f"{tables.start} — {tables.end}: {tables.total} items on {len(tables.campuses)} campuses")
