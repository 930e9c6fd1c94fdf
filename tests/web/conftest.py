"""The dashboard over a real database: one crawl and check of the demo campus per backend.

The module-scoped ``dashboard`` fixture crawls the demo campus, plants an item whose title and
URL are hostile (stored XSS), checks, adds one user per role through the CLI, and serves the
app with uvicorn on a loopback thread; tests talk to it with httpx, as a browser would.
"""

from __future__ import annotations

import datetime as dt
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from bs4 import BeautifulSoup
from click.testing import CliRunner
from sqlalchemy import Engine, make_url, text

from monitor import store
from monitor.cli import main
from monitor.config import load_config
from monitor.demo import DemoCampus, DemoServer, build_campus, demo_config_yaml
from monitor.web import create_app
from tests.conftest import PG_ADMIN_URL, _unavailable

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
XSS_TITLE = '<script>alert(1)</script>招生章程"><img src=x onerror=alert(1)>'
XSS_URL = "javascript:alert(1)"
XSS_SITE, XSS_COLUMN = "jwc", "tzgg"
PASSWORD = "correct horse battery"
#: name → (role, sites)
USERS = {
    "admin": ("admin", ()),
    "office": ("office", ()),
    "dept": ("department", ("jwc",)),
    "viewer": ("viewer", ()),
}


@dataclass(frozen=True)
class Dashboard:
    base_url: str
    config: Path
    db_url: str
    campus: DemoCampus
    secret: str  # the key the dashboard signs sessions with


def xxgk(config: Path, db: str, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--db", db, *args], input=stdin)
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoCampus, Path]]:
    campus = build_campus(today=TODAY)
    with DemoServer(campus) as server:
        path = tmp_path_factory.mktemp("demo") / "demo.yaml"
        checklist = str(ROOT / "config" / "checklist.yaml")
        path.write_text(
            demo_config_yaml(campus, port=server.port, checklist_path=checklist), encoding="utf-8"
        )
        yield campus, path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"], ids=["sqlite", "pg"])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database per backend, for the whole module."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'web.db'}"
        return
    admin = request.getfixturevalue("pg_admin")
    if isinstance(admin, str):
        _unavailable(admin)
    assert isinstance(admin, Engine)
    name = f"xxgk_t_{secrets.token_hex(6)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def plant_hostile_item(config: Path, db_url: str) -> None:
    institution = load_config(config).institution.id
    engine = store.connect(db_url)
    with store.sessions(engine).begin() as session:
        site_id = store.site_ids(session, institution_key=institution)[XSS_SITE]
        column_id = store.column_ids(session, institution_key=institution)[(XSS_SITE, XSS_COLUMN)]
        item = store.NewItem(url=XSS_URL, title=XSS_TITLE, published_on=TODAY, date_source="list")
        store.upsert_items(
            session, site_id=site_id, column_id=column_id, items=[item], seen_at=dt.datetime.now(dt.UTC)
        )
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def dashboard(served: tuple[DemoCampus, Path], database: str) -> Iterator[Dashboard]:
    campus, config = served
    code, out = xxgk(config, database, "crawl", "--full")
    assert code == 0, out
    plant_hostile_item(config, database)
    code, out = xxgk(config, database, "check")
    assert code == 0, out
    for name, (role, sites) in USERS.items():
        args = [f"--site={site}" for site in sites]
        code, out = xxgk(
            config,
            database,
            "user",
            "add",
            name,
            "--role",
            role,
            *args,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        assert code == 0, out
    secret = secrets.token_hex(16)
    app = create_app(config=load_config(config), db_url=database, secret=secret)
    with serving(app) as base_url:
        yield Dashboard(base_url=base_url, config=config, db_url=database, campus=campus, secret=secret)


@contextmanager
def serving(app: object) -> Iterator[str]:
    """Run `app` with uvicorn on a loopback thread; the base URL while it runs."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def csrf_of(html: str) -> str:
    field = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "csrf"})
    assert field is not None, "no CSRF field on the page"
    return str(field["value"])


def login(base_url: str, name: str, password: str = PASSWORD) -> httpx.Client:
    """A client holding a logged-in session of `name`."""
    client = httpx.Client(base_url=base_url, timeout=30)
    page = client.get("/login")
    answer = client.post("/login", data={"username": name, "password": password, "csrf": csrf_of(page.text)})
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture(scope="module")
def clients(dashboard: Dashboard) -> Iterator[dict[str, httpx.Client]]:
    """One logged-in client per user of USERS."""
    found = {name: login(dashboard.base_url, name) for name in USERS}
    yield found
    for client in found.values():
        client.close()


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")
