"""The night around the sample check: the period's counts, the crawl's fetches, a week of summaries.

Deterministic: counts follow a site's position in the config, one site's count is entered by
hand (the first intranet site, else the last site), and every failed fetch carries the message
the crawler would give.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterator
from typing import Any

from monitor.config import Campus, Config, Site
from monitor.stats import statistics_year_of

Entry = dict[str, Any]

#: What the crawler reports for each outcome: HTTP status and message.
FETCH_ERRORS: dict[str, tuple[int | None, str]] = {
    "unreachable": (None, "连接超时：10 秒内无响应，重试 3 次后放弃"),
    "auth_required": (302, "跳转到统一身份认证页面 https://ids.example.edu.cn/authserver/login"),
    "blocked": (403, "403 Forbidden：访问被网站防火墙拦截"),
    "robots_disallowed": (None, "robots.txt 禁止抓取该路径"),
    "not_found": (404, "404 Not Found"),
    "parse_failed": (200, "页面已取得，但未识别出信息列表（网站可能已改版）"),
}


def manual_site(config: Config) -> str:
    sites = [site for _, site in config.sites()]
    return next((site.id for site in sites if site.intranet), sites[-1].id)


def stats(config: Config, at: dt.date) -> Entry:
    start, _ = statistics_year_of(config.institution.year_start, day=at)
    manual, n = manual_site(config), itertools.count()
    campuses = [_campus(campus, n, manual) for campus in config.campuses]
    by_type = {"招聘信息": 36, "招生信息": 21, "干部任职公告": 8}
    total = sum(campus["total"] for campus in campuses)
    return {
        "from": start.isoformat(),
        "to": at.isoformat(),
        "total": total,
        "by_type": by_type,
        "campuses": campuses,
    }


def _campus(campus: Campus, n: Iterator[int], manual: str) -> Entry:
    sites = [_site_count(site, next(n), manual) for site in campus.sites]
    return {"id": campus.id, "name": campus.name, "total": sum(s["count"] for s in sites), "sites": sites}


def _site_count(site: Site, n: int, manual: str) -> Entry:
    count = 20 + (n * 37) % 180
    last_year = max(0, count + (n * 53) % 90 - 40)
    if site.id == manual:  # the hand-entered count is also the one that dropped (a count_drop finding)
        count, last_year = 40, 160
    return {**_site_id(site), "count": count, "manual": site.id == manual, "last_year": last_year}


def _site_id(site: Site) -> Entry:
    return {"id": site.id, "name": site.name, "url": site.url}


def crawl(columns: list[Entry]) -> tuple[Entry, ...]:
    """One fetch per column (none for a column never crawled), with the crawler's error messages."""
    return tuple(_fetch(column) for column in columns if column["reason"] != "never_crawled")


def _fetch(column: Entry) -> Entry:
    outcome = {"blank": "empty", "could_not_check": column["reason"]}.get(column["status"], "ok")
    http_status, error = FETCH_ERRORS.get(outcome, (200, None))
    seen = column["items"] if outcome == "ok" else 0
    return {
        "campus": column["campus"],
        "site": column["site"],
        "column": column["column"],
        "outcome": outcome,
        "http_status": http_status,
        "pages": 1 if outcome in ("ok", "empty") else 0,
        "items_seen": seen,
        "items_new": min(seen, 2),
        "error": error,
    }


def week(check: Entry, at: dt.date) -> tuple[Entry, ...]:
    """Seven daily summaries ending at `at`: a few more stale columns early in the week."""
    columns = dict(Counter(c["status"] for c in check["columns"]))
    checklist = dict(Counter(i["status"] for i in check["checklist"]))
    states = Counter(f["state"] for f in check["findings"])
    today = {"new": states["new"], "ongoing": states["ongoing"], "resolved": len(check["resolved"])}
    days = [_day(at - dt.timedelta(days=back), columns, checklist, back) for back in range(6, 0, -1)]
    return (*days, {"at": at.isoformat(), "columns": columns, "checklist": checklist, "findings": today})


def _day(day: dt.date, columns: dict[str, int], checklist: dict[str, int], back: int) -> Entry:
    shift = min(back % 3, columns.get("fresh", 0))
    moved = {"fresh": columns.get("fresh", 0) - shift, "stale": columns.get("stale", 0) + shift}
    findings = {"new": (0, 1, 3, 0, 1, 2)[back - 1], "ongoing": 5, "resolved": (0, 1, 2, 0, 0, 1)[back - 1]}
    return {
        "at": day.isoformat(),
        "columns": {**columns, **moved},
        "checklist": checklist,
        "findings": findings,
    }
