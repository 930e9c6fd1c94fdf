"""The regulator's view in a real headless browser (Playwright, Debian's chromium), on SQLite.

A regulator logs in through the form and lands on the ranking of the three demo institutions,
opens the first one's pages from it; then an office user of demo2 logs in and sees only its own
institution. Skipped without chromium or playwright unless XXGK_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.web.test_browser import ARTIFACTS, assert_no_leaks, log_in, page  # noqa: F401 - the fixture
from tests.web.test_regulator import dashboard, folder  # noqa: F401 - the fixtures

if TYPE_CHECKING:
    from playwright.sync_api import Page


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite only: the browser is about the pages, not the backend."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'regulator-browser.db'}"


def test_a_regulator_ranks_and_opens_institutions_then_an_institution_user_sees_its_own(page: Page) -> None:  # noqa: F811
    log_in(page, "reg")
    assert page.url.endswith("/regulator")
    rows = page.locator("table.ranking tbody tr")
    assert [rows.nth(i).get_attribute("data-institution") for i in range(rows.count())] == [
        "demo1", "demo2", "demo3",
    ]  # fmt: skip
    assert page.locator("table.ranking svg.spark polyline").count() >= 1
    assert_no_leaks(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "regulator.png"), full_page=True)
    page.click("table.ranking tbody tr >> nth=1 >> a")
    page.wait_for_url("**/")
    assert "演示大学2" in page.inner_text("header")
    assert page.locator("table.overview span.light").count() > 0
    page.click("nav >> text=监管总览")
    page.wait_for_url("**/regulator")
    page.click("form.logout button[type=submit]")
    page.wait_for_url("**/login")
    log_in(page, "office2")
    assert "演示大学2" in page.inner_text("header")
    assert page.locator("nav >> text=监管总览").count() == 0
    page.goto("/regulator")
    assert page.locator("table.ranking tbody tr").count() == 1
    assert page.locator("table.ranking tbody tr").get_attribute("data-institution") == "demo2"
