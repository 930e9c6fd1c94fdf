"""Column verdicts: is each column (栏目) fresh, stale, blank, undated, or could it not be checked?

Thresholds come from the 政府网站 inspection rules (国办秘函〔2019〕19号 and the 2015 普查):
动态要闻 columns 2 weeks, 通知公告/政策文件 columns 6 months, 人事/规划计划 columns 1 year,
the homepage 2 weeks (``KIND_MAX_AGE_DAYS`` in the config, overridable per column). A column the
crawler could not read is "could not check", never "stale": the crawl failing says nothing about
the office's publishing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from monitor.rules.findings import Finding, Severity, iso
from monitor.rules.registry import FindingKind, rule
from monitor.rules.snapshot import READABLE, ColumnSnapshot, SiteSnapshot, Snapshot

ColumnStatus = Literal["fresh", "stale", "blank", "undated", "could_not_check"]

#: Crawl outcomes (and "never crawled") in the office's words.
OUTCOME_ZH = {
    "never_crawled": "尚未抓取",
    "unreachable": "无法访问",
    "auth_required": "需要登录",
    "blocked": "访问被拦截",
    "robots_disallowed": "robots.txt 禁止抓取",
    "not_found": "页面不存在",
    "parse_failed": "未能识别信息列表",
}


@dataclass(frozen=True)
class ColumnVerdict:
    """A column's status at a date; `reason` is the crawl outcome when it could not be checked."""

    status: ColumnStatus
    reason: str = ""
    age_days: int | None = None  # days from the newest dated item to the check date
    newest: dt.date | None = None

    @property
    def checked(self) -> bool:
        return self.status != "could_not_check"

    @property
    def not_updated(self) -> bool:
        """Stale, or undated (未注明发布时间的视为不更新)."""
        return self.status in ("stale", "undated")


def column_verdict(column: ColumnSnapshot, *, at: dt.date) -> ColumnVerdict:
    """Judge one column as of `at`."""
    age = None if column.newest is None else (at - column.newest).days
    status, reason = _status(column, age)
    return ColumnVerdict(status, reason, age, column.newest)


def _status(column: ColumnSnapshot, age: int | None) -> tuple[ColumnStatus, str]:
    if column.outcome is None:
        return "could_not_check", "never_crawled"
    if column.outcome not in READABLE:
        return "could_not_check", column.outcome
    if column.outcome == "empty" or column.items == 0:
        return "blank", ""
    if column.max_age_days is None:  # static pages are never stale, dated or not
        return "fresh", ""
    if age is None:
        return "undated", ""
    return ("stale" if age > column.max_age_days else "fresh"), ""


def where(site: SiteSnapshot, column: ColumnSnapshot) -> str:
    """A column as the office names it: 今日哈工大/公告公示."""
    return f"{site.name}/{column.name}"


@rule(
    "column_freshness",
    kinds=(
        FindingKind("column_stale", "column", "栏目未按时更新", "high", "owner", "freshness", True, 10),
        FindingKind("column_blank", "column", "空白栏目", "medium", "owner", "freshness", True, 20),
        FindingKind("column_undated", "column", "未注明发布时间", "high", "owner", "freshness", True, 30),
    ),
)
def column_freshness(snapshot: Snapshot) -> list[Finding]:
    """栏目不更新：flags each column that is stale, blank (空白栏目) or whose items are all undated.

    A column is stale when its newest item is older than its threshold: 14 days for news and
    the homepage, 183 days for notices and policies, 365 days for personnel/planning columns
    (政府网站 inspection rules, 国办秘函〔2019〕19号; per-column `max_age_days` overrides).
    Items without a publication date count as not updated (2015 普查 rule). Static pages are
    never stale. Columns the crawler could not read are not judged here.
    """
    found: list[Finding] = []
    for site in snapshot.sites:
        for column in site.columns:
            verdict = column_verdict(column, at=snapshot.at)
            if verdict.status in ("stale", "blank", "undated"):
                found.append(_freshness_finding(site, column, verdict))
    return found


def _freshness_finding(site: SiteSnapshot, column: ColumnSnapshot, verdict: ColumnVerdict) -> Finding:
    name = where(site, column)
    messages = {
        "stale": f"{name} 已 {verdict.age_days} 天未更新（阈值 {column.max_age_days} 天），"
        f"最新信息 {iso(verdict.newest)}",
        "blank": f"{name} 是空白栏目，栏目中没有任何信息",
        "undated": f"{name} 的 {column.items} 条信息均未注明发布时间，视为未更新",
    }
    detail = {
        "kind": column.kind,
        "max_age_days": column.max_age_days,
        "age_days": verdict.age_days,
        "newest": iso(verdict.newest),
        "items": column.items,
        "undated": column.undated,
    }
    severity: Severity = "high" if column.kind == "homepage" and verdict.status != "blank" else "medium"
    return Finding(
        kind=f"column_{verdict.status}",
        subject=column.key,
        severity=severity,
        message=messages[verdict.status],
        detail=detail,
        site=column.site,
        column=column.column,
    )


@rule(
    "not_checked",
    kinds=(
        FindingKind(
            "column_not_checked", "column", "栏目连续无法检查", "medium", "owner", "freshness", True, 40
        ),
    ),
)
def not_checked(snapshot: Snapshot) -> list[Finding]:
    """无法检查：flags each column the crawler could not read for N crawls in a row.

    N is `checks.not_checked_runs` (default 3). The reason is the crawl outcome: unreachable,
    login required (统一身份认证), blocked, forbidden by robots.txt, 404, or a list the crawler
    no longer recognises (a redesign). Such a column is never reported as stale.
    """
    limit = snapshot.settings.not_checked_runs
    return [
        _not_checked_finding(site, column, column_verdict(column, at=snapshot.at))
        for site in snapshot.sites
        for column in site.columns
        if column.failed_runs >= limit
    ]


def _not_checked_finding(site: SiteSnapshot, column: ColumnSnapshot, verdict: ColumnVerdict) -> Finding:
    reason = verdict.reason or (column.outcome or "")
    why = OUTCOME_ZH.get(reason, reason)
    return Finding(
        kind="column_not_checked",
        subject=column.key,
        severity="medium",
        message=f"{where(site, column)} 已连续 {column.failed_runs} 次无法检查（{why}）",
        detail={"outcome": reason, "failed_runs": column.failed_runs, "newest": iso(column.newest)},
        site=column.site,
        column=column.column,
    )
