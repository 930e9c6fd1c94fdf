"""Counts: a site publishing far less than in the same period a year before.

The annual disclosure report tabulates each site's newly published items per 学年; a sharp drop
usually means a column moved, a login wall went up, or an office stopped publishing.
"""

from __future__ import annotations

from fractions import Fraction

from monitor.rules.findings import Finding, iso
from monitor.rules.registry import FindingKind, rule
from monitor.rules.snapshot import SiteSnapshot, Snapshot


@rule(
    "count_drop",
    kinds=(FindingKind("count_drop", "site", "发布量下降", "medium", "owner", "freshness", rank=60),),
)
def count_drop(snapshot: Snapshot) -> list[Finding]:
    """发布量下降：flags each site whose count this period is below a share of last year's.

    The share is `checks.count_drop_share` in the config (default 0.5: less than half of the
    same period a year before). Sites with no items last year are not judged. Counts entered by
    hand (OA systems) are judged too and marked as manual.
    """
    share = Fraction(str(snapshot.settings.count_drop_share))  # exact: 0.3 × 10 is 3, not 3.0000000000000004
    return [_drop(site, snapshot, share) for site in snapshot.sites if _dropped(site, share)]


def _dropped(site: SiteSnapshot, share: Fraction) -> bool:
    return site.count_last_year > 0 and site.count < share * site.count_last_year


def _drop(site: SiteSnapshot, snapshot: Snapshot, share: Fraction) -> Finding:
    manual = "（人工录入）" if site.manual else ""
    period = snapshot.period
    return Finding(
        kind="count_drop",
        subject=site.site,
        severity="medium",
        message=f"{site.name} 本期发布 {site.count} 条{manual}，不足去年同期 {site.count_last_year} 条的 "
        f"{float(share):.0%}",
        detail={
            "count": site.count,
            "count_last_year": site.count_last_year,
            "share": float(share),
            "manual": site.manual,
            "from": iso(period[0]) if period else None,
            "to": iso(period[1]) if period else None,
        },
        site=site.site,
    )
