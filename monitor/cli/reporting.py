"""`xxgk report` and `xxgk schedule`: the lag reports by e-mail and group bots, and the jobs.

The SMTP URL (with its password) comes from the environment (`XXGK_SMTP_URL`), never from YAML;
so do the group bots' webhook URLs and secrets (the variables each `notify` entry names).
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
from monitor.reports import (
    Report,
    channels,
    digests,
    group_digests,
    mail,
    office_summary,
    sample_input,
    weekly_rollup,
)
from monitor.store import checks as stored

SMTP_ENV = "XXGK_SMTP_URL"
BROKER_ENV = "XXGK_BROKER_URL"  # the job queue of `schedule.distributed: true`


def runtime(state: State, *, outbox_dir: Path | None = None, email: bool = True) -> jobs.Runtime:
    config = state.config
    channels.check(config, source=state.config_path)
    names = {n for target in config.notify for n in (target.webhook_env, target.secret_env) if n}
    return jobs.Runtime(
        config_path=state.config_path,
        db_url=state.db_url,
        smtp_url=os.environ.get(SMTP_ENV) or None,
        sender=config.mail.sender,
        outbox_dir=outbox_dir,
        dashboard_url=config.mail.dashboard_url,
        secrets={name: os.environ[name] for name in sorted(names) if name in os.environ},
        email=email,
        broker_url=os.environ.get(BROKER_ENV) or jobs.DEFAULT_BROKER,
    )


@main.group("report", invoke_without_command=True)
@click.option("--send", is_flag=True, help=f"Queue and send the reports: ${SMTP_ENV} and the bots.")
@click.option("--test-channel", "test_channel", metavar="ID", help="Send a short test message to channel ID.")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Write .eml files here."
)
@click.option("--sample", is_flag=True, help="Reports from synthetic data holding every state.")
@pass_state
@fail_cleanly
def report_command(
    state: State, send: bool, test_channel: str | None, out_dir: Path | None, sample: bool
) -> None:
    """Render the lag reports of the latest check: a digest per owner and group, the office summary.

    `--send` queues them on every channel (e-mail and each `notify` group bot) and delivers
    what is due; `--test-channel ID` (`email` or a notify id) sends one short message and
    prints the channel's answer. `xxgk report annual` writes the annual report's section 二
    (monitor.cli.documents).
    """
    if click.get_current_context().invoked_subcommand is not None:
        return  # `xxgk report annual …`: the subcommand does the work
    if sum([send, test_channel is not None, out_dir is not None or sample]) > 1:
        raise click.UsageError("--send, --test-channel and --out/--sample go one at a time")
    configs = state.configs
    if len(configs) > 1:  # a folder: each institution's reports, its .eml files in DIR/ID/
        for config in configs:
            click.echo(f"{config.institution.id} ({config.institution.name}):")
            here = out_dir / config.institution.id if out_dir is not None else None
            _report(state.of(config), send, test_channel, here, sample)
        return
    _report(state, send, test_channel, out_dir, sample)


def _report(state: State, send: bool, test_channel: str | None, out_dir: Path | None, sample: bool) -> None:
    if test_channel is not None:
        return _test_channel(state, test_channel)
    rt = runtime(state, outbox_dir=out_dir)
    reports = _sample_reports(state) if sample else latest_reports(state, rt)
    if send:
        _send(state, rt, reports)
    elif out_dir is not None:
        write_eml(state, reports, out_dir)
    else:
        for report in reports:
            where = f"group {report.group}" if report.group else f"to {', '.join(report.recipients)}"
            click.echo(f"{report.kind:<7} {where}: {report.subject}")


def _send(state: State, rt: jobs.Runtime, reports: list[Report]) -> None:
    if not rt.smtp_url:
        if not state.config.notify:
            raise MonitorError(f"--send needs the SMTP server in ${SMTP_ENV} (smtp://user:pass@host:587)")
        click.echo(f"email: ${SMTP_ENV} is not set: no e-mail sent, the group bots only", err=True)
        rt = jobs.Runtime(**{**vars(rt), "email": False})
    click.echo(jobs.queue(rt, state.config, reports))
    click.echo(jobs.deliver(rt, state.config))


def _test_channel(state: State, channel_id: str) -> None:
    rt = runtime(state)
    channel = channels.find(jobs.channel_list(rt, state.config), channel_id)
    if channel.problem is not None:
        raise MonitorError(f"{channel.id}: {channel.problem}")
    now = dt.datetime.now(dt.UTC)
    outgoing = channel.render(channels.test_report(state.config, now=now), now=now)
    for part in outgoing.parts:
        click.echo(f"{channel.id}: {channel.send(part)}")


def _sample_reports(state: State) -> list[Report]:
    data = sample_input(state.config)
    return [*digests(data), *group_digests(data), office_summary(data), weekly_rollup(data)]


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
    return [*digests(data), *group_digests(data), office_summary(data)]


def write_eml(state: State, reports: list[Report], out_dir: Path) -> None:
    config = state.config
    sender = config.mail.sender or config.institution.contact
    for report in (r for r in reports if r.recipients):  # a group's digest goes to its bot only
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
    """Run the nightly (crawl → check → reports on every channel) and weekly jobs in the foreground."""
    configs = state.configs
    if show:
        for config in configs:
            prefix = f"{config.institution.id}: " if len(configs) > 1 else ""
            for planned in scheduler.plan(config, now=dt.datetime.now(dt.UTC)):
                when = planned.next_run.strftime("%Y-%m-%d %H:%M %Z (%z)")
                click.echo(f"{prefix}{planned.id:<8} {planned.cron!r:<16} next run {when}")
        return
    with state.session(migrate=True):
        pass  # the database is created or upgraded first; the job store adds its own table
    zones = ", ".join(sorted({config.institution.timezone for config in configs}))
    click.echo(f"scheduler running for {len(configs)} institutions in {zones}; Ctrl-C to stop", err=True)
    try:
        scheduler.run_many([(config, runtime(state.of(config))) for config in configs])
    except (KeyboardInterrupt, SystemExit):
        click.echo("scheduler stopped", err=True)


from monitor.cli import documents  # noqa: E402, F401 - registers `xxgk report annual` on the group above
