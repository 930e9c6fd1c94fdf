"""`xxgk crawl`, `xxgk discover` and `xxgk demo`: the commands that fetch from sites.

`xxgk demo` is the whole night on the bundled demo campus, ending with the dashboard on its data.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import click

from monitor import crawl, stats, store
from monitor.cli.main import DEFAULT_DB, State, fail_cleanly, main, parse_date, pass_state, verbosity
from monitor.config import Config
from monitor.errors import MonitorError
from monitor.store import users


@main.command("crawl")
@click.option("--site", "sites", multiple=True, metavar="ID", help="Crawl only this site (repeatable).")
@click.option("--full", is_flag=True, help="Page back to the beginning of every column (backfill).")
@click.option("--today", callback=parse_date, help="Crawl as of this date (default: today, local).")
@click.option("--timeout", type=click.IntRange(min=1), default=6 * 3600, show_default=True, help="Seconds.")
@click.option("--distributed", is_flag=True, help="Run the crawl as jobs of whole hosts on `xxgk worker`s.")
@click.option(
    "--broker",
    "broker_url",
    envvar="XXGK_BROKER_URL",
    default="redis://127.0.0.1:6379/0",
    show_default=True,
    help="With --distributed: the job queue (Redis). Env: XXGK_BROKER_URL.",
)
@click.option(
    "--job-columns",
    type=click.IntRange(min=1),
    default=400,
    show_default=True,
    help="With --distributed: columns per job at most (sites sharing a host are never split).",
)
@click.option(
    "--parallel",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="With several institutions: how many one crawler process crawls at once (never two sharing a host).",
)
@pass_state
@fail_cleanly
def crawl_command(
    state: State, sites: tuple[str, ...], full: bool, today: dt.date | None, timeout: int, distributed: bool,
    broker_url: str, job_columns: int, parallel: int,
) -> None:  # fmt: skip
    """Crawl every column of the configured sites into the database."""
    if distributed:
        from monitor.cli.distributing import crawl_distributed

        crawl_distributed(
            state, sites=sites, full=full, today=today, timeout=timeout, broker_url=broker_url,
            max_columns=job_columns,
        )  # fmt: skip
        return
    _crawl(state, sites=sites, full=full, today=today, timeout=timeout, parallel=parallel)


def _crawl(
    state: State,
    *,
    sites: tuple[str, ...],
    full: bool,
    today: dt.date | None,
    timeout: int,
    parallel: int = 8,
) -> None:
    """Crawl the institutions of the config (a folder: every one, or those of --institution) in
    one crawler process, under one hold of the crawl lock."""
    configs = state.configs
    if sites and len(configs) > 1:
        raise click.UsageError("--site takes one institution: add --institution ID")
    for site in sites:
        configs[0].site(site)  # unknown ids fail here, with one line
    with state.session(migrate=True) as session:
        for config in configs:
            store.sync_config(session, config=config, now=dt.datetime.now(dt.UTC))
    with store.translate_errors(state.db_url):
        engine = store.connect(state.db_url)
    try:
        ttl = crawl.lock_ttl(timeout)
        with store.locks.holding(engine, name=crawl.LOCK, ttl=ttl) as held:
            if len(configs) == 1:
                _crawl_unlocked(
                    state.of(configs[0]),
                    configs[0],
                    sites=sites,
                    full=full,
                    today=today,
                    timeout=timeout,
                    held=held,
                )
            else:
                _crawl_many(
                    state, configs, full=full, today=today, timeout=timeout, parallel=parallel, held=held
                )
    finally:
        engine.dispose()


def _crawl_many(
    state: State,
    configs: tuple[Config, ...],
    *,
    full: bool,
    today: dt.date | None,
    timeout: int,
    parallel: int,
    held: store.locks.Held,
) -> None:
    """The institutions of a folder in one crawler process, ``parallel`` at once (`crawler.run.
    crawl_many`); a line per institution, and one failing institution never stops the others."""
    before = _latest_runs(state, configs)
    argv = crawl.crawl_command(
        config_path=state.config_path,
        db_url=state.db_url,
        institutions=state.selected,
        parallel=parallel,
        full=full,
        today=today,
        verbose=verbosity(),
    )
    click.echo(f"crawling {len(configs)} institutions, {min(parallel, len(configs))} at once")
    try:
        crawl.run_crawl(argv, timeout=timeout, on_start=held.include)
    finally:  # a timeout too: what finished is reported
        failed = _report_runs(state, configs, before)
    if failed:
        where = f"{len(failed)} of {len(configs)} institutions"
        shown = ", ".join(failed[:20]) + (f" and {len(failed) - 20} more" if len(failed) > 20 else "")
        raise MonitorError(f"the crawl of {where} ended with errors: {shown}; run with -v for details")


def _latest_runs(state: State, configs: tuple[Config, ...]) -> dict[str, tuple[int, str] | None]:
    with state.session() as session:
        return store.crawls.latest_runs(session, institution_keys=[c.institution.id for c in configs])


def _report_runs(
    state: State, configs: tuple[Config, ...], before: dict[str, tuple[int, str] | None]
) -> list[str]:
    """A line per institution (its run's outcome and counts); the ids whose run did not finish."""
    failed = []
    runs = crawl.new_runs(before, _latest_runs(state, configs))
    with state.session() as session:
        for config in configs:
            key = config.institution.id
            run = runs[key]
            if run is None:
                click.echo(f"{key}: not crawled")
                failed.append(key)
                continue
            rows = store.crawls.run_fetches(session, run_id=run[0])
            troubled = sum(row.outcome not in ("ok", "empty") for row in rows)
            seen, new = sum(r.items_seen for r in rows), sum(r.items_new for r in rows)
            note = f", {troubled} not ok" if troubled else ""
            click.echo(f"{key}: {run[1]}, {len(rows)} columns{note}, {seen} items seen, {new} new")
            if run[1] != "finished":
                failed.append(key)
    return failed


def _crawl_unlocked(
    state: State,
    config: Config,
    *,
    sites: tuple[str, ...],
    full: bool,
    today: dt.date | None,
    timeout: int,
    held: store.locks.Held,
) -> None:
    argv = crawl.crawl_command(
        config_path=state.config_path,
        db_url=state.db_url,
        sites=sites,
        full=full,
        today=today,
        progress=sys.stderr.isatty(),
        verbose=verbosity(),
    )
    code = crawl.run_crawl(argv, timeout=timeout, on_start=held.include)
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
@click.option(
    "--max-pages",
    type=click.IntRange(min=1),
    default=40,
    show_default=True,
    help="Candidate pages to read (each may cost its next page and a JSON endpoint besides).",
)
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=crawl.DISCOVER_TIMEOUT,
    show_default=True,
    help="Seconds before the discovery is stopped.",
)
@pass_state
@fail_cleanly
def discover_command(state: State, url: str, max_pages: int, timeout: int) -> None:
    """Propose the columns block for a site, from the navigation of its home page URL.

    The links of the home page's menus and 更多 blocks that lead to list pages on its host become
    columns with a CMS family, a kind and checklist guesses: paste the block into the site's
    entry and check it. Lists without dates are proposed too; a page that a script fills from a
    JSON endpoint becomes a ``cms: jsonapi`` column with its ``api:`` mapping; a column that
    robots.txt disallows is proposed unread, marked in a comment. Each column's next page is
    fetched once to check its pager. Pages are fetched with the config's politeness settings.
    """
    state.config  # noqa: B018 - a broken config fails here, with its one line
    argv = crawl.discover_command(url=url, config_path=state.config_path, max_pages=max_pages)
    click.echo(crawl.run_discover(argv, timeout=timeout), nl=False)


