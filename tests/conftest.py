"""Fixtures shared by the whole suite: a real database on both backends.

Every test that takes ``db_url`` (or ``engine``/``session``) runs twice: on an SQLite file in
tmp_path and on a fresh PostgreSQL database created from XXGK_TEST_PG_ADMIN_URL and dropped
afterwards. When PostgreSQL cannot be reached the PostgreSQL half is skipped, unless
XXGK_REQUIRE_SERVICES=1 (as in CI), which makes it a failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from monitor.store.engine import connect, safe_url, sessions, upgrade

PG_ADMIN_URL = os.environ.get(
    "XXGK_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _unavailable(message: str) -> NoReturn:
    if os.environ.get("XXGK_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine | str]:
    """An AUTOCOMMIT engine on the admin database, or why there is none (checked once per run)."""
    engine = create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        yield f"PostgreSQL not reachable at {safe_url(PG_ADMIN_URL)}: {' '.join(str(exc.orig).split())}"
        return
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(pg_admin: Engine | str) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database, dropped after the test."""
    if isinstance(pg_admin, str):
        _unavailable(pg_admin)
    name = f"xxgk_t_{secrets.token_hex(6)}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "pg"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'xxgk.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head."""
    engine = connect(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated database; the test owns the transaction."""
    with sessions(engine)() as session:
        yield session
