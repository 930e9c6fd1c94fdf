"""Migrations are tested: the stairway (up, down, up per revision) and "models match migrations"."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from monitor.store.engine import alembic_config, connect, current_revision, downgrade, head_revision, upgrade
from monitor.store.models import Base


def _revisions() -> list[tuple[str, str]]:
    """(revision, the one before it or "base"), oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    walked = reversed(list(script.walk_revisions("base", "heads")))
    return [(rev.revision, str(rev.down_revision or "base")) for rev in walked]


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_there_is_one_head_and_it_starts_at_0001() -> None:
    revisions = _revisions()
    assert revisions[0] == ("0001", "base")
    assert head_revision() == revisions[-1][0], (
        "a new migration: set monitor.store.engine.HEAD_REVISION to its revision"
    )


def test_stairway_up_down_up(db_url: str) -> None:
    engine = connect(db_url)
    try:
        for revision, previous in _revisions():
            upgrade(engine, revision)
            downgrade(engine, previous)
            upgrade(engine, revision)
            assert current_revision(engine) == revision
        downgrade(engine, "base")
        assert _tables(engine) == set()
    finally:
        engine.dispose()


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_head_creates_every_model_table(engine: Engine) -> None:
    assert _tables(engine) == set(Base.metadata.tables)
