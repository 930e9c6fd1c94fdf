"""The databases the benchmarks load once and copy per measured command, and the machine they ran on.

`SQLiteBackend` copies a file; `PostgresBackend` makes ``xxgk_bench_<hex>`` databases (copies by
``CREATE DATABASE … TEMPLATE``) and drops every one it made on `close()`. `export_head` writes a
clean export of a commit's packages (other sessions edit the work tree while a bench runs);
`machine` names the CPUs, memory and versions for the README.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import os
import platform
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Backend(abc.ABC):
    """A database the bench loads once and copies for each measured command."""

    name = ""

    @abc.abstractmethod
    def create_base(self) -> str:
        """The URL of the empty base database."""

    @abc.abstractmethod
    def copy(self, tag: str) -> str:
        """The URL of a fresh copy of the loaded base."""

    @abc.abstractmethod
    def drop(self, url: str) -> None:
        """Remove a copy."""

    @abc.abstractmethod
    def size_mb(self, url: str) -> float:
        """The database's size on disk."""

    @abc.abstractmethod
    def version(self) -> str:
        """The server's version string."""

    def close(self) -> None:  # noqa: B027 - optional hook: most backends hold nothing
        """Release what the backend holds (nothing by default)."""


class SQLiteBackend(Backend):
    name = "SQLite"

    def __init__(self, work: Path) -> None:
        self.work = work
        self.base = work / "base.db"

    def create_base(self) -> str:
        return f"sqlite:///{self.base}"

    def checkpoint(self) -> None:
        with contextlib.closing(sqlite3.connect(self.base)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def copy(self, tag: str) -> str:
        self.checkpoint()
        target = self.work / f"{tag}.db"
        shutil.copyfile(self.base, target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def size_mb(self, url: str) -> float:
        path = Path(url.removeprefix("sqlite:///"))
        return (
            sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())
            / 2**20
        )

    def version(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"


class PostgresBackend(Backend):
    name = "PostgreSQL"

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy import create_engine

        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.base = f"xxgk_bench_{uuid.uuid4().hex[:8]}"
        self.made: list[str] = []

    def _url(self, name: str) -> str:
        head, _, _ = self.admin_url.rpartition("/")
        return f"{head}/{name}"

    def create_base(self) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.base}"')
        self.made.append(self.base)
        return self._url(self.base)

    def copy(self, tag: str) -> str:
        name = f"{self.base}_{tag}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.base}" STRATEGY FILE_COPY')
        self.made.append(name)
        return self._url(name)

    def drop(self, url: str) -> None:
        name = url.rpartition("/")[2]
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.made:
            self.made.remove(name)

    def size_mb(self, url: str) -> float:
        name = url.rpartition("/")[2]
        with self.admin.connect() as conn:
            return conn.exec_driver_sql(f"SELECT pg_database_size('{name}')").scalar() / 2**20

    def version(self) -> str:
        with self.admin.connect() as conn:
            return "PostgreSQL " + conn.exec_driver_sql("SHOW server_version").scalar().split()[0]

    def close(self) -> None:
        for name in list(self.made):
            self.drop(self._url(name))
        self.admin.dispose()


def export_head(target: Path, commit: str) -> Path:
    """A clean export of the packages at `commit`: other sessions edit the work tree meanwhile."""
    target.mkdir(parents=True)
    command = ["git", "archive", commit, "monitor", "alembic", "crawler"]
    archive = subprocess.run(command, cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def git_head() -> str:
    command = ["git", "rev-parse", "--short", "HEAD"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def machine(versions: list[str]) -> str:
    """CPUs, model, memory, Python and the given database versions, SQLAlchemy, psycopg; today."""

    def run(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
        except OSError:
            return ""

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in run(["lscpu"]).splitlines()
            if line.startswith("Model name")
        ),
        platform.processor(),
    )
    memory = next(
        (line.split()[1] for line in run(["free", "-h"]).splitlines() if line.startswith("Mem:")), "?"
    )
    import psycopg
    import sqlalchemy

    return (
        f"{os.cpu_count()} CPUs (`nproc`), {cpu}, {memory} RAM (`free -h`); "
        f"Python {platform.python_version()}, "
        f"{', '.join(versions)}, SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__}; "
        f"{dt.date.today().isoformat()}"
    )
