"""The helper process reads pages as the crawl's process would, can die, and dies with its parent.

Real child processes (``spawn``), the saved list fixtures, a login form and a block page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from scrapy.http import HtmlResponse, TextResponse

from crawler.helper import Helper
from crawler.reader import PageReader, Reading, read_page
from tests.crawler.test_profiles import EXPECTED, column, response

TODAY = dt.date(2026, 11, 26)
ROOT = Path(__file__).resolve().parents[2]
LOGIN = "<html><body><form><input type=text name=u><input type=password name=p></form></body></html>"
BLOCK = "<html><body><h1>访问验证</h1><p>请开启JavaScript</p></body></html>"


def pages() -> dict[str, TextResponse]:
    found: dict[str, TextResponse] = {n: response(n) for n in EXPECTED if n.endswith(".html")}
    found["login"] = HtmlResponse(url="http://a.edu.cn/list.htm", body=LOGIN.encode())
    found["block"] = HtmlResponse(url="http://a.edu.cn/list.htm", body=BLOCK.encode())
    return found


def read_all(reader: PageReader, responses: dict[str, TextResponse]) -> dict[str, Reading]:
    async def main() -> dict[str, Reading]:
        readings = [reader.read(res, key=("site", name)) for name, res in responses.items()]
        return dict(zip(responses, await asyncio.gather(*readings), strict=True))

    return asyncio.run(main())


def test_the_child_reads_every_page_as_the_process_itself_would() -> None:
    responses = pages()
    columns = {("site", name): column(res.url) for name, res in responses.items()}
    helper = Helper(columns=columns, today=TODAY)
    try:
        got = read_all(PageReader(columns, today=TODAY, helper=helper), responses)
    finally:
        helper.close()
    want = {
        name: read_page(res, column=columns[("site", name)], today=TODAY) for name, res in responses.items()
    }
    assert got == want
    assert got["login"] == Reading(login=True, listing=None)
    assert got["block"].blocked
    assert not got["webplus_news_list.html"].blocked
    assert sum(len(r.listing.rows) for r in got.values() if r.listing) > 40


def test_a_dead_child_leaves_the_reading_to_the_process() -> None:
    responses = {n: r for n, r in pages().items() if n.startswith("webplus")}
    columns = {("site", name): column(res.url) for name, res in responses.items()}
    helper = Helper(columns=columns, today=TODAY)
    reader = PageReader(columns, today=TODAY, helper=helper)
    try:
        read_all(reader, dict(list(responses.items())[:1]))  # the child is up
        os.kill(helper.process.pid, signal.SIGKILL)
        got = read_all(reader, responses)
        assert helper.broken
    finally:
        helper.close()
    assert got == {n: read_page(r, column=columns[("site", n)], today=TODAY) for n, r in responses.items()}


def test_a_task_that_fails_raises_its_error_and_the_helper_goes_on() -> None:
    helper = Helper(columns={}, today=TODAY)

    async def main() -> list[object]:
        tasks = [helper.run(int, "12"), helper.run(int, "x"), helper.run(int, "7", priority=-1)]
        return await asyncio.gather(*tasks, return_exceptions=True)

    try:
        twelve, error, seven = asyncio.run(main())
        assert (twelve, seven) == (12, 7)
        assert isinstance(error, ValueError)
        assert helper.call(int, "5") == 5
        assert not helper.broken
    finally:
        helper.close()
    assert not helper.process.is_alive()


PARENT = """
import datetime as dt, sys, time
from crawler.helper import Helper
helper = Helper(columns={}, today=dt.date(2026, 11, 26))
helper.call(int)
print(helper.process.pid, flush=True)
time.sleep(60)
"""


def test_the_child_ends_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(PARENT)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return status != "Z"  # an orphan zombie waits for init to reap it: it has ended