@main.command("demo")
@click.option("--port", type=click.IntRange(0, 65535), default=8800, show_default=True,
              help="Port of the demo sites (0: any free port).")  # fmt: skip
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("var/demo"),
              show_default=True, help="Where the demo config and database go.")  # fmt: skip
@click.option("--dashboard-port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port of the dashboard served at the end (0: any free port).")  # fmt: skip
@click.option("--no-serve", is_flag=True, help="End after the reports instead of serving the dashboard.")
@click.option("--institutions", "copies", type=click.IntRange(1, 255), default=1, show_default=True,
              help="Copies of the campus as institutions of a config folder (DIR/institutions).")  # fmt: skip
@pass_state
@fail_cleanly
def demo_command(
    state: State, port: int, workdir: Path, dashboard_port: int, no_serve: bool, copies: int
) -> None:
    """Serve the bundled demo campus on loopback, crawl it, check the result against its truth,
    then serve the dashboard on it (with a demo login) until Ctrl-C.

    With --institutions N, N copies of the campus (ids demo1 … demoN, sites on 127.0.k.*) are
    written as a config folder with a regulator.yaml, crawled in one run, each checked against
    its truth, and the dashboard opens on the regulator's ranking (a regulator login).
    """
    from monitor import demo

    today = dt.datetime.now(dt.UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    if copies > 1:
        return _demo_many(state, copies, port=port, workdir=workdir, dashboard_port=dashboard_port,
                          no_serve=no_serve, today=today)  # fmt: skip
    campus = demo.build_campus(today=today)
    workdir.mkdir(parents=True, exist_ok=True)
    with _demo_server(demo, campus, port) as server:
        config_path = workdir / "demo.yaml"
        checklist = Path(__file__).resolve().parents[2] / "config" / "checklist.yaml"
        config_path.write_text(
            demo.demo_config_yaml(campus, port=server.port, checklist_path=str(checklist)), encoding="utf-8"
        )
        db_url = state.db_url if state.db_url != DEFAULT_DB else _fresh_sqlite(workdir / "demo.db")
        click.echo(f"demo campus: {len(list(campus.sites()))} sites on 127.0.0.11… port {server.port}")
        click.echo(f"config {config_path}, database {store.safe_url(db_url)}")
        demo_state = State(config_path=config_path, db_url=db_url)
        _crawl(demo_state, sites=(), full=True, today=today, timeout=1800)
        _demo_scan(campus, demo_state)  # the personal-data traps, against their truth
        _demo_report(campus, demo_state, today)  # a difference from the truth ends the demo here
        _demo_mail(demo_state, workdir / "mail")
        _demo_traps(workdir, today=today)  # the content traps over two crawled days, on their own
        if not no_serve:
            _demo_dashboard(demo_state, dashboard_port)


def _demo_scan(campus: Any, state: State) -> None:
    """Scan every crawled item for personal data; the pages and files flagged must be the traps'."""
    from monitor import scan
    from monitor.demo import pii

    summary = scan.scan_locked(config_path=state.config_path, db_url=state.db_url, every=True)
    click.echo(f"scan: {scan.describe(summary)}")
    with state.session() as session:
        rows = store.scans.pii_rows(session, institution_key=campus.id, known_by=dt.datetime.now(dt.UTC))
    got: dict[str, dict[str, int]] = {}
    for row in rows:
        if row.leaks:
            got.setdefault(row.url, {})[row.kind] = row.leaks
    if got != pii.expected_pii(campus):
        raise MonitorError(f"the personal-data scan differs from the demo's truth: {sorted(got)[:3]}")
    click.echo(f"ground truth: personal data in full found on exactly the {len(got)} trap pages and files")


def _demo_traps(workdir: Path, *, today: dt.date) -> None:
    """The content traps of monitor.demo.traps over two crawled days of 教务处, in a database of their
    own (workdir/traps.db): yesterday's campus, then today's with one date moved back and one item
    taken down, the night between made to pass (a failing link becomes a finding on its second
    night). Scan and check after each day; the content findings must equal the truth."""
    from monitor import checks, demo, scan
    from monitor.demo import traps

    checklist = Path(__file__).resolve().parents[2] / "config" / "checklist.yaml"
    config_path, db_url = workdir / "traps.yaml", _fresh_sqlite(workdir / "traps.db")
    state, port = State(config_path=config_path, db_url=db_url), 0
    for day, on in ((1, today - dt.timedelta(days=1)), (2, today)):
        campus = demo.build_campus(today=on, day=day)
        with _demo_server(demo, campus, port) as server:
            if port and server.port != port:
                raise MonitorError(f"the traps' second day needs port {port} again; it was taken")
            port = server.port
            text = demo.demo_config_yaml(campus, port=port, checklist_path=str(checklist))
            config_path.write_text(text, encoding="utf-8")
            _crawl(state, sites=(traps.SITE,), full=False, today=on, timeout=900)
            scan.scan_locked(config_path=config_path, db_url=db_url, sites=(traps.SITE,))
        with state.session() as session:
            if day == 1:
                store.content.backdate_link_checks(
                    session, institution_key=campus.id, by=dt.timedelta(days=1)
                )
                continue
            result = checks.run_check(session, state.config, at=today, today=today)
        findings = [dict(f) for f in checks.check_document(result)["findings"]]
        wrong = traps.mismatches(campus, findings)
        if wrong:
            raise MonitorError(f"the content traps differ from the demo's truth: {'; '.join(wrong[:3])}")
        kinds = sorted({e.kind for e in traps.expected(campus)})
        click.echo(
            f"ground truth: the content traps over two days give exactly their "
            f"{len(traps.found(findings))} findings ({', '.join(kinds)}; database {workdir / 'traps.db'})"
        )


DEMO_USER = "demo"


def _demo_dashboard(state: State, port: int, *, role: str = "office") -> None:
    """Serve the dashboard on the demo's database until Ctrl-C or SIGTERM, with a login for this run."""
    from monitor.cli.web import listen, run_until_stopped, url_of
    from monitor.web import create_app

    password = _demo_user(state, role=role)
    app = create_app(deployment=state.deployment, db_url=state.db_url, secret=secrets.token_urlsafe(32))
    try:
        sock = listen("127.0.0.1", port)
    except MonitorError:
        if port == 0:
            raise
        click.echo(f"port {port} is taken; using a free port", err=True)
        sock = listen("127.0.0.1", 0)
    click.echo(f"仪表盘 / dashboard: {url_of(sock)}  login: {DEMO_USER} / {password}  (Ctrl-C to stop)")
    click.echo(f"(a demo login with role {role}, made for this run; the next demo replaces it)")
    run_until_stopped(app, sock, log_level="warning")
    click.echo("dashboard stopped")


def _demo_user(state: State, *, role: str = "office") -> str:
    """Make the demo's user afresh with a random password (stored hashed); the password.

    An office user belongs to the demo institution; a regulator user sees every institution.
    """
    from monitor.web.security import hash_password

    password = secrets.token_urlsafe(9)
    with state.session() as session:
        users.remove_user(session, name=DEMO_USER)
        users.add_user(
            session,
            institution_key=None if role == "regulator" else state.config.institution.id,
            name=DEMO_USER,
            role=role,
            password_hash=hash_password(password),
            sites=(),
            now=dt.datetime.now(dt.UTC),
        )
    return password


def _demo_many(
    state: State,
    copies: int,
    *,
    port: int,
    workdir: Path,
    dashboard_port: int,
    no_serve: bool,
    today: dt.date,
) -> None:
    """The demo over `copies` institutions of one config folder, watched by a demo regulator."""
    from monitor.demo import institutions

    campuses = institutions.demo_copies(copies, today=today)
    checklist = Path(__file__).resolve().parents[2] / "config" / "checklist.yaml"
    with _copies_served(institutions, campuses, port) as servers:
        folder = workdir / "institutions"
        shutil.rmtree(folder, ignore_errors=True)
        institutions.write_folder(campuses, folder, port=servers[0].port, checklist_path=str(checklist))
        db_url = state.db_url if state.db_url != DEFAULT_DB else _fresh_sqlite(workdir / "demo.db")
        click.echo(f"{copies} demo institutions on 127.0.0-{copies - 1}.* port {servers[0].port}")
        click.echo(f"config folder {folder}, database {store.safe_url(db_url)}")
        many = State(config_path=folder, db_url=db_url)
        _crawl(many, sites=(), full=True, today=today, timeout=1800)
        for campus in campuses:
            one = many.of(many.deployment.get(campus.id))
            _demo_report(campus, one, today)
            _demo_mail(one, workdir / "mail" / campus.id)
        if not no_serve:
            _demo_dashboard(many, dashboard_port, role="regulator")


@contextmanager
def _copies_served(institutions: Any, campuses: list[Any], port: int) -> Iterator[list[Any]]:
    try:
        serving = institutions.serving(campuses, port=port)
        servers = serving.__enter__()
    except OSError:
        if port == 0:
            raise
        click.echo(f"port {port} is taken; using a free port", err=True)
        serving = institutions.serving(campuses, port=0)
        servers = serving.__enter__()
    try:
        yield servers
    finally:
        serving.__exit__(None, None, None)


def _demo_mail(state: State, out_dir: Path) -> None:
    """Check the demo campus and render its lag reports as .eml files."""
    from monitor import checks, jobs
    from monitor.cli import reporting

    config = state.config
    with state.session() as session:
        today = dt.datetime.now(config.institution.tz).date()
        result = checks.run_check(session, config, at=today, today=today)
    shutil.rmtree(out_dir, ignore_errors=True)
    reports = jobs.build_reports(reporting.runtime(state), config, result)  # the check just made
    reporting.write_eml(state, reports, out_dir)
    click.echo(f"{len(result.judgement.findings)} findings; {len(reports)} reports written to {out_dir}/")


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
    key = config.institution.id
    with state.session() as session:
        counts = store.count_items_by_site(session, institution_key=key, start=start, end=end)
        run = store.crawls.latest_run(session, institution_key=key)
        rows = store.crawls.run_fetches(session, run_id=run[0]) if run else []
    tables = stats.build_tables(config, start=start, end=end, counts=counts, manual={})
    click.echo(stats.to_markdown(tables))
    outcomes = {(row.site, row.column): row.outcome for row in rows}
    from monitor.demo.selfcheck import mismatches

    wrong = mismatches(campus, outcomes=outcomes, counts=counts, start=start, end=end)
    if wrong:
        raise MonitorError(f"{key}: the demo differs from its ground truth: {'; '.join(wrong[:5])}")
    click.echo(
        f"{key}: ground truth: all {len(outcomes)} column outcomes and {len(counts)} site counts match"
    )
