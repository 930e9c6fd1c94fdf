"""The dashboard in a real headless browser: Playwright driving Debian's chromium.

Logs in through the form, opens every page, acknowledges a finding, downloads the XLSX and saves
full-page screenshots of the overview and the checklist matrix to ``test-artifacts/``. Skipped
when chromium or the playwright package is missing, unless XXGK_REQUIRE_SERVICES=1 (as in CI).
The browser is about the pages, not the backend: this module runs on SQLite only.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from openpyxl import load_workbook

from monitor.demo import pii
from tests.conftest import _unavailable
from tests.web.conftest import PASSWORD, ROOT, Dashboard, xxgk

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Overrides the per-backend database of tests/web/conftest.py: SQLite only."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'browser.db'}"


@pytest.fixture(scope="module")
def page(dashboard: Dashboard) -> Iterator[Page]:
    if importlib.util.find_spec("playwright") is None:
        _unavailable("the playwright package is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        context = browser.new_context(
            base_url=dashboard.base_url, accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def log_in(page: Page, name: str) -> None:
    page.goto("/")
    assert "/login" in page.url, "an anonymous visitor is sent to the login form"
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("header nav").is_visible()


def assert_no_leaks(page: Page) -> None:
    """No Python repr or template slip reached the rendered text."""
    shown = page.inner_text("main")
    for slip in ("built-in method", "object at 0x", "None", "undefined", "{{"):
        assert slip not in shown, f"{slip!r} shown on {page.url}"


def test_a_user_logs_in_and_opens_every_page(page: Page) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, "office")
    assert page.locator("table.overview span.light").count() > 0
    assert_no_leaks(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    page.click("nav >> text=事项清单")
    assert page.locator("table.matrix tbody tr").count() == 50
    assert_no_leaks(page)
    page.screenshot(path=str(ARTIFACTS / "checklist.png"), full_page=True)
    page.goto("/sites/jwc")
    assert page.locator("svg.chart rect").count() == 12
    assert_no_leaks(page)
    page.screenshot(path=str(ARTIFACTS / "site.png"), full_page=True)
    pages = (
        ("问题清单", "table.findings"),
        ("统计报表", "a[href^='/stats.xlsx']"),
        ("采集记录", "table.runs"),
    )
    for link, marker in pages:
        page.click(f"nav >> text={link}")
        assert page.locator(marker).count() > 0
        assert_no_leaks(page)
    assert not errors, errors


def test_a_finding_is_acknowledged_through_the_form(page: Page) -> None:
    page.goto("/findings")
    form = page.locator("form.ack").first
    key = form.locator("input[name=key]").get_attribute("value")
    form.locator("input[name=note]").fill("浏览器确认：已通知部门")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/findings")
    row = page.locator("table.findings tbody tr", has=page.locator(f"code:text-is('{key}')"))
    assert "office 于" in row.locator("span.ack").inner_text()
    assert "浏览器确认：已通知部门" in row.locator("span.ack").inner_text()


def test_the_statistics_download_as_an_xlsx_workbook(page: Page, tmp_path: Path) -> None:
    page.goto("/stats")
    with page.expect_download() as info:
        page.click("a[href^='/stats.xlsx']")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    book = load_workbook(target)
    assert book.worksheets
    assert any(cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row)


def test_content_findings_show_masked_excerpts_and_links_per_site(page: Page, dashboard: Dashboard) -> None:
    """The last test of the module: it scans the crawled pages (the demo plants personal data on
    教务处's 通知公告, in pages and in PDF, XLSX and DOCX attachments) and checks again; the 内容问题
    of the site's page list each leak with a link to its page or attachment and masked excerpts,
    can be acknowledged like any finding, and show no planted number in full."""
    for step in (["scan", "--all"], ["check"]):
        code, out = xxgk(dashboard.config, dashboard.db_url, *step)
        assert code == 0, out
    expected = pii.expected_pii(dashboard.campus)
    assert expected, "the demo campus plants personal data"
    page.goto(f"/sites/{pii.SITE}")
    page.click("a.content-findings")
    page.wait_for_url("**/findings?section=content*")
    assert page.locator("h1").inner_text() == f"内容问题 · {pii.SITE}"
    rows = page.locator("table.findings tbody tr")
    assert rows.count() == len(expected)
    targets = {rows.nth(n).locator("a.target").get_attribute("href") for n in range(rows.count())}
    assert targets == set(expected)
    assert all("个人信息泄露" in rows.nth(n).inner_text() for n in range(rows.count()))
    assert page.locator("ul.excerpts li").count() >= len(expected)
    shown = page.content()
    for number in pii.planted_numbers(dashboard.campus):
        assert number not in shown, f"{number[:3]}… shown in full"
    assert "*" in page.locator("ul.excerpts").first.inner_text()  # masked
    assert_no_leaks(page)
    form = rows.first.locator("form.ack")
    key = form.locator("input[name=key]").get_attribute("value")
    form.locator("input[name=note]").fill("已撤下附件")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/findings")
    row = page.locator("table.findings tbody tr", has=page.locator(f"code:text-is('{key}')"))
    assert "已撤下附件" in row.locator("span.ack").inner_text()
    page.click("nav >> text=内容问题")
    assert page.locator("table.findings tbody tr").count() >= len(expected)
