"""`xxgk report` and `xxgk schedule`: the lag reports by e-mail, and the nightly/weekly jobs.

The SMTP URL (with its password) comes from the environment (`XXGK_SMTP_URL`), never from YAML.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from monitor import checks, jobs, scheduler
from monitor.checks import CheckResult
from monitor.cli.main import State, fail_cleanly, main, pass_state
from monitor.errors import MonitorError
from monitor.reports import Report, digests, mail, office_summary, sample_input, weekly_rollup
from monitor.store import checks as stored

SMTP_ENV = "XXGK_SMTP_URL"


def runtime(state: State, *, outbox_dir: Path | None = None) -> jobs.Runtime:
    config = state.config
    return jobs.Runtime(
        config_path=state.config_path,
        db_url=state.db_url,
        smtp_url=os.environ.get(SMTP_ENV) or None,
        sender=config.mail.sender,
        outbox_dir=outbox_dir,
        dashboard_url=config.mail.dashboard_url,
    )


@main.command("report")
@click.option("--send", is_flag=True, help=f"Queue and send the reports over SMTP (${SMTP_ENV}).")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Write .eml files here."
)
@click.option("--sample", is_flag=True, help="Reports from synthetic data holding every state.")
@pass_state
@fail_cleanly
def report_command(state: State, send: bool, out_dir: Path | None, sample: bool) -> None:
    """Render the lag reports of the latest check: a digest per owner and the office summary."""
    if send and (out_dir or sample):
        raise click.UsageError("--send takes neither --out nor --sample")
    rt = runtime(state, outbox_dir=out_dir)
    reports = _sample_reports(state) if sample else latest_reports(state, rt)
    if send:
        if not rt.smtp_url:
            raise MonitorError(f"--send needs the SMTP server in ${SMTP_ENV} (smtp://user:pass@host:587)")
        click.echo(jobs.queue(rt, state.config, reports))
        click.echo(jobs.deliver(rt))
    elif out_dir is not None:
        write_eml(state, reports, out_dir)
    else:
        for report in reports:
            click.echo(f"{report.kind:<7} to {', '.join(report.recipients)}: {report.subject}")


def _sample_reports(state: State) -> list[Report]:
    data = sample_input(state.config)
    return [*digests(data), office_summary(data), weekly_rollup(data)]


def latest_reports(state: State, rt: jobs.Runtime) -> list[Report]:
    config = state.config
    today = dt.datetime.now(config.institution.tz).date()
    with state.session() as session:
        latest = stored.latest_check(session, institution_key=config.institution.id)
        if latest is None:
            raise MonitorError("no stored check yet: run `xxgk check` first")
        result = checks.run_check(session, config, at=latest[1], today=today, persist=False)
        states, resolved = stored.check_states(
            session, institution_key=config.institution.id, check_id=latest[0]
        )
        result = CheckResult(result.snapshot, result.judgement, states, resolved, latest[0])
        data = jobs.report_input(rt, config, result, session)
    return [*digests(data), office_summary(data)]


def write_eml(state: State, reports: list[Report], out_dir: Path) -> None:
    config = state.config
    sender = config.mail.sender or config.institution.contact
    for report in reports:
        message = mail.to_message(report, sender=sender, now=dt.datetime.now(dt.UTC))
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            path = mail.write_eml(message, out_dir)
        except OSError as exc:
            raise MonitorError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
        click.echo(f"{report.kind:<7} {path}")


@main.command("schedule")
@click.option("--list", "show", is_flag=True, help="Print each job with its next run time, and exit.")
@pass_state
@fail_cleanly
def schedule_command(state: State, show: bool) -> None:
    """Run the nightly (crawl → check → e-mail) and weekly jobs in the foreground."""
    config = state.config
    if show:
        for planned in scheduler.plan(config, now=dt.datetime.now(dt.UTC)):
            when = planned.next_run.strftime("%Y-%m-%d %H:%M %Z (%z)")
            click.echo(f"{planned.id:<8} {planned.cron!r:<16} next run {when}")
        return
    with state.session(migrate=True):
        pass  # the database is created or upgraded first; the job store adds its own table
    click.echo(f"scheduler running in {config.institution.timezone}; Ctrl-C to stop", err=True)
    try:
        scheduler.run(config, runtime(state))
    except (KeyboardInterrupt, SystemExit):
        click.echo("scheduler stopped", err=True)
