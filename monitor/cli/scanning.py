"""`xxgk scan`: the personal-data scan of stored pages and attachments (issue 12).

Each night the scan runs after the crawl over the items it met; ``xxgk scan --all`` reads every
stored item not scanned yet (a first run on an existing database, or after a stop: it resumes).
Nothing it prints, logs or stores holds a number in full.
"""

from __future__ import annotations

import datetime as dt

import click

from monitor import scan, store
from monitor.cli.main import State, fail_cleanly, main, pass_state
from monitor.rules.pii import KIND_LABELS
from monitor.store import scans


@main.command("scan")
@click.option(
    "--all", "every", is_flag=True, help="Every stored item not scanned yet (default: the new ones)."
)
@click.option("--site", "sites", multiple=True, metavar="ID", help="Scan only this site (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="Scan at most this many items.")
@click.option(
    "--timeout", type=click.IntRange(min=1), default=scan.DEFAULT_TIMEOUT, show_default=True, help="Seconds."
)
@pass_state
@fail_cleanly
def scan_command(state: State, every: bool, sites: tuple[str, ...], limit: int | None, timeout: int) -> None:
    """Scan pages and attachments for personal data (ID, mobile, bank card numbers …), masked."""
    config = state.config
    for site in sites:
        config.site(site)  # an unknown id fails here, with one line
    with state.session(migrate=True) as session:
        store.sync_config(session, config=config, now=dt.datetime.now(dt.UTC))
    summary = scan.scan_locked(
        config_path=state.file_of(config),
        db_url=state.db_url,
        every=every,
        sites=sites,
        limit=limit,
        timeout=timeout,
    )
    click.echo(f"scan: {scan.describe(summary)}")
    with state.session() as session:
        rows = scans.pii_rows(
            session, institution_key=config.institution.id, known_by=dt.datetime.now(dt.UTC)
        )
    click.echo(_found(rows))
    if summary.get("errors"):
        raise click.ClickException("the scan ended with errors (see the log above)")


def _found(rows: list[scans.PiiRow]) -> str:
    """Pages and files holding personal data in full, and values shown masked, per kind."""
    leaking = {row.url for row in rows if row.leaks}
    parts = []
    for kind, label in KIND_LABELS.items():
        leaks = sum(r.leaks for r in rows if r.kind == kind)
        masked = sum(r.masked for r in rows if r.kind == kind)
        if leaks or masked:
            parts.append(f"{label} {leaks} in full, {masked} masked")
    found = "; ".join(parts) if parts else "no personal data found"
    return f"personal data in full on {len(leaking)} pages or files ({found}); `xxgk check` reports them"
