"""`xxgk user add|list|remove` and `xxgk serve`: the dashboard's users and its server."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import signal
import socket
import sys
from types import FrameType
from typing import TYPE_CHECKING

import click

from monitor import store
from monitor.cli.main import State, fail_cleanly, main, pass_state
from monitor.errors import ConfigError, MonitorError
from monitor.store import users

if TYPE_CHECKING:
    from fastapi import FastAPI

SECRET_ENV = "XXGK_SECRET_KEY"  # noqa: S105 - the name of a variable, not a secret
MIN_PASSWORD = 8


@main.group("user")
def user_group() -> None:
    """Dashboard users: admin, office, department (sees only its --site's), viewer; each of one
    institution (--institution ID in a config folder), or regulator: every institution, read-only."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(store.ROLES), required=True, help="What the user may see and do.")
@click.option("--site", "sites", multiple=True, help="A site id a department user may see (repeatable).")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
@pass_state
@fail_cleanly
def user_add(state: State, name: str, role: str, sites: tuple[str, ...], password_stdin: bool) -> None:
    """Add a user; the password is read from stdin (first line) and stored hashed (argon2)."""
    from monitor.web.security import hash_password

    if not name.strip() or len(name) > 64:
        raise click.BadParameter("expected a name of 1 to 64 characters", param_hint="NAME")
    if role == "department" and not sites:
        raise click.UsageError("a department user needs at least one --site")
    if role != "department" and sites:
        raise click.UsageError(f"--site is only for department users (role {role} sees every site)")
    if role == "regulator" and state.selected:
        raise click.UsageError("a regulator sees every institution: leave out --institution")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else ""
    if len(password) < MIN_PASSWORD:
        raise click.UsageError(f"expected a password of at least {MIN_PASSWORD} characters on stdin")
    institution = None if role == "regulator" else state.config.institution.id
    with state.session() as session:
        users.add_user(
            session,
            institution_key=institution,
            name=name,
            role=role,
            password_hash=hash_password(password),
            sites=sites,
            now=dt.datetime.now(dt.UTC),
        )
    where = f"{role} of {institution or 'every institution'}{': ' + ', '.join(sites) if sites else ''}"
    click.echo(f"added user {name} ({where})")


@user_group.command("list")
@pass_state
@fail_cleanly
def user_list(state: State) -> None:
    """Every user with role, institution (* every one) and sites."""
    with state.session() as session:
        rows = users.list_users(session)
    for row in rows:
        flags = " (disabled)" if row.disabled else ""
        click.echo(f"{row.name}\t{row.role}\t{row.institution or '*'}\t{','.join(row.sites) or '-'}{flags}")


@user_group.command("remove")
@click.argument("name")
@pass_state
@fail_cleanly
def user_remove(state: State, name: str) -> None:
    """Remove a user (and its site grants)."""
    with state.session() as session:
        removed = users.remove_user(session, name=name)
    if not removed:
        raise click.BadParameter(f"no user named {name!r}", param_hint="NAME")
    click.echo(f"removed user {name}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0: any free port."
)
@click.option("--https", is_flag=True, help="Served behind TLS: mark the session cookie Secure.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes sharing the port (forked; each with its own connections and cache).",
)
@pass_state
@fail_cleanly
def serve(state: State, host: str, port: int, https: bool, workers: int) -> None:
    """Serve the dashboard (uvicorn) until Ctrl-C or SIGTERM. The session key comes from XXGK_SECRET_KEY.

    Over a config folder: every institution's pages (or those of --institution) and the
    regulator's ranking at /regulator."""
    from monitor.web import create_app

    secret = os.environ.get(SECRET_ENV, "")
    if secret and len(secret) < 16:
        raise ConfigError(f"{SECRET_ENV} is too short: expected at least 16 characters")
    if not secret:
        secret = secrets.token_urlsafe(32)
        click.echo(f"warning: {SECRET_ENV} is not set; sessions end when the server stops", err=True)
    app = create_app(
        deployment=state.deployment,
        institutions=state.selected,
        db_url=state.db_url,
        secret=secret,
        https=https,
    )
    sock = listen(host, port)
    click.echo(f"dashboard on {url_of(sock)}", err=True)
    if workers > 1:
        run_workers(app, sock, workers=workers)
    else:
        run_until_stopped(app, sock)


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on host:port (0: any free port); MonitorError when the port is taken.

    Bound before the server starts, so its URL can be printed and visited at once: connections
    wait in the socket's queue until uvicorn accepts them.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise MonitorError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def run_until_stopped(app: FastAPI, sock: socket.socket, *, log_level: str = "info") -> None:
    """Serve `app` with uvicorn on `sock` until SIGINT or SIGTERM, then shut down gracefully.

    uvicorn takes the signal, stops, and then raises it again for the handler it found: the
    handler set here only asks the server to stop, so the command returns (exit 0) instead of
    ending in "Aborted!" or dying of the signal. A signal before uvicorn is up stops it as well.
    """
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, proxy_headers=False))

    def stop(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            if handler is not None:  # None: a handler not set from Python, which cannot be restored
                signal.signal(sig, handler)
        sock.close()


def run_workers(app: FastAPI, sock: socket.socket, *, workers: int, log_level: str = "info") -> None:
    """Serve `app` from `workers` processes forked here, all accepting on `sock`, until SIGINT or SIGTERM.

    The app is made once, before the fork (so the database is checked once and a bad one is one
    error line); each worker drops the connections it inherited (`monitor.web.after_fork`) and
    opens its own, so no connection is shared between processes. The kernel gives each new
    connection to one worker. Each worker judges and keeps its own judgement (one per check and
    day, as one process does), and counts failed logins on its own. SIGINT or SIGTERM here is
    passed on to every worker, which finishes its requests and exits; this returns when all
    have, and fails when one of them failed.
    """
    from monitor.web import after_fork

    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: serve, and never return into the parent's click command
            code = 0
            try:
                after_fork(app)
                run_until_stopped(app, sock, log_level=log_level)
            except Exception as exc:  # one line for the operator, then exit 1
                click.echo(f"xxgk serve: worker {os.getpid()} failed: {exc}", err=True)
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    sock.close()

    def stop(signum: int, frame: FrameType | None) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        failed = sum(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0 for pid in children)
    finally:
        for sig, handler in previous.items():
            if handler is not None:
                signal.signal(sig, handler)
    if failed:
        raise MonitorError(f"{failed} of {workers} dashboard workers failed")
