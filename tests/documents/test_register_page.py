"""The dashboard's 依申请公开 page: the office's only, forms with CSRF, every value escaped.

A real app on both backends (the HIT config, no crawl needed), served by uvicorn on loopback, one
user per role added through the CLI; clients post forms as a browser would.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_config
from monitor.web import create_app
from tests.web.conftest import PASSWORD, csrf_of, login, parse, serving

ROOT = Path(__file__).resolve().parents[2]
HIT = ROOT / "config" / "hit.yaml"
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def xxgk(db: str, *args: str, stdin: str | None = None) -> None:
    result = CliRunner().invoke(main, ["--config", str(HIT), "--db", db, *args], input=stdin)
    assert result.exit_code == 0, result.stdout + result.stderr


@pytest.fixture
def site(db_url: str) -> Iterator[dict[str, httpx.Client]]:
    xxgk(db_url, "init")
    for name, role, extra in (
        ("office", "office", ()),
        ("admin", "admin", ()),
        ("dept", "department", ("--site=rsc",)),
        ("viewer", "viewer", ()),
    ):
        xxgk(db_url, "user", "add", name, "--role", role, *extra, "--password-stdin", stdin=PASSWORD + "\n")
    app = create_app(config=load_config(HIT), db_url=db_url, secret=secrets.token_hex(16))
    with serving(app) as base_url:
        clients = {name: login(base_url, name) for name in ("office", "admin", "dept", "viewer")}
        yield clients
        for client in clients.values():
            client.close()


def test_only_the_office_and_admins_see_the_register(site: dict[str, httpx.Client]) -> None:
    for name in ("office", "admin"):
        page = site[name].get("/requests")
        assert page.status_code == 200, name
        assert "依申请公开登记" in page.text
        assert 'href="/requests"' in site[name].get("/").text
    for name in ("dept", "viewer"):
        assert site[name].get("/requests").status_code == 403, name
        assert site[name].get("/api/requests").status_code == 403, name
        assert 'href="/requests"' not in site[name].get("/").text
        form = {
            "csrf": csrf_of(site[name].get("/").text),
            "received": "2025-09-26",
            "requester": "citizen",
            "subject": "x",
        }
        assert site[name].post("/requests", data=form).status_code == 403
    anonymous = httpx.get(str(site["office"].base_url) + "/api/requests")
    assert anonymous.status_code == 401


def test_the_office_records_and_answers_a_request(site: dict[str, httpx.Client]) -> None:
    office = site["office"]
    csrf = csrf_of(office.get("/requests").text)
    form = {"csrf": csrf, "received": "2025-09-26", "requester": "organization", "subject": HOSTILE}
    answer = office.post("/requests", data=form)
    assert answer.status_code == 303
    (row,) = office.get("/api/requests").json()["requests"]
    assert (row["id"], row["subject"], row["due"], row["requester"]) == (1, HOSTILE, "2025-10-23", "其他组织")
    assert row["state"] == "overdue"
    page = office.get("/requests").text
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not parse(page).find_all("img")
    done = office.post(
        "/requests/1/answer", data={"csrf": csrf, "answered": "2025-10-20", "answer": "partial"}
    )
    assert done.status_code == 303
    (row,) = office.get("/api/requests").json()["requests"]
    assert (row["answered_on"], row["answer"], row["state"]) == ("2025-10-20", "部分公开", "answered")


BAD_FORMS = [
    ({"received": "2025-09-26", "requester": "citizen", "subject": "x"}, 403),  # no CSRF token
    ({"csrf": "forged", "received": "2025-09-26", "requester": "citizen", "subject": "x"}, 403),
    ({"received": "2025-02-30", "requester": "citizen", "subject": "x"}, 400),
    ({"received": "2099-01-01", "requester": "citizen", "subject": "x"}, 400),
    ({"received": "2025-09-26", "requester": "alien", "subject": "x"}, 400),
    ({"received": "2025-09-26", "requester": "citizen", "subject": "   "}, 400),
    ({"received": "2025-09-26", "requester": "citizen", "subject": "长" * 501}, 400),
]


def test_a_bad_form_changes_nothing(site: dict[str, httpx.Client]) -> None:
    office = site["office"]
    csrf = csrf_of(office.get("/requests").text)
    for form, status in BAD_FORMS:
        fields = form if status == 403 else {"csrf": csrf, **form}
        answer = office.post("/requests", data=fields)
        assert answer.status_code == status, form
        assert "Traceback" not in answer.text
    assert office.get("/api/requests").json()["requests"] == []


def test_answering_checks_the_request_and_the_fields(site: dict[str, httpx.Client]) -> None:
    office = site["office"]
    csrf = csrf_of(office.get("/requests").text)
    office.post(
        "/requests", data={"csrf": csrf, "received": "2025-09-26", "requester": "citizen", "subject": "决算"}
    )
    assert (
        office.post(
            "/requests/9/answer", data={"csrf": csrf, "answered": "2025-10-01", "answer": "public"}
        ).status_code
        == 404
    )
    assert (
        office.post(
            "/requests/1/answer", data={"csrf": csrf, "answered": "2025-09-01", "answer": "public"}
        ).status_code
        == 400
    )
    assert (
        office.post(
            "/requests/1/answer", data={"csrf": csrf, "answered": "2025-10-01", "answer": "maybe"}
        ).status_code
        == 400
    )
    assert (
        office.post("/requests/1/answer", data={"answered": "2025-10-01", "answer": "public"}).status_code
        == 403
    )
    assert office.get("/api/requests").json()["requests"][0]["answered_on"] is None
