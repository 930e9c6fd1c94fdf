"""`xxgk user add|list|remove` and `xxgk serve`'s app on a database with no check yet."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest

from monitor.config import load_config
from monitor.web import create_app
from tests.web.conftest import PASSWORD, login, serving, xxgk

CONFIG = Path(__file__).resolve().parents[2] / "config" / "demo.yaml"


@pytest.fixture
def initialised(db_url: str) -> str:
    code, out = xxgk(CONFIG, db_url, "init")
    assert code == 0, out
    return db_url


def test_users_are_added_listed_and_removed(initialised: str) -> None:
    code, out = xxgk(
        CONFIG,
        initialised,
        "user",
        "add",
        "wang",
        "--role",
        "department",
        "--site",
        "news",
        "--site",
        "jwc",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 0, out
    code, out = xxgk(
        CONFIG, initialised, "user", "add", "li", "--role", "office", "--password-stdin", stdin=PASSWORD
    )
    assert code == 0, out
    code, out = xxgk(CONFIG, initialised, "user", "list")
    assert out.splitlines() == ["li\toffice\tdemo\t-", "wang\tdepartment\tdemo\tjwc,news"]
    assert xxgk(CONFIG, initialised, "user", "remove", "wang")[0] == 0
    assert xxgk(CONFIG, initialised, "user", "list")[1].splitlines() == ["li\toffice\tdemo\t-"]


BAD = [
    (["user", "add", "x", "--role", "boss", "--password-stdin"], PASSWORD, "boss"),
    (["user", "add", "x", "--role", "department", "--password-stdin"], PASSWORD, "needs at least one --site"),
    (
        ["user", "add", "x", "--role", "office", "--site", "news", "--password-stdin"],
        PASSWORD,
        "only for department",
    ),
    (
        ["user", "add", "x", "--role", "department", "--site", "nope", "--password-stdin"],
        PASSWORD,
        "unknown site 'nope'",
    ),
    (["user", "add", "x", "--role", "viewer", "--password-stdin"], "short", "at least 8 characters"),
    (["user", "add", "x", "--role", "viewer"], PASSWORD, "--password-stdin"),
    (["user", "remove", "nobody"], "", "no user named 'nobody'"),
]


@pytest.mark.parametrize(("args", "stdin", "message"), BAD, ids=[m for _, _, m in BAD])
def test_bad_user_input_is_one_line_and_non_zero(
    initialised: str, args: list[str], stdin: str, message: str
) -> None:
    code, out = xxgk(CONFIG, initialised, *args, stdin=stdin)
    assert code != 0
    assert message in out
    assert (
        xxgk(CONFIG, initialised, "user", "add", "x", "--role", "viewer", "--password-stdin", stdin=PASSWORD)[
            0
        ]
        == 0
    )
    code, out = xxgk(
        CONFIG, initialised, "user", "add", "x", "--role", "viewer", "--password-stdin", stdin=PASSWORD
    )
    assert code == 1
    assert out.strip() == "xxgk: error: a user named 'x' exists already"


def test_without_a_check_every_page_says_so(initialised: str) -> None:
    assert (
        xxgk(
            CONFIG, initialised, "user", "add", "li", "--role", "office", "--password-stdin", stdin=PASSWORD
        )[0]
        == 0
    )
    app = create_app(config=load_config(CONFIG), db_url=initialised, secret=secrets.token_hex(16))
    with serving(app) as base_url:
        client: httpx.Client = login(base_url, "li")
        for path in ("/", "/checklist", "/findings", "/sites/news"):
            answer = client.get(path)
            assert answer.status_code == 200, path
            assert "尚无检查结果" in answer.text
        assert client.get("/api/overview").json()["check"] is None
        assert client.get("/api/stats").json()["total"] == 0
        client.close()


def test_serve_refuses_a_short_secret(initialised: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XXGK_SECRET_KEY", "short")
    code, out = xxgk(CONFIG, initialised, "serve", "--port", "1")
    assert code == 1
    assert out.strip() == "xxgk: error: XXGK_SECRET_KEY is too short: expected at least 16 characters"
