"""Site verdicts by the inspection rule 栏目不更新 (a 单项否决 item of 国办秘函〔2019〕19号).

A site fails when, at the check date, 5 or more 动态要闻/通知公告 columns (the homepage included)
are not updated, or 10 or more columns of any kind are not updated, or 5 or more columns are
blank. "Not updated" means stale or undated (未注明发布时间的视为不更新). Columns that could not be
checked count toward nothing; a site none of whose columns could be checked is "could not check".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from monitor.rules.columns import ColumnVerdict, column_verdict
from monitor.rules.findings import Finding
from monitor.rules.registry import FindingKind, rule
from monitor.rules.snapshot import SiteSnapshot, Snapshot

SiteStatus = Literal["pass", "fail", "could_not_check"]

#: Column kinds of the 动态要闻 and 通知公告/政策文件 classes (rule 1 of 栏目不更新).
DYNAMIC_KINDS = ("news", "notice", "homepage")
STALE_DYNAMIC_LIMIT = 5  # "累计超过(含)5个未更新"
STALE_TOTAL_LIMIT = 10  # "应更新但长期未更新的栏目数量超过(含)10个"
BLANK_LIMIT = 5  # "空白栏目数量超过(含)5个"

REASONS_ZH = {
    "stale_dynamic": "{n} 个动态要闻/通知公告类栏目未按时更新（达到 5 个即不合格）",
    "stale_total": "{n} 个栏目长期未更新（达到 10 个即不合格）",
    "blank": "{n} 个空白栏目（达到 5 个即不合格）",
}


@dataclass(frozen=True)
class SiteVerdict:
    """A site's verdict; `reasons` names the limits it reached (stale_dynamic, stale_total, blank)."""

    status: SiteStatus
    reasons: tuple[str, ...] = ()
    stale_dynamic: int = 0
    stale_total: int = 0
    blank: int = 0

    def counts(self) -> dict[str, int]:
        return {"stale_dynamic": self.stale_dynamic, "stale_total": self.stale_total, "blank": self.blank}


def site_verdict(site: SiteSnapshot, *, at: dt.date) -> SiteVerdict:
    """Judge one site as of `at` by the 栏目不更新 rule."""
    judged = [(column.kind, column_verdict(column, at=at)) for column in site.columns]
    counts = _counts(judged)
    limits = {"stale_dynamic": STALE_DYNAMIC_LIMIT, "stale_total": STALE_TOTAL_LIMIT, "blank": BLANK_LIMIT}
    reasons = tuple(name for name, limit in limits.items() if counts[name] >= limit)
    if reasons:
        return SiteVerdict("fail", reasons, **counts)
    checked = any(verdict.checked for _, verdict in judged)
    return SiteVerdict("pass" if checked else "could_not_check", (), **counts)


def _counts(judged: list[tuple[str, ColumnVerdict]]) -> dict[str, int]:
    return {
        "stale_dynamic": sum(v.not_updated for kind, v in judged if kind in DYNAMIC_KINDS),
        "stale_total": sum(v.not_updated for _, v in judged),
        "blank": sum(v.status == "blank" for _, v in judged),
    }


@rule(
    "site_inspection",
    kinds=(FindingKind("site_failing", "site", "网站检查不合格", "high", "owner", "freshness", rank=0),),
)
def site_inspection(snapshot: Snapshot) -> list[Finding]:
    """栏目不更新（单项否决）：flags each site that would fail a website inspection.

    A site fails when 5 or more news/notice columns (the homepage included) are stale or
    undated, or 10 or more columns of any kind are, or 5 or more columns are blank
    (国办秘函〔2019〕19号 政府网站检查指标, 单项否决 "栏目不更新"; the same limits as the 2015 普查).
    """
    found: list[Finding] = []
    for site in snapshot.sites:
        verdict = site_verdict(site, at=snapshot.at)
        if verdict.status == "fail":
            found.append(_failing(site, verdict))
    return found


def _failing(site: SiteSnapshot, verdict: SiteVerdict) -> Finding:
    counts = verdict.counts()
    why = "；".join(REASONS_ZH[name].format(n=counts[name]) for name in verdict.reasons)
    return Finding(
        kind="site_failing",
        subject=site.site,
        severity="high",
        message=f"{site.name} 按“栏目不更新”检查规则不合格：{why}",
        detail={"reasons": list(verdict.reasons), **counts},
        site=site.site,
    )
