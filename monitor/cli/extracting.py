"""`xxgk extract`: what the crawler reads on one page (a file or a URL), for "why does this column fail".

The page is read in a child process (`python -m crawler.extract_run`), by the same functions a
crawl uses; this module only checks the arguments and shows the result. Crawled text is shown
as plain text, never as terminal markup.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlsplit

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor import crawl
from monitor.cli.main import State, fail_cleanly, main, parse_date, pass_state
from monitor.config import CmsFamily

#: jsonapi reads an endpoint through a column's `api` mapping, not a page.
FAMILIES = tuple(name for name in get_args(CmsFamily) if name != "jsonapi")


def _source(_: click.Context, param: click.Parameter, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme in ("http", "https"):
        if not parts.hostname or any(c.isspace() for c in value):
            raise click.BadParameter(f"expected an http:// or https:// URL (got {value!r})")
        return value
    if not Path(value).is_file():
        raise click.BadParameter(f"no such file, and not an http(s) URL: {value!r}")
    return value


def _page_url(_: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and (
        urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).hostname
    ):
        raise click.BadParameter(f"expected an http:// or https:// URL (got {value!r})")
    return value


@main.command("extract")
@click.argument("source", callback=_source)
@click.option("--url", callback=_page_url, help="The page's own URL, when SOURCE is a saved file.")
@click.option("--cms", type=click.Choice(FAMILIES), default="auto", show_default=True, help="CMS family.")
@click.option("--today", callback=parse_date, help="The crawl's date, for year-less dates (default: today).")
@click.option("--article", is_flag=True, help="Read an article page: its publication date and title.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--timeout", type=click.IntRange(min=1), default=crawl.EXTRACT_TIMEOUT, show_default=True)
@pass_state
@fail_cleanly
def extract_command(
    state: State,
    source: str,
    url: str | None,
    cms: str,
    today: dt.date | None,
    article: bool,
    fmt: str,
    timeout: int,
) -> None:
    """Show what the crawler reads on one page: SOURCE is a saved HTML file or an http(s) URL.

    List mode prints the profile that read the page, every row (title, URL, date and where the
    date came from) and the next pages; --article prints an article's date and title. A URL is
    fetched once, politely (robots.txt, the config's User-Agent and delay). Exit 0 when a list
    (or a date) was found, 1 when not.
    """
    is_url = urlsplit(source).scheme in ("http", "https")
    config_path = state.config_path if is_url and state.config_path.is_file() else None
    if config_path is not None:
        state.config  # noqa: B018 - a broken config fails here, with its one line
    argv = crawl.extract_command(
        source=source, url=url, cms=cms, today=today, article=article, config_path=config_path
    )
    found, out = crawl.run_extract(argv, timeout=timeout)
    if fmt == "json":
        click.echo(out, nl=False)
    else:
        _show(json.loads(out), article=article)
    if not found:
        raise SystemExit(1)


def _show(result: dict[str, Any], *, article: bool) -> None:
    console = Console(highlight=False)
    if article:
        console.print(Text(f"date: {result['date'] or '(none)'}  source: {result['date_source'] or '—'}"))
        console.print(Text(f"title: {result['title'] or '(none)'}"))
        return
    found = "a list" if result["found"] else "no list"
    console.print(Text(f"profile: {result['profile']}  ({found}, {len(result['rows'])} rows)"))
    table = Table("#", "date", "source", "title", "url")
    for number, row in enumerate(result["rows"], start=1):
        marks = "".join(mark for key, mark in (("pinned", " [置顶]"), ("attachment", " [附件]")) if row[key])
        table.add_row(
            str(number),
            row["date"] or "—",
            row["date_source"] or ("article" if row["needs_article"] else "—"),
            Text(row["title"] + marks),
            Text(row["url"]),
        )
    console.print(table)
    for page in result["next"]:
        console.print(Text(f"next: {page}"))
