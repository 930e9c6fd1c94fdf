"""One hand-written night on the demo campus (config/demo.yaml), as the JSON the reports read.

Problems, and whom they concern:
- rsc (人事处): 人才招聘 stale (400 days, hr_plan 365: 35 overdue), the checklist item it carries
  (post-setting-appointment) stale, a new finding;
- news (新闻网): 学校要闻 blank, an ongoing finding;
- oa (校内OA系统): 通知公告 could not be checked (login required); its fetch was auth_required;
- xxgk (信息公开网): 公开文件 undated; the item it carries (disclosure-annual-report) overdue;
- jwc (本科生院): all columns fresh, but the item it carries (majors) missing and a new count drop;
- wh-today and wh-cwc: nothing open, one resolved finding each (a column, and the item fees);
- every other owner (today, yjsy, rsc's neighbours …): nothing, so no digest.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from monitor.config import Config, Site, load_config
from monitor.reports import ReportInput

ROOT = Path(__file__).resolve().parents[2]
DEMO = load_config(ROOT / "config" / "demo.yaml")
AT = "2026-11-26"

XSS_TITLE = "<script>alert(1)</script>"
XSS_ATTR = '"><img src=x onerror=alert(1)>'

#: (site, column) → (status, reason, newest, items, age_days); every other column is fresh.
PROBLEMS: dict[tuple[str, str], tuple[str, str, str | None, int, int | None]] = {
    ("rsc", "rczp"): ("stale", "", "2025-10-22", 30, 400),
    ("news", "xxyw"): ("blank", "", None, 0, None),
    ("oa", "tzgg"): ("could_not_check", "auth_required", "2026-09-01", 12, 86),
    ("xxgk", "gkwj"): ("undated", "", None, 8, None),
}
ITEMS = {
    "post-setting-appointment": ("stale", "too_old", "2026-10-01"),
    "disclosure-annual-report": ("overdue", "deadline_passed", "2026-10-31"),
    "majors": ("missing", "blank", None),
    "basic-info": ("missing", "no_source", None),  # carried by no column: in no digest
    "graduate-admission-list": ("could_not_check", "auth_required", None),
}
OWNERS_WITH_NEWS = {
    "rsc@example.edu.cn": {"rsc"},
    "news@example.edu.cn": {"news"},
    "oa@example.edu.cn": {"oa"},
    "xxgk@example.edu.cn": {"xxgk"},
    "jwc@example.edu.cn": {"jwc"},
    "wh-today@example.edu.cn": {"wh-today"},
    "wh-cwc@example.edu.cn": {"wh-cwc"},
}


def column(campus: str, site: str, column_id: str) -> dict[str, Any]:
    status, reason, newest, items, age = PROBLEMS.get((site, column_id), ("fresh", "", "2026-11-20", 40, 6))
    return {
        "campus": campus,
        "site": site,
        "column": column_id,
        "status": status,
        "reason": reason,
        "newest": newest,
        "items": items,
        "age_days": age,
    }


def finding(kind: str, subject: str, state: str, message: str, **about: str) -> dict[str, Any]:
    return {
        "key": f"{kind}:{subject}",
        "kind": kind,
        "subject": subject,
        "severity": "high" if kind == "checklist_overdue" else "medium",
        "message": message,
        "site": about.get("site"),
        "column": about.get("column"),
        "slug": about.get("slug"),
        "detail": {},
        "state": state,
    }


def check(config: Config = DEMO) -> dict[str, Any]:
    columns = [column(campus.id, site.id, c.id) for campus, site in config.sites() for c in site.columns]
    checklist = [checklist_item(item.slug, item.number) for item in config.checklist.items]
    sites = [
        {"campus": campus.id, "site": site.id, "status": SITE_STATUS.get(site.id, "pass"), "reasons": []}
        for campus, site in config.sites()
    ]
    return {
        "at": AT,
        "columns": columns,
        "sites": sites,
        "checklist": checklist,
        "findings": [finding(*row[:4], **row[4]) for row in FINDINGS],
        "resolved": ["column_stale:wh-today/kx", "checklist_missing:fees"],
    }


SITE_STATUS = {"oa": "could_not_check"}
FINDINGS: list[tuple[str, str, str, str, dict[str, str]]] = [
    ("column_stale", "rsc/rczp", "new", "人事处/人才招聘 已 400 天未更新", {"site": "rsc", "column": "rczp"}),
    (
        "column_blank",
        "news/xxyw",
        "ongoing",
        "新闻网/学校要闻 是空白栏目",
        {"site": "news", "column": "xxyw"},
    ),
    (
        "checklist_overdue",
        "disclosure-annual-report",
        "new",
        "清单第 6 项逾期",
        {"slug": "disclosure-annual-report"},
    ),
    ("count_drop", "jwc", "new", "本科生院 本期发布 3 条，不足去年同期的 50%", {"site": "jwc"}),
]


def checklist_item(slug: str, number: int) -> dict[str, Any]:
    status, reason, due = ITEMS.get(slug, ("ok", "", None))
    return {"slug": slug, "number": number, "status": status, "reason": reason, "due": due, "evidence": []}


def stats(config: Config = DEMO) -> dict[str, Any]:
    """Counts: site i of campus n published 10(n+1)+i items, against 8(n+1)+i last year; oa by hand."""
    campuses = [
        {
            "id": campus.id,
            "name": campus.name,
            "sites": [site_count(s, n, i) for i, s in enumerate(campus.sites)],
        }
        for n, campus in enumerate(config.campuses)
    ]
    for campus in campuses:
        campus["total"] = sum(s["count"] for s in campus["sites"])
    total = sum(c["total"] for c in campuses)
    return {"from": "2026-09-01", "to": AT, "total": total, "by_type": {}, "campuses": campuses}


def site_count(site: Site, n: int, i: int) -> dict[str, Any]:
    count, last_year = 10 * (n + 1) + i, 8 * (n + 1) + i
    return {
        "id": site.id,
        "name": site.name,
        "url": site.url,
        "count": count,
        "manual": site.id == "oa",
        "last_year": last_year,
    }


def fetch(
    site: str, column_id: str, outcome: str, error: str | None = None, status: int | None = 200
) -> dict[str, Any]:
    counts = {"pages": 1, "items_seen": 0, "items_new": 0}
    return {
        "campus": "main",
        "site": site,
        "column": column_id,
        "outcome": outcome,
        "http_status": status,
        **counts,
        "error": error,
    }


CRAWL = (
    fetch("rsc", "rczp", "ok"),
    fetch("news", "xxyw", "empty"),
    fetch("oa", "tzgg", "auth_required", "跳转到统一身份认证页面", 302),
    fetch("jwc", "jxyx", "blocked", "403 Forbidden：访问被拦截", 403),
)


def week() -> tuple[dict[str, Any], ...]:
    """Seven daily summaries, 2026-11-20 … 26, given newest first (the reports sort them)."""
    return tuple(reversed([day(n, problems) for n, problems in enumerate((6, 5, 4, 4, 3, 2, 4))]))


def day(n: int, problems: int) -> dict[str, Any]:
    columns = {"fresh": 24 - problems, "stale": problems, "blank": 0, "undated": 0, "could_not_check": 1}
    findings = {"new": n % 3, "ongoing": 4, "resolved": (n + 1) % 2}
    return {
        "at": f"2026-11-{20 + n}",
        "columns": columns,
        "checklist": {"ok": 45, "missing": 5},
        "findings": findings,
    }


def night(*, dashboard_url: str | None = None, config: Config = DEMO, **changes: Any) -> ReportInput:
    """The night above; `changes` replace parts of the check (columns, findings, resolved …)."""
    doc = {**copy.deepcopy(check(config)), **changes}
    return ReportInput(
        config=config, check=doc, stats=stats(config), crawl=CRAWL, dashboard_url=dashboard_url, week=week()
    )
