"""Alembic environment for xxgk-monitor.

`xxgk init` (monitor.store.engine.upgrade) passes its open connection in
``config.attributes["connection"]``; the `alembic` command line uses ``sqlalchemy.url`` from the
Alembic config, else the XXGK_DB environment variable. SQLite migrations run in batch mode,
because SQLite can only change a table by copying it.
"""

from __future__ import annotations

import os
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from monitor.store.engine import connect
from monitor.store.models import Base

config = context.config
target_metadata = Base.metadata

# Only an alembic.ini configures logging; with pyproject.toml alone the name points nowhere.
if config.config_file_name is not None and Path(config.config_file_name).is_file():
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    try:
        url = config.get_main_option("sqlalchemy.url")
    except CommandError:  # no alembic.ini: pyproject.toml holds no URL
        url = None
    url = url or os.environ.get("XXGK_DB")
    if not url:
        raise SystemExit("alembic: set sqlalchemy.url or the XXGK_DB environment variable")
    return url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=_url().startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = connect(_url())
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
