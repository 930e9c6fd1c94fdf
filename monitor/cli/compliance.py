"""`xxgk check`, `xxgk rules`, `xxgk ack` and `xxgk import-counts`: the compliance commands."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from monitor import checks, rules, stats, store
from monitor.cli.main import State, fail_cleanly, main, parse_date, pass_state
from monitor.config import Config
from monitor.errors import ConfigError


@main.command("check")
@click.option(
    "--at", callback=parse_date, help="Judge as of this date, with what was known then (read-only)."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
@fail_cleanly
def check_command(state: State, at: dt.date | None, fmt: str) -> None:
    """Judge every column and the 50 checklist items; store the findings (a check of today).

    Over a config folder the institutions are judged in batches (one transaction and about
    fifteen queries per batch of `checks.BATCH`); `--format json` then prints
    ``{"institutions": [{"id", "name", ...one document}]}``.
    """
    configs = state.configs
    docs = []
    for config, result in _judged(state, configs, at):
        doc = checks.check_document(result)
        if fmt == "json":
            named = {"id": config.institution.id, "name": config.institution.name}
            docs.append(doc if len(configs) == 1 else {**named, **doc})
        else:
            if len(configs) > 1:
                click.echo(f"{config.institution.name} ({config.institution.id})")
            _print_check(doc, stored=result.check_id is not None)
    if fmt == "json":
        shown = docs[0] if len(configs) == 1 else {"institutions": docs}
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))


def _print_check(doc: checks.CheckDocument, *, stored: bool) -> None:
    from rich.console import Console
    from rich.control import strip_control_codes
    from rich.table import Table

    console = Console(highlight=False)
    problems = [c for c in doc["columns"] if c["status"] != "fresh"]
    table = Table(
        title=f"columns needing attention, as of {doc['at']} ({len(problems)}/{len(doc['columns'])})"
    )
    for header in ("site", "column", "status", "reason", "newest", "days"):
        table.add_column(header)
    for c in problems:
        table.add_row(
            c["site"],
            c["column"],
            c["status"],
            c["reason"] or "",
            c["newest"] or "",
            str(c["age_days"] or ""),
        )
    console.print(table)
    counts: dict[str, int] = {}
    for item in doc["checklist"]:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    lines = ["checklist (50 items): " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))]
    lines += [f"[{f['state']}] {f['severity']:<6} {f['key']}: {f['message']}" for f in doc["findings"]]
    lines += [f"[resolved] {key}" for key in doc["resolved"]]
    if not stored:
        lines.append("(a check of a past date: nothing was stored)")
    # Plain lines: rich measured the terminal once per line (a fifth of a folder's check). Crawled
    # titles in messages lost their control characters at ingest (crawler.profiles.html).
    click.echo(strip_control_codes("\n".join(lines)))


def _judged(
    state: State, configs: Sequence[Config], at: dt.date | None
) -> Iterator[tuple[Config, checks.CheckResult]]:
    """Each config with its check, in order, judged in batches of institutions sharing today."""
    days = []
    for config in configs:
        today = dt.datetime.now(config.institution.tz).date()
        day = at or today
        if day > today:
            raise click.BadParameter(f"{day} is in the future (today is {today})", param_hint="--at")
        days.append((day, today))
    start = 0
    while start < len(configs):
        end = start + 1
        while end < len(configs) and end - start < checks.BATCH and days[end] == days[start]:
            end += 1
        batch = configs[start:end]
        with state.session() as session:
            results = checks.run_checks(session, batch, at=days[start][0], today=days[start][1])
        yield from zip(batch, results, strict=True)
        start = end


@main.command("rules")
def rules_command() -> None:
    """List the rules of `xxgk check`, with what each flags."""
    for name, registered in sorted(rules.RULES.items()):
        doc = registered.summary  # the rule function's docstring (Rule.__doc__ is the class's)
        click.echo(f"{name}\n    " + " ".join(doc.split()) + "\n")


@main.command("ack")
@click.argument("key")
@click.option("--by", required=True, help="Who acknowledges (kept with the finding).")
@click.option("--note", default="", help="Why, or what is being done.")
@pass_state
@fail_cleanly
def ack_command(state: State, key: str, by: str, note: str) -> None:
    """Acknowledge an open finding by its key (e.g. column_stale:today/notices)."""
    config = state.config
    with state.session() as session:
        done = store.checks.acknowledge(
            session,
            institution_key=config.institution.id,
            key=key,
            by=by,
            note=note,
            now=dt.datetime.now(dt.UTC),
        )
    if not done:
        raise click.BadParameter(f"no open finding {key!r} (see `xxgk check`)", param_hint="KEY")
    click.echo(f"acknowledged {key} by {by}")


@main.command("import-counts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_state
@fail_cleanly
def import_counts_command(state: State, path: Path) -> None:
    """Record hand counts for sites that cannot be crawled: CSV with site,from,to,count[,note]."""
    config = state.config
    rows = read_counts(path, config)
    now = dt.datetime.now(dt.UTC)
    with state.session() as session:
        for site, start, end, count, note in rows:
            store.set_manual_count(
                session,
                institution_key=config.institution.id,
                site_key=site,
                start=start,
                end=end,
                count=count,
                source=path.name,
                note=note,
                now=now,
            )
    click.echo(f"imported {len(rows)} manual counts from {path}")


def read_counts(path: Path, config: Config) -> list[tuple[str, dt.date, dt.date, int, str | None]]:
    """Validate the whole file before anything is written; an error names the file and line."""
    sites = {site.id for _, site in config.sites()}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    missing = {"site", "from", "to", "count"} - set(reader.fieldnames or [])
    if missing:
        raise ConfigError(
            f"{path}:1: expected the columns site,from,to,count[,note] (missing {sorted(missing)})"
        )
    return [_count_row(path, n, row, sites) for n, row in enumerate(reader, start=2)]


def _count_row(
    path: Path, line: int, row: dict[str, str], sites: set[str]
) -> tuple[str, dt.date, dt.date, int, str | None]:
    where = f"{path}:{line}"
    site = (row.get("site") or "").strip()
    if site not in sites:
        raise ConfigError(f"{where}: unknown site {site!r}")
    try:
        start, end = stats.parse_day(row["from"] or ""), stats.parse_day(row["to"] or "")
    except ValueError as exc:
        raise ConfigError(f"{where}: from and to: {exc}") from None
    if start > end:
        raise ConfigError(f"{where}: from {start} is after to {end}")
    count = row["count"].strip()
    if not count.isdigit():
        raise ConfigError(f"{where}: expected a whole number >= 0 in count (got {count!r})")
    return site, start, end, int(count), (row.get("note") or "").strip() or None
