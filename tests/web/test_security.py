"""Roles and scope, stored XSS, CSRF, the login rate limit, sessions and the security headers."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from monitor.web.deps import CSRF_FAILED, MAX_FORM_BYTES
from monitor.web.security import COOKIE, SESSION_SECONDS, SessionData, Signer
from tests.web.conftest import PASSWORD, XSS_SITE, XSS_TITLE, Dashboard, csrf_of, login, parse

OTHER_SITES = ["news", "wh-zsb", "sz-hq", "oa"]


@pytest.mark.parametrize("site", OTHER_SITES)
def test_a_department_user_guessing_another_sites_urls_gets_404(
    clients: dict[str, httpx.Client], site: str
) -> None:
    client = clients["dept"]
    for path in (
        f"/sites/{site}",
        f"/api/sites/{site}",
        f"/findings?site={site}",
        f"/api/findings?site={site}",
    ):
        assert client.get(path).status_code == 404, path
    assert clients["office"].get(f"/api/sites/{site}").status_code == 200


def test_a_department_user_sees_only_its_own_sites_everywhere(clients: dict[str, httpx.Client]) -> None:
    client = clients["dept"]
    overview = client.get("/api/overview").json()
    assert [s["id"] for c in overview["campuses"] for s in c["sites"]] == ["jwc"]
    assert {f["site"] for f in client.get("/api/findings").json()["findings"]} <= {"jwc"}
    evidence = [
        e
        for c in client.get("/api/checklist").json()["categories"]
        for i in c["items"]
        for e in i["evidence"]
    ]
    assert {e["site"] for e in evidence} <= {"jwc"}
    stats = client.get("/api/stats").json()
    assert [s["id"] for c in stats["campuses"] for s in c["sites"]] == ["jwc"]
    assert client.get("/api/sites/jwc").status_code == 200
    html = client.get("/").text
    assert "/sites/news" not in html


def test_a_department_user_cannot_acknowledge_another_sites_finding(clients: dict[str, httpx.Client]) -> None:
    other = next(
        f for f in clients["office"].get("/api/findings").json()["findings"] if f["site"] not in (None, "jwc")
    )
    csrf = csrf_of(clients["dept"].get("/findings").text)
    answer = clients["dept"].post("/findings/ack", data={"key": other["key"], "csrf": csrf, "note": "x"})
    assert answer.status_code == 404


@pytest.mark.parametrize("path", ["/", "/checklist", f"/sites/{XSS_SITE}", "/findings"])
def test_a_hostile_crawled_title_is_shown_escaped(clients: dict[str, httpx.Client], path: str) -> None:
    html = clients["office"].get(path).text
    soup = parse(html)
    assert not soup.find_all("script")
    assert not soup.find_all("img")
    assert not soup.select("[onerror]")
    assert 'href="javascript:' not in html.lower()


def test_the_hostile_title_is_on_the_site_page_as_text_and_in_json_verbatim(
    clients: dict[str, httpx.Client],
) -> None:
    html = clients["office"].get(f"/sites/{XSS_SITE}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert XSS_TITLE in parse(html).get_text()
    items = clients["office"].get(f"/api/sites/{XSS_SITE}").json()["items"]
    assert XSS_TITLE in [item["title"] for item in items]


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_post_without_the_sessions_csrf_token_is_403(
    clients: dict[str, httpx.Client], token: str | None
) -> None:
    client = clients["office"]
    key = client.get("/api/findings").json()["findings"][0]["key"]
    data = {"key": key, "note": "csrf"} | ({"csrf": token} if token is not None else {})
    for path in ("/findings/ack", "/logout"):
        answer = client.post(path, data=data)
        assert answer.status_code == 403
        assert CSRF_FAILED in parse(answer.text).get_text()


def test_the_csrf_token_of_another_session_is_403(clients: dict[str, httpx.Client]) -> None:
    theirs = csrf_of(clients["admin"].get("/findings").text)
    answer = clients["office"].post("/logout", data={"csrf": theirs})
    assert answer.status_code == 403
    assert clients["office"].get("/api/overview").status_code == 200  # still logged in


def test_login_without_csrf_is_403(dashboard: Dashboard) -> None:
    with httpx.Client(base_url=dashboard.base_url) as client:
        client.get("/login")
        answer = client.post("/login", data={"username": "admin", "password": PASSWORD})
        assert answer.status_code == 403


def test_anonymous_visitors_are_sent_to_login_and_the_api_answers_401(dashboard: Dashboard) -> None:
    with httpx.Client(base_url=dashboard.base_url) as client:
        page = client.get("/sites/jwc?x=1")
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=%2Fsites%2Fjwc%3Fx%3D1"
        assert client.get("/api/overview").status_code == 401


def test_five_failed_logins_lock_that_name_for_a_while(dashboard: Dashboard) -> None:
    with httpx.Client(base_url=dashboard.base_url) as client:
        csrf = csrf_of(client.get("/login").text)
        for _ in range(5):
            answer = client.post("/login", data={"username": "viewer", "password": "wrong", "csrf": csrf})
            assert answer.status_code == 401
            assert "用户名或密码错误" in answer.text
        right = {"username": "viewer", "password": PASSWORD, "csrf": csrf}
        assert client.post("/login", data=right).status_code == 429
    login(dashboard.base_url, "office").close()  # another name is not locked


def test_the_session_cookie_is_httponly_and_samesite_and_signed(dashboard: Dashboard) -> None:
    with httpx.Client(base_url=dashboard.base_url) as client:
        cookie = client.get("/login").headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "secure" not in cookie  # plain http here; --https adds it
    client = login(dashboard.base_url, "admin")
    value = client.cookies["xxgk_session"]
    client.cookies.set("xxgk_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/api/overview").status_code == 401
    client.close()


def test_logout_ends_the_session(dashboard: Dashboard) -> None:
    client = login(dashboard.base_url, "admin")
    csrf = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    assert client.get("/api/overview").status_code == 401
    client.close()


@pytest.mark.parametrize(
    "path", ["/login", "/", "/api/overview", "/static/style.css", "/nowhere", "/api/openapi.json"]
)
def test_every_response_carries_the_security_headers(dashboard: Dashboard, path: str) -> None:
    with httpx.Client(base_url=dashboard.base_url) as client:
        headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


def test_login_redirects_only_within_the_site(dashboard: Dashboard) -> None:
    with httpx.Client(base_url=dashboard.base_url) as client:
        csrf = csrf_of(client.get("/login").text)
        data = {"username": "admin", "password": PASSWORD, "csrf": csrf, "next": "//evil.example/"}
        assert client.post("/login", data=data).headers["location"] == "/"


def _payload(cookie: str) -> dict[str, object]:
    body = cookie.split(".")[0]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


def _with_payload(cookie: str, payload: dict[str, object]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=")
    return ".".join([body.decode(), *cookie.split(".")[1:]])


def test_a_signer_opens_only_what_it_signed_itself() -> None:
    signer = Signer("a-secret-of-sixteen-chars")
    cookie = signer.dump(SessionData.fresh("viewer"))
    opened = signer.load(cookie)
    assert opened is not None
    assert opened.user == "viewer"
    assert abs(opened.expires - (time.time() + SESSION_SECONDS)) < 5
    forged = _with_payload(cookie, {**_payload(cookie), "u": "admin"})
    for bad in (forged, cookie[:-1] + ("A" if cookie[-1] != "A" else "B"), "x" + cookie, "", "a.b.c", None):
        assert signer.load(bad) is None, bad
    assert Signer("another-secret-of-16-chars").load(cookie) is None


def test_a_session_ends_after_its_lifetime() -> None:
    now = [time.time()]
    signer = Signer("a-secret-of-sixteen-chars", clock=lambda: now[0])
    cookie = signer.dump(SessionData.fresh("office"))
    now[0] += SESSION_SECONDS - 60
    assert signer.load(cookie) is not None
    now[0] += 120
    assert signer.load(cookie) is None


@pytest.fixture
def admin(dashboard: Dashboard) -> Iterator[httpx.Client]:
    client = login(dashboard.base_url, "admin")
    yield client
    client.close()


def test_a_cookie_naming_another_user_under_the_old_signature_is_no_session(dashboard: Dashboard) -> None:
    dept = login(dashboard.base_url, "dept")  # not "viewer": the rate-limit test locks that name out
    cookie = dept.cookies[COOKIE]
    dept.cookies.set(COOKIE, _with_payload(cookie, {**_payload(cookie), "u": "admin"}))
    assert dept.get("/api/overview").status_code == 401
    dept.close()


def test_an_expired_session_cookie_is_no_session(dashboard: Dashboard) -> None:
    signed_long_ago = Signer(dashboard.secret, clock=lambda: time.time() - SESSION_SECONDS - 5)
    live = Signer(dashboard.secret)
    with httpx.Client(base_url=dashboard.base_url) as client:
        client.cookies.set(COOKIE, live.dump(SessionData.fresh("admin")))
        assert client.get("/api/overview").status_code == 200  # the key is the server's
        client.cookies.set(COOKIE, signed_long_ago.dump(SessionData.fresh("admin")))
        assert client.get("/api/overview").status_code == 401
        page = client.get("/")
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login")
        assert "set-cookie" in client.get("/login").headers  # a fresh anonymous session


def test_the_login_page_does_not_extend_a_live_session(admin: httpx.Client) -> None:
    assert "set-cookie" not in admin.get("/login").headers


def test_a_form_over_64_kib_is_413(admin: httpx.Client) -> None:
    csrf = csrf_of(admin.get("/findings").text)
    big = {"csrf": csrf, "note": "x" * MAX_FORM_BYTES}
    for path in ("/logout", "/findings/ack", "/login"):
        answer = admin.post(path, data=big)
        assert answer.status_code == 413, path
        assert "表单过大" in answer.text
    assert admin.get("/api/overview").status_code == 200  # not logged out


def test_a_form_just_under_64_kib_is_read(admin: httpx.Client) -> None:
    csrf = csrf_of(admin.get("/findings").text)
    answer = admin.post("/logout", data={"csrf": csrf, "pad": "x" * (MAX_FORM_BYTES - 100)})
    assert answer.status_code == 303
    assert admin.get("/api/overview").status_code == 401


def test_a_chunked_form_without_a_length_is_411(admin: httpx.Client) -> None:
    csrf = csrf_of(admin.get("/findings").text)

    def chunks() -> Iterator[bytes]:
        yield f"csrf={csrf}&".encode()
        yield b"note=" + b"x" * (2 * MAX_FORM_BYTES)

    headers = {"content-type": "application/x-www-form-urlencoded"}
    answer = admin.post("/logout", content=chunks(), headers=headers)
    assert answer.status_code == 411
    assert admin.get("/api/overview").status_code == 200


def test_a_file_upload_is_refused(admin: httpx.Client) -> None:
    csrf = csrf_of(admin.get("/findings").text)
    answer = admin.post("/logout", data={"csrf": csrf}, files={"f": ("a.txt", b"hello")})
    assert answer.status_code == 400
    assert admin.get("/api/overview").status_code == 200
