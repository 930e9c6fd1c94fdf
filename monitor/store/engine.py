"""Engines, sessions and migrations: the boundary where driver errors become StoreError.

``connect(url)`` opens SQLite (WAL, foreign keys, a busy timeout; file and directory made unless
``create=False``, as for the commands that only read) or PostgreSQL (``postgresql+psycopg://``)
and proves the database answers. ``upgrade`` runs the Alembic migrations to head,
``ensure_current`` refuses a database that is behind, and ``translate_errors`` turns any driver
error into a one-line :class:`StoreError` that names the URL without its password.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

import monitor
from monitor.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

#: The newest migration in alembic/versions (tests/store/test_migrations.py keeps them equal).
#: Known here so that every command can check the database without importing Alembic (a
#: quarter of a second); Alembic is imported only to migrate.
HEAD_REVISION = "0012"

log = logging.getLogger(__name__)

#: The repository's migrations directory.
ALEMBIC_DIR = Path(monitor.__file__).resolve().parents[1] / "alembic"

_BUSY_TIMEOUT_MS = 10_000
_PG_CONNECT_TIMEOUT_S = 10


def safe_url(url: str | URL) -> str:
    """The URL as text with its password masked; a string that does not parse is returned as is."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return str(url)


def _one_line(exc: BaseException, *, url: str | URL) -> str:
    """The driver's message on one line, without the password should the driver echo it."""
    text = " ".join(str(getattr(exc, "orig", None) or exc).split())
    try:
        password = make_url(url).password
    except ArgumentError:
        password = None
    return text.replace(str(password), "***") if password else text


@contextmanager
def translate_errors(url: str | URL) -> Iterator[None]:
    """Turn driver errors raised inside the block into a one-line StoreError naming ``url``."""
    try:
        yield
    except DBAPIError as exc:
        raise StoreError(f"database {safe_url(url)}: {_one_line(exc, url=url)}") from None


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"invalid database URL {safe_url(url)!r}: expected sqlite:///PATH or postgresql+psycopg://…"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database {safe_url(parsed)}: expected sqlite or postgresql+psycopg")
    return parsed


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_engine(url: URL, *, create: bool) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        if not create and not Path(url.database).expanduser().exists():
            raise StoreError(f"database {safe_url(url)} does not exist: run `xxgk init`")
        try:
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the directory of database {safe_url(url)}: {exc.strerror}"
            ) from None
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _postgresql_engine(url: URL) -> Engine:
    connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": _PG_CONNECT_TIMEOUT_S}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def connect(url: str, *, create: bool = True) -> Engine:
    """An engine for ``url`` whose database has answered once; every failure is a StoreError.

    An SQLite file (and its directory) is made when missing, unless ``create`` is false: then a
    missing file is a StoreError, and a command that only reads leaves no empty database behind.
    """
    parsed = _parse(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed, create=create)
        else:
            engine = _postgresql_engine(parsed)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StoreError(f"cannot use database {safe_url(parsed)}: {exc}") from None
    with translate_errors(parsed), engine.connect():
        pass
    log.debug("connected to %s", safe_url(parsed))
    return engine


def alembic_config(connection: Any = None) -> AlembicConfig:
    """An Alembic config for the repository's migrations, optionally bound to ``connection``."""
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    """The newest migration revision this program knows."""
    return HEAD_REVISION


def current_revision(engine: Engine) -> str | None:
    """The migration revision the database is at, or None when it was never initialised."""
    with translate_errors(engine.url), engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        return versions[0] if len(versions) == 1 else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` (head by default) in one transaction."""
    from alembic import command

    with translate_errors(engine.url), engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Run the migrations down to ``revision`` ("base" empties the database)."""
    from alembic import command

    with translate_errors(engine.url), engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)


def ensure_current(engine: Engine) -> None:
    """Raise StoreError unless the database is at the newest migration."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        at = f"at revision {current}" if current else "empty"
        raise StoreError(
            f"database {safe_url(engine.url)} is not initialised or not upgraded ({at}, head is {head}): "
            "run `xxgk init`"
        )


def sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory for ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)
