"""The dashboard under 200 concurrent requests: every one answered, none with a 5xx.

Before the fix (issue #11), a request held its database connection while it waited for a worker
thread, so beyond the pool's 15 connections requests queued in threads for the pool and timed
out with "QueuePool limit of size 5 overflow 10 reached" (500s), or got no answer for a minute.
Timings belong to bench/ (bench_web.py at 1M items); this test asks for answers, not speed.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.web.conftest import Dashboard

PATHS = ["/", "/api/overview", "/sites/jwc", "/api/sites/jwc", "/checklist", "/api/findings"]
CONCURRENT = 200


async def _all_at_once(base_url: str, cookies: httpx.Cookies) -> list[httpx.Response | BaseException]:
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=90, limits=limits) as client:
        asks = (client.get(PATHS[i % len(PATHS)]) for i in range(CONCURRENT))
        return await asyncio.gather(*asks, return_exceptions=True)


def test_200_concurrent_requests_are_all_answered_without_a_5xx(
    dashboard: Dashboard, clients: dict[str, httpx.Client]
) -> None:
    answers = asyncio.run(_all_at_once(dashboard.base_url, clients["office"].cookies))
    outcomes = Counter(
        type(answer).__name__ if isinstance(answer, BaseException) else answer.status_code
        for answer in answers
    )
    assert outcomes == {200: CONCURRENT}
